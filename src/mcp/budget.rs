//! What an MCP session may spend: `--max-cost` over the session (the sum of the estimates it had
//! accepted), and the monthly budget in Settings over the month's ledger. A call that would pass
//! either is refused before anything is sent.

use std::sync::Mutex;

use crate::core::api::pricing::{Estimate, format_usd};

/// The session's spend so far, and its cap.
#[derive(Debug, Default)]
pub struct Budget {
    cap_micro_usd: Option<u64>,
    accepted: Mutex<u64>,
}

/// A share of the session's cap held for one call; given back if the call sends nothing.
#[derive(Debug)]
#[must_use = "a hold is given back with Budget::release when nothing was sent"]
pub struct Hold {
    micro_usd: u64,
}

impl Budget {
    pub fn new(cap_micro_usd: Option<u64>) -> Budget {
        Budget {
            cap_micro_usd,
            accepted: Mutex::new(0),
        }
    }

    /// What the session has accepted so far (micro-dollars).
    pub fn accepted(&self) -> u64 {
        *self
            .accepted
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// What is left under the cap, if there is one.
    pub fn left(&self) -> Option<u64> {
        self.cap_micro_usd
            .map(|cap| cap.saturating_sub(self.accepted()))
    }

    /// Why `estimate` would pass the cap, or `None` when it fits (nothing is held).
    pub fn problem(&self, estimate: &Estimate) -> Option<String> {
        let cap = self.cap_micro_usd?;
        let accepted = self.accepted();
        (accepted + estimate.micro_usd > cap).then(|| over(cap, accepted, estimate))
    }

    /// Holds `estimate` against the cap, checked and counted in one step (two calls at once
    /// cannot both take the last of it).
    pub fn hold(&self, estimate: &Estimate) -> Result<Hold, String> {
        let mut accepted = self
            .accepted
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(cap) = self.cap_micro_usd
            && *accepted + estimate.micro_usd > cap
        {
            return Err(over(cap, *accepted, estimate));
        }
        *accepted += estimate.micro_usd;
        Ok(Hold {
            micro_usd: estimate.micro_usd,
        })
    }

    /// Gives a hold back: its call sent nothing.
    #[allow(clippy::needless_pass_by_value)] // taken, so a hold is given back once
    pub fn release(&self, hold: Hold) {
        let mut accepted = self
            .accepted
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *accepted = accepted.saturating_sub(hold.micro_usd);
    }
}

fn over(cap: u64, accepted: u64, estimate: &Estimate) -> String {
    format!(
        "this call would cost {} ({}), and this session has accepted {} of its --max-cost {}; nothing was sent",
        format_usd(estimate.micro_usd),
        estimate,
        format_usd(accepted),
        format_usd(cap)
    )
}

/// Why `estimate` would take this month's spend past the monthly budget, or `None`.
pub fn monthly_problem(
    budget_micro_usd: Option<u64>,
    spent_this_month: u64,
    estimate: &Estimate,
) -> Option<String> {
    let budget = budget_micro_usd?;
    (spent_this_month + estimate.micro_usd > budget).then(|| {
        format!(
            "this call would take this month's spend to {} (spent {}, this call {}), over the monthly budget of {} set in Settings; nothing was sent",
            format_usd(spent_this_month + estimate.micro_usd),
            format_usd(spent_this_month),
            format_usd(estimate.micro_usd),
            format_usd(budget)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::api::pricing::Rates;
    use crate::core::api::request::Model;

    #[test]
    fn the_session_never_accepts_more_than_its_cap() {
        let pro = Rates::default().estimate(Model::Pro, 2);
        let budget = Budget::new(Some(pro.micro_usd * 2));
        assert!(budget.problem(&pro).is_none());
        let a = budget.hold(&pro).unwrap_or_else(|e| panic!("{e}"));
        let _b = budget.hold(&pro).unwrap_or_else(|e| panic!("{e}"));
        let refused = budget.hold(&pro).unwrap_err();
        assert!(refused.contains("--max-cost") && refused.contains("nothing was sent"));
        assert_eq!(budget.left(), Some(0));
        budget.release(a);
        assert_eq!(budget.left(), Some(pro.micro_usd));
        assert!(Budget::new(None).hold(&pro).is_ok());
    }

    #[test]
    fn the_monthly_budget_counts_what_was_spent() {
        let e = Rates::default().estimate(Model::Standard, 1);
        assert!(monthly_problem(None, 10_000_000, &e).is_none());
        assert!(monthly_problem(Some(e.micro_usd), 0, &e).is_none());
        let said = monthly_problem(Some(e.micro_usd), 1, &e).unwrap_or_default();
        assert!(said.contains("monthly budget"), "{said}");
    }
}
