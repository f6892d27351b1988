//! The "Content credentials" section: what an image's marks say, read off the UI thread the first
//! time it is shown (a result in the viewer, a reference file in the compose form).

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};

use eframe::egui::{self, RichText};

use crate::core::credentials::{Report, Verdict};
use crate::core::text::i18n::Tr;
use crate::tr;

/// At most this many files' reports are kept (each is a few hundred bytes).
const KEPT: usize = 512;
/// No file larger than this is read for its credentials.
const MAX_BYTES: u64 = 512 * 1024 * 1024;

/// What is known of a file's credentials.
#[derive(Debug, Clone)]
pub enum CredState {
    Reading,
    Read(Arc<Report>),
    Failed(String),
}

/// The reports read so far, and the reads under way.
pub struct Credentials {
    cache: RefCell<HashMap<PathBuf, CredState>>,
    done_tx: mpsc::SyncSender<(PathBuf, CredState)>,
    done_rx: mpsc::Receiver<(PathBuf, CredState)>,
    rt: Option<tokio::runtime::Handle>,
    wake: Arc<dyn Fn() + Send + Sync>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("known", &self.cache.borrow().len())
            .finish_non_exhaustive()
    }
}

fn read_file(path: &Path) -> CredState {
    let bytes = match crate::core::credentials::read_bounded(path, MAX_BYTES) {
        Ok(b) => b,
        Err(e) => return CredState::Failed(e.to_string()),
    };
    match crate::core::credentials::read(&bytes) {
        Ok(report) => CredState::Read(Arc::new(report)),
        Err(e) => CredState::Failed(e.to_string()),
    }
}

impl Credentials {
    /// Reads run on `rt`'s blocking pool (none: nothing is read, for tests that hand reports in);
    /// `wake` asks for a repaint when one is done.
    pub fn new(rt: Option<tokio::runtime::Handle>, wake: Arc<dyn Fn() + Send + Sync>) -> Self {
        let (done_tx, done_rx) = mpsc::sync_channel(64);
        Credentials {
            cache: RefCell::new(HashMap::new()),
            done_tx,
            done_rx,
            rt,
            wake,
        }
    }

    /// What is known of `path`, its read started if it is not known yet.
    pub fn get(&self, path: &Path) -> CredState {
        self.take_done();
        let mut cache = self.cache.borrow_mut();
        if let Some(state) = cache.get(path) {
            return state.clone();
        }
        if cache.len() >= KEPT {
            cache.retain(|_, s| matches!(s, CredState::Reading));
        }
        cache.insert(path.to_path_buf(), CredState::Reading);
        if let Some(rt) = &self.rt {
            let (tx, wake, path) = (
                self.done_tx.clone(),
                Arc::clone(&self.wake),
                path.to_path_buf(),
            );
            rt.spawn_blocking(move || {
                let state = read_file(&path);
                if tx.send((path, state)).is_ok() {
                    wake();
                }
            });
        }
        CredState::Reading
    }

    /// A report handed in (tests, or a file just written whose report is known).
    pub fn insert(&self, path: &Path, state: CredState) {
        self.cache.borrow_mut().insert(path.to_path_buf(), state);
    }

    /// Forgets a file (it was written again).
    pub fn forget(&self, path: &Path) {
        self.cache.borrow_mut().remove(path);
    }

    fn take_done(&self) {
        let mut cache = self.cache.borrow_mut();
        while let Ok((path, state)) = self.done_rx.try_recv() {
            cache.insert(path, state);
        }
    }
}

fn row(ui: &mut egui::Ui, name: &str, value: &str) {
    ui.label(RichText::new(name).weak());
    ui.add(
        egui::Label::new(crate::core::text::terminal::printable(value))
            .wrap()
            .selectable(true),
    );
    ui.end_row();
}

/// The section for the file at `path`: nothing while it is read, a line when it has no
/// credentials, else what they say and whether they still match.
pub fn section_ui(ui: &mut egui::Ui, tr: Tr, credentials: &Credentials, path: &Path, salt: &str) {
    let state = credentials.get(path);
    ui.label(RichText::new(tr.t("credentials-title")).strong());
    let report = match state {
        CredState::Reading => {
            ui.label(RichText::new(tr.t("credentials-reading")).weak());
            return;
        }
        CredState::Failed(e) => {
            ui.label(RichText::new(tr!(tr, "credentials-unreadable", why = e)).weak());
            return;
        }
        CredState::Read(report) => report,
    };
    let (verdict, colour) = match report.verdict {
        Verdict::Intact => (tr.t("credentials-intact"), ui.visuals().text_color()),
        Verdict::Changed => (tr.t("credentials-changed"), ui.visuals().warn_fg_color),
        Verdict::None if report.has_xmp => {
            (tr.t("credentials-xmp-only"), ui.visuals().weak_text_color())
        }
        Verdict::None => (tr.t("credentials-none"), ui.visuals().weak_text_color()),
    };
    ui.label(RichText::new(verdict).color(colour));
    if !(report.has_manifest || report.has_xmp) {
        return;
    }
    egui::Grid::new(("credentials_grid", salt))
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            let ai = if report.ai_generated {
                tr.t("credentials-ai-yes")
            } else {
                tr.t("credentials-ai-unsaid")
            };
            row(ui, tr.t("credentials-ai"), ai);
            if let Some(m) = &report.model {
                row(ui, tr.t("viewer-model"), m);
            }
            if let Some(c) = &report.created {
                // As the rest of the window shows times; as written when it is not RFC 3339.
                let shown = c
                    .parse::<jiff::Timestamp>()
                    .map_or_else(|_| c.clone(), |t| tr.date_time(t.as_millisecond()));
                row(ui, tr.t("credentials-when"), &shown);
            }
            if let Some(s) = &report.signer {
                let who = s.name.as_deref().unwrap_or("?");
                let trust = if s.trusted {
                    tr.t("credentials-trusted")
                } else {
                    tr.t("credentials-untrusted")
                };
                row(ui, tr.t("credentials-signer"), &format!("{who} — {trust}"));
            }
            for i in &report.ingredients {
                let linked = if i.has_credentials {
                    format!("{} ✔", i.title)
                } else {
                    i.title.clone()
                };
                row(ui, tr.t("credentials-reference"), &linked);
            }
        });
    for problem in &report.problems {
        ui.label(
            RichText::new(crate::core::text::terminal::printable(problem))
                .small()
                .color(ui.visuals().warn_fg_color),
        );
    }
}
