//! Sending the compose form: what blocks it (the API's rules, references that failed to load,
//! the connection, hosting, the budget), the one commit step before any send, the duplicate-send
//! question, preparing and uploading local references, and keeping the form saved on disk.
//! [`SendAction`]s land here.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::core::api::rules::{Problems, random_seed};
use crate::core::draft::Draft;
use crate::core::engine::{Command, Submission};
use crate::core::library::journal::{Spend, now_ms};
use crate::core::references::hosting::{Stage, StageTold, local_file};
use crate::core::text::i18n::{Arg, Message, Tr};
use crate::msg;
use crate::tr;

use super::super::cx::{Action, SendAction, Sent};
use super::super::dialogs::Confirm;
use super::super::textures::{TexKey, TexState};
use super::super::widgets;
use super::chores::{Done, SendingDone};
use super::connection::Connection;
use super::notices::failed;
use super::services::Services;

/// The same request sent again within this long asks first.
const SAME_REQUEST_WINDOW: Duration = Duration::from_secs(10);
/// The compose form is saved at most this long after it changed.
const DRAFT_SAVE_DELAY: Duration = Duration::from_millis(400);

/// Each local reference's stage while they are prepared and uploaded, by position (written by
/// the upload task, read each frame).
type Stages = Arc<Mutex<BTreeMap<usize, (String, Stage)>>>;

/// What a send may read of the rest of the window.
pub(super) struct SendCx<'a> {
    pub draft: &'a Draft,
    pub connection: &'a Connection,
    /// What the library has cost, once known (the budget waits for it).
    pub spend: Option<&'a Spend>,
}

/// The sending area.
pub(super) struct Sending {
    /// The last request sent (with a random seed left out) and what it was.
    last_sent: Option<(String, Sent)>,
    /// Sends that wait one frame for a typed field to commit (see [`Sending::generate`]).
    after_commit: Vec<Action>,
    /// Whether Generate was tried since the form was last sent (problems turn from hints to errors).
    tried: bool,
    /// Local references are being prepared and uploaded for a send.
    preparing: bool,
    stages: Stages,
    /// The compose form as last written to disk, and when it changed since.
    saved: Draft,
    changed_at: Option<Instant>,
}

impl Sending {
    pub fn new(draft: &Draft) -> Sending {
        Sending {
            last_sent: None,
            after_commit: Vec::new(),
            tried: false,
            preparing: false,
            stages: Arc::default(),
            saved: draft.clone(),
            changed_at: None,
        }
    }

    pub fn tried(&self) -> bool {
        self.tried
    }

    /// The engine refused the last send before anything left: it was not sent.
    pub fn not_sent(&mut self) {
        self.last_sent = None;
    }

    pub fn last_sent(&self) -> Option<&Sent> {
        self.last_sent.as_ref().map(|(_, sent)| sent)
    }

    /// Sends that waited a frame for a typed field to commit: they go after what the views did
    /// this frame (the field's commit among it).
    pub fn take_waiting(&mut self) -> Vec<Action> {
        std::mem::take(&mut self.after_commit)
    }

    /// Carries out a [`SendAction`].
    pub fn handle(&mut self, svc: &mut Services, cx: &SendCx<'_>, action: SendAction) {
        self.generate(svc, cx, action);
    }

    /// Why Generate cannot run now, one sentence each; empty when it can.
    pub fn blockers(&self, svc: &Services, cx: &SendCx<'_>, problems: &Problems) -> Vec<String> {
        let tr = svc.tr();
        let mut out: Vec<String> = problems.iter().map(|p| tr.m(&p.text)).collect();
        for (i, r) in cx.draft.references.iter().enumerate() {
            if let Some(TexState::Failed(e)) = svc.textures.peek(&TexKey::Reference(r.url.clone()))
            {
                out.push(tr!(
                    tr,
                    "rule-reference",
                    n = i + 1,
                    why = Arg::English(e.clone())
                ));
            }
        }
        if !cx.connection.is_ready() {
            out.push(tr.t("app-connecting-blocker").to_owned());
        } else if cx.connection.reference_host(&svc.settings).is_none()
            && cx
                .draft
                .references
                .iter()
                .any(|r| local_file(&r.url).is_some())
        {
            out.push(tr.t("app-no-host").to_owned());
        }
        if self.preparing {
            out.push(tr.t("app-preparing").to_owned());
        }
        if let Some(why) = over_budget(svc, cx) {
            out.push(why);
        }
        out
    }

    /// Submits the compose form, if nothing stands in the way. The same request again within
    /// a few seconds (a double-click, a repeated Ctrl+Enter) asks first.
    fn generate(&mut self, svc: &mut Services, cx: &SendCx<'_>, action: SendAction) {
        self.tried = true;
        // What is sent is what the form shows: a value still being typed is committed first,
        // through the field's own code (as Enter would), and the send follows on the next frame.
        if let Some(pending) = widgets::pending(&svc.ctx) {
            if let Some(problem) = &pending.problem {
                svc.warn(msg!(
                    "app-not-sent-typed",
                    field = pending.field.as_str(),
                    text = pending.text.as_str(),
                    problem = problem.as_str()
                ));
                return;
            }
            widgets::commit_pending(&svc.ctx);
            self.after_commit.push(action.into());
            svc.ctx.request_repaint();
            return;
        }
        let blockers = self.blockers(svc, cx, &cx.draft.problems());
        if let Some(first) = blockers.first() {
            svc.warn(failed("err-not-sent", first));
            return;
        }
        // A random seed is drawn per send, so it is left out of the comparison.
        let fingerprint = serde_json::to_string(&cx.draft.to_request(0)).unwrap_or_default();
        let recent = self
            .last_sent
            .as_ref()
            .is_some_and(|(f, sent)| *f == fingerprint && sent.at.elapsed() < SAME_REQUEST_WINDOW);
        if recent && action == SendAction::Generate {
            svc.modals.confirm = Some(Confirm::SendAgain);
            return;
        }
        let request = cx.draft.to_request(random_seed());
        let rates = &svc.settings.rates;
        let sent = Sent::of(&request, rates.estimate_request(&request));
        let submission = Submission {
            rate_micro_usd: Some(rates.per_image_micro_usd(request.model)),
            made_from: cx.draft.made_from(),
            request,
            agent: None,
        };
        if submission
            .request
            .image_urls
            .iter()
            .any(|u| local_file(u).is_some())
        {
            self.host_then_send(svc, cx.connection, submission, (fingerprint, sent));
            return;
        }
        if svc.send(Command::Submit(Box::new(submission))) {
            self.last_sent = Some((fingerprint, sent));
            self.tried = false;
        }
    }

