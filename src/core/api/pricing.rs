//! Price estimates: a flat rate per generated image, `credits = ceil(usd × n × 1000)`.
//!
//! Rates are held in micro-dollars so that the estimate is exact integer arithmetic
//! (0.075 × 3 × 1000 in floating point is 225.00000000000003, which would round up to 226).

use serde::{Deserialize, Serialize};

use crate::core::api::request::Model;

/// One credit is a thousandth of a dollar.
pub const MICRO_USD_PER_CREDIT: u64 = 1000;

/// Per-image rates, in micro-dollars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rates {
    pub standard_micro_usd: u64,
    pub pro_micro_usd: u64,
}

impl Default for Rates {
    /// The published third-party figures: Standard $0.030, Pro $0.075 per image.
    fn default() -> Self {
        Rates {
            standard_micro_usd: 30_000,
            pro_micro_usd: 75_000,
        }
    }
}

impl Rates {
    pub fn per_image_micro_usd(&self, model: Model) -> u64 {
        match model {
            Model::Standard => self.standard_micro_usd,
            Model::Pro => self.pro_micro_usd,
        }
    }

    /// What a request will cost: its `n` images on its tier. In a group series `n` is a maximum
    /// (the model may return fewer, and only those are billed), so the estimate is "up to".
    pub fn estimate_request(
        &self,
        request: &crate::core::api::request::GenerationRequest,
    ) -> Estimate {
        let n = u32::try_from(request.n.max(1)).unwrap_or(1);
        let mut e = self.estimate(request.model, n);
        e.up_to = request.is_group() && n > 1;
        e
    }

    /// The estimate for `n` images on `model`.
    pub fn estimate(&self, model: Model, n: u32) -> Estimate {
        let micro = self.per_image_micro_usd(model) * u64::from(n);
        Estimate {
            images: n,
            up_to: false,
            micro_usd: micro,
            credits: micro.div_ceil(MICRO_USD_PER_CREDIT),
        }
    }
}

/// Parses a dollar amount such as `0.075` or `$0.075` into micro-dollars, exactly.
pub fn parse_usd(s: &str) -> Option<u64> {
    let s = s.trim().trim_start_matches('$');
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() && frac.is_empty() {
        return None;
    }
    if frac.len() > 6
        || !whole
            .bytes()
            .chain(frac.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let frac_micro: u64 = if frac.is_empty() {
        0
    } else {
        frac.parse::<u64>().ok()? * 10u64.pow(6 - frac.len() as u32)
    };
    whole.checked_mul(1_000_000)?.checked_add(frac_micro)
}

/// Formats micro-dollars as `$0.075`, keeping at least two decimals.
pub fn format_usd(micro: u64) -> String {
    let whole = micro / 1_000_000;
    let frac = format!("{:06}", micro % 1_000_000);
    let trimmed = frac.trim_end_matches('0');
    let frac = if trimmed.len() < 2 {
        &frac[..2]
    } else {
        trimmed
    };
    format!("${whole}.{frac}")
}

/// What a request will cost if every image is generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Estimate {
    pub images: u32,
    /// A group series: `images` is a maximum (the model decides; only what comes back is billed).
    #[serde(default)]
    pub up_to: bool,
    pub micro_usd: u64,
    pub credits: u64,
}

impl std::fmt::Display for Estimate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let plural = if self.images == 1 { "image" } else { "images" };
        let up_to = if self.up_to { "up to " } else { "" };
        write!(
            f,
            "{up_to}{} {plural} ≈ {} credits ({})",
            self.images,
            self.credits,
            format_usd(self.micro_usd)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimate_is_exact() {
        let r = Rates::default();
        assert_eq!(r.estimate(Model::Pro, 3).credits, 225);
        assert_eq!(r.estimate(Model::Standard, 1).credits, 30);
        assert_eq!(r.estimate(Model::Pro, 12).credits, 900);
        let odd = Rates {
            standard_micro_usd: 33_333,
            pro_micro_usd: 1,
        };
        assert_eq!(odd.estimate(Model::Standard, 1).credits, 34);
        assert_eq!(odd.estimate(Model::Pro, 1).credits, 1);
    }

    #[test]
    fn usd_parses_and_formats() {
        assert_eq!(parse_usd("0.075"), Some(75_000));
        assert_eq!(parse_usd("$0.03"), Some(30_000));
        assert_eq!(parse_usd("1"), Some(1_000_000));
        assert_eq!(parse_usd(".5"), Some(500_000));
        assert_eq!(parse_usd("0.0000001"), None);
        assert_eq!(parse_usd("abc"), None);
        assert_eq!(parse_usd("-1"), None);
        assert_eq!(format_usd(75_000), "$0.075");
        assert_eq!(format_usd(900_000), "$0.90");
        assert_eq!(format_usd(2_250_000), "$2.25");
    }
}