    /// Files become links first (prepared, uploaded); the send follows when they are.
    fn host_then_send(
        &mut self,
        svc: &mut Services,
        connection: &Connection,
        mut submission: Submission,
        sent: (String, Sent),
    ) {
        let Some(host) = connection.reference_host(&svc.settings) else {
            svc.warn(Message::new("app-no-host"));
            return;
        };
        let http = match crate::core::references::hosting::upload_client() {
            Ok(c) => c,
            Err(e) => {
                svc.warn(failed("err-not-sent", e));
                return;
            }
        };
        self.preparing = true;
        self.last_sent = Some(sent);
        self.tried = false;
        let flatten_onto = svc.settings.flatten_onto;
        let stages = Arc::clone(&self.stages);
        stages
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        let waker = svc.ctx.clone();
        let told: StageTold = Arc::new(move |index, name, stage| {
            stages
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .insert(index, (name.to_owned(), stage));
            waker.request_repaint();
        });
        svc.chores.run(async move {
            let options = crate::core::references::preflight::Options { flatten_onto };
            match crate::core::references::hosting::host_local_references(
                &mut submission.request,
                &host,
                &http,
                options,
                told,
            )
            .await
            {
                Ok(_) => Done::Sending(SendingDone::Hosted(Box::new(submission))),
                Err(e) => Done::Sending(SendingDone::NotHosted(failed("err-not-sent", e))),
            }
        });
    }

    /// A chore of sending's finished.
    pub fn finished(&mut self, svc: &mut Services, done: SendingDone) {
        self.preparing = false;
        match done {
            SendingDone::Hosted(submission) => {
                if !svc.send(Command::Submit(submission)) {
                    self.last_sent = None;
                }
            }
            SendingDone::NotHosted(why) => {
                self.last_sent = None;
                svc.warn(why);
            }
        }
    }

    /// The references being prepared and uploaded: (file name, stage in words).
    pub fn preparing(&self, tr: Tr) -> Vec<(String, String)> {
        if !self.preparing {
            return Vec::new();
        }
        self.stages
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .map(|(name, stage)| (name.clone(), stage_text(tr, stage)))
            .collect()
    }

    /// Saves the compose form a moment after it changed (atomically, off the UI thread), so a
    /// crash loses at most that moment.
    pub fn autosave(&mut self, svc: &mut Services, draft: &Draft) {
        if *draft == self.saved {
            self.changed_at = None;
            return;
        }
        let changed = *self.changed_at.get_or_insert_with(Instant::now);
        let left = DRAFT_SAVE_DELAY.saturating_sub(changed.elapsed());
        if !left.is_zero() {
            svc.ctx.request_repaint_after(left);
            return;
        }
        let (draft, paths) = (draft.clone(), svc.cfg.paths.clone());
        self.saved = draft.clone();
        self.changed_at = None;
        svc.chores.write("err-draft", move || draft.save(&paths));
    }

    /// On exit (and eframe's periodic save): the form as it is now, if it changed since.
    pub fn save_now(&self, svc: &Services, draft: &Draft) {
        if *draft != self.saved
            && let Err(e) = draft.save(&svc.cfg.paths)
        {
            tracing::warn!("the compose form could not be saved: {e}");
        }
    }
}

/// Why this send would take the month past its budget, if it would.
fn over_budget(svc: &Services, cx: &SendCx<'_>) -> Option<String> {
    use crate::core::api::pricing::format_usd;
    let budget = svc.settings.monthly_budget_micro_usd?;
    let Some(ledger) = cx.spend else {
        return Some(svc.tr().t("app-budget-checking").to_owned());
    };
    let spent = ledger.month_of(now_ms());
    let costs = cx.draft.estimate(&svc.settings.rates).micro_usd;
    (spent + costs > budget).then(|| {
        tr!(
            svc.tr(),
            "app-over-budget",
            spent = format_usd(spent),
            budget = format_usd(budget),
            costs = format_usd(costs)
        )
    })
}

/// A reference's stage in words, for the queue.
fn stage_text(tr: Tr, stage: &Stage) -> String {
    match stage {
        Stage::Preparing => tr.t("stage-preparing").to_owned(),
        Stage::Uploading(p) => tr!(tr, "stage-uploading", progress = p.to_string()),
        Stage::Hosted { notes, .. } if notes.is_empty() => tr.t("stage-ready").to_owned(),
        Stage::Hosted { notes, .. } => tr!(
            tr,
            "stage-ready-with",
            summary = crate::core::references::preflight::summary_of(notes, tr.0)
        ),
    }
}
