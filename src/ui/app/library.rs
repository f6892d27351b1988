//! The library as the window works with it: the jobs it holds ([`Jobs`]), the gallery's search
//! (one small state machine), stars and ratings, the queue's dismiss/resume/retry/delete with
//! their questions, exports, storyboard sheets, the clipboard and the path dialogs.
//! [`LibraryAction`]s land here.

use std::path::PathBuf;
use std::sync::Arc;

use eframe::egui;

use crate::core::api::server::Server;
use crate::core::engine::{Command, ExportDest};
use crate::core::library::export_name;
use crate::core::library::journal::{JobState, LibraryQuery};
use crate::core::text::i18n::Message;
use crate::msg;
use crate::tr;

use super::super::cx::{LibraryAction, PathPurpose};
use super::super::dialogs::{self, Confirm, PathPrompt};
use super::super::jobs::{Hits, Jobs};
use super::super::spend::SpendView;
use super::super::textures::{ResultKey, TexKey, TexState};
use super::chores::Done;
use super::notices::{failed, text};
use super::services::Services;

/// The gallery's search of the library's index, one question at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Search {
    /// The gallery shows the answer to its latest words (or has none to ask).
    Settled,
    /// Words wait to be asked (the engine could not take the question).
    Unasked,
    /// A question is with the engine; `again` when the words changed since it was asked.
    Asked { tag: u64, again: bool },
}

/// The library area.
pub(super) struct Library {
    pub jobs: Jobs,
    search: Search,
    /// Tags each question: only the answer to the latest is shown.
    tags: u64,
}

impl Default for Library {
    fn default() -> Library {
        Library {
            jobs: Jobs::default(),
            search: Search::Settled,
            tags: 0,
        }
    }
}

impl Library {
    /// Whether the gallery waits for the library's answer to its latest search.
    pub fn is_searching(&self) -> bool {
        self.search != Search::Settled
    }

    /// A new connection: the sandbox's ledger and the API's are apart, so the budget waits for
    /// this one's.
    pub fn connected(&mut self) {
        self.jobs.spend = None;
    }

    /// Carries out a [`LibraryAction`] (but `Answer`, which the shell routes by its purpose).
    pub fn handle(
        &mut self,
        svc: &mut Services,
        spend: &mut SpendView,
        server: Option<&Server>,
        action: LibraryAction,
    ) {
        match action {
            LibraryAction::Search(query) => self.search(svc, query),
            LibraryAction::Favourite(key, on) => self.mark(svc, key, Some(on), None),
            LibraryAction::Rate(key, rating) => self.mark(svc, key, None, Some(rating)),
            LibraryAction::AskLineage(job_id) => {
                svc.send(Command::Lineage { job_id });
            }
            LibraryAction::OpenSpend => {
                spend.show();
                svc.send(Command::Spend);
            }
            LibraryAction::Dismiss(job_id) => {
                svc.send(Command::Dismiss { job_id });
            }
            LibraryAction::Resume => {
                svc.send(Command::Resume);
            }
            LibraryAction::AskRetry(job_id) => self.ask_retry(svc, server, &job_id),
            LibraryAction::Retry(job_id) => {
                svc.send(Command::Retry { job_id });
            }
            LibraryAction::AskDelete(job_id) => self.ask_delete(svc, &job_id),
            LibraryAction::Delete(job_id) => {
                svc.textures.forget_job(&job_id);
                svc.send(Command::Delete { job_id });
            }
            LibraryAction::Ask(purpose) => self.ask_path(svc, purpose),
            LibraryAction::Answer(purpose, path) => self.answered(svc, purpose, path),
            LibraryAction::QuickExport(items) => {
                let dest = ExportDest::Folder(svc.export_dir());
                export(svc, items, dest);
            }
            LibraryAction::CopyImage(key) => copy_image(svc, &key),
            LibraryAction::ExportSheet(job_id) => self.ask_path(svc, PathPurpose::Sheet(job_id)),
        }
    }

    /// A path for one of the library's purposes: from the path field (nothing asked before
    /// replacing, so nothing is replaced), or from a native dialog (which asked).
    pub fn answered(&mut self, svc: &mut Services, purpose: PathPurpose, path: PathBuf) {
        self.path_for(svc, purpose, path, Replace::Never);
    }

    /// A native dialog's answer (it asked before replacing a file).
    pub fn picked(&mut self, svc: &mut Services, purpose: PathPurpose, path: PathBuf) {
        self.path_for(svc, purpose, path, Replace::Asked);
    }

    fn path_for(&mut self, svc: &mut Services, purpose: PathPurpose, path: PathBuf, r: Replace) {
        match (purpose, r) {
            (PathPurpose::ExportFolder(items), _) => export(svc, items, ExportDest::Folder(path)),
            (PathPurpose::ExportFile(key), Replace::Never) => {
                export(svc, vec![key], ExportDest::NewFile(path));
            }
            (PathPurpose::ExportFile(key), Replace::Asked) => {
                export(svc, vec![key], ExportDest::File(path));
            }
            (PathPurpose::Sheet(job_id), r) => {
                self.export_sheet(svc, &job_id, path, r == Replace::Asked);
            }
            // The shell routes these to the areas they are for.
            (
                PathPurpose::SettingsExportDir
                | PathPurpose::References
                | PathPurpose::JobFile
                | PathPurpose::PresetsExport
                | PathPurpose::PresetsImport,
                _,
            ) => {}
        }
    }

    /// Stars or rates a result: in the gallery at once (nothing moves), then in the journal.
    fn mark(&mut self, svc: &mut Services, key: ResultKey, fav: Option<bool>, rating: Option<u8>) {
        self.jobs.mark(&key, fav, rating);
        if let Some(on) = fav {
            svc.send(Command::Favourite {
                job_id: key.job_id.clone(),
                index: key.index,
                on,
            });
        }
        if let Some(rating) = rating {
            svc.send(Command::Rate {
                job_id: key.job_id,
                index: key.index,
                rating,
            });
        }
    }

    /// The gallery's query changed. Filters are applied in memory at once; words are asked of
    /// the library's index (off the UI thread), and its answer narrows the tiles when it comes
    /// (the last answer stays meanwhile).
    fn search(&mut self, svc: &mut Services, query: LibraryQuery) {
        let words_changed = query.words() != self.jobs.query.words();
        // A `seed:N` term is a filter, applied in memory as the others are.
        let filters_changed = query.seed() != self.jobs.query.seed()
            || LibraryQuery {
                text: String::new(),
                ..query.clone()
            } != LibraryQuery {
                text: String::new(),
                ..self.jobs.query.clone()
            };
        self.jobs.query = query;
        if !self.jobs.query.has_text() {
            self.search = Search::Settled;
            self.jobs.hits = None;
            self.jobs.refilter();
            return;
        }
        if words_changed {
            self.ask_text_hits(svc);
        }
        if filters_changed {
            self.jobs.refilter();
        }
    }

    /// The library changed under a filtered gallery: ask again (a finished job may now match).
    pub fn refresh_search(&mut self, svc: &mut Services) {
        if self.jobs.query.has_text() {
            self.ask_text_hits(svc);
        }
    }

    /// Asks the library's index which jobs hold the query's words. One search is in flight at a
    /// time: words typed meanwhile are asked for when it answers (a burst of keys costs one more
    /// search, not one each, and the engine's queue never fills with stale ones).
    fn ask_text_hits(&mut self, svc: &mut Services) {
        if let Search::Asked { again, .. } = &mut self.search {
            *again = true;
            return;
        }
        self.tags += 1;
        let tag = self.tags;
        let text = self.jobs.query.words();
        self.search = if svc.send(Command::Search {
            text,
            generation: tag,
        }) {
            Search::Asked { tag, again: false }
        } else {
            Search::Unasked
        };
    }

    /// The library's answer to a search.
    pub fn text_hits(&mut self, svc: &mut Services, tag: u64, jobs: Result<Vec<i64>, String>) {
        let Search::Asked { tag: asked, again } = self.search else {
            // An answer nobody waits for (the words were cleared since).
            return;
        };
        if tag != asked {
            return;
        }
        self.search = Search::Settled;
        if again {
            // Words were typed since: ask for them now (unless they were cleared).
            if self.jobs.query.has_text() {
                self.ask_text_hits(svc);
            }
            return;
        }
        match jobs {
            Ok(jobs) => self.jobs.hits = Some(Hits::new(&jobs)),
            Err(e) => svc.warn(failed("err-search", e)),
        }
        self.jobs.refilter();
    }

    fn ask_retry(&mut self, svc: &mut Services, server: Option<&Server>, job_id: &str) {
        let Some(job) = self.jobs.get(job_id) else {
            return;
        };
        let est = svc
            .settings
            .rates
            .estimate(job.request.model, u32::try_from(job.request.n).unwrap_or(1));
        let tr = svc.tr();
        let target = server.map_or_else(
            || tr.t("retry-current-connection").to_owned(),
            |s| tr.of(&s.label()).to_owned(),
        );
        let what = tr!(
            tr,
            "retry-what",
            prompt = job.request.prompt_excerpt(60),
            mode = tr.m(&job.request.mode().message()),
            tier = tr.of(job.request.model.tier_name()),
            credits = est.credits,
            target = target
        );
        let charge = tr.t(match job.state {
            JobState::NotSent => "confirm-earlier-not-sent",
            JobState::Refused => "confirm-earlier-refused",
            JobState::Failed => "confirm-earlier-failed",
            _ => "confirm-earlier-unknown",
        });
        svc.modals.confirm = Some(Confirm::Retry {
            job_id: job_id.into(),
            body: format!("{what}\n\n{charge}"),
        });
    }

    fn ask_delete(&mut self, svc: &mut Services, job_id: &str) {
        let Some(job) = self.jobs.get(job_id) else {
            return;
        };
        let n = job.results.len();
        let label = format!(
            "\"{}\" — {n} image{}.",
            job.request.prompt_excerpt(60),
            if n == 1 { "" } else { "s" }
        );
        svc.modals.confirm = Some(Confirm::Delete {
            job_id: job_id.into(),
            label,
        });
    }

    /// A native dialog where one can open; the path field (saying why) where none can.
    pub fn ask_path(&mut self, svc: &mut Services, purpose: PathPurpose) {
        let start = if purpose == PathPurpose::References {
            directories::UserDirs::new()
                .and_then(|d| d.picture_dir().map(std::path::Path::to_path_buf))
                .or_else(|| directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf()))
                .unwrap_or_else(|| svc.export_dir())
        } else {
            svc.export_dir()
        };
        let file_name = match &purpose {
            PathPurpose::ExportFile(key) => self
                .jobs
                .get(&key.job_id)
                .map(|job| format!("{}.png", export_name(job, key.index))),
            PathPurpose::Sheet(job_id) => self.jobs.get(job_id).map(|job| {
                let name = export_name(job, 0);
                let stem = name.rsplit_once('-').map_or(name.as_str(), |(s, _)| s);
                format!("{stem}-storyboard.png")
            }),
            PathPurpose::PresetsExport => Some("wan-studio-presets.json".to_owned()),
            _ => None,
        };
        if let Some(why) = svc.cfg.picker.unavailable() {
            let suggested = file_name.map_or(start.clone(), |n| start.join(n));
            svc.modals.path_prompt = Some(PathPrompt::new(purpose, &suggested, why));
            return;
        }
        let picker = Arc::clone(&svc.cfg.picker);
        svc.chores.run(async move {
            match tokio::task::spawn_blocking(move || {
                dialogs::pick(&picker, purpose, &start, file_name)
            })
            .await
            {
                Ok(answer) => Done::Picked(answer),
                Err(e) => Done::Failed(failed("err-dialog", e)),
            }
        });
    }

    /// Draws a series' storyboard sheet and writes it, off the UI thread.
    fn export_sheet(&mut self, svc: &mut Services, job_id: &str, path: PathBuf, replace: bool) {
        let Some(job) = self.jobs.get(job_id).cloned() else {
            return;
        };
        svc.chores.run(async move {
            let written = tokio::task::spawn_blocking(move || {
                crate::core::library::storyboard::export_sheet(&job, &path, replace).map(|()| path)
            })
            .await;
            match written {
                Ok(Ok(path)) => {
                    Done::Said(msg!("note-sheet-saved", path = path.display().to_string()))
                }
                Ok(Err(e)) => Done::Failed(failed("err-sheet", e)),
                Err(e) => Done::Failed(failed("err-sheet", e)),
            }
        });
    }
}

/// Whether a path's file may be replaced: a native dialog asked; the path field did not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Replace {
    Asked,
    Never,
}

fn export(svc: &mut Services, items: Vec<ResultKey>, dest: ExportDest) {
    let items = items.into_iter().map(|k| (k.job_id, k.index)).collect();
    svc.send(Command::Export { items, dest });
}

fn copy_image(svc: &mut Services, key: &ResultKey) {
    match svc.textures.peek(&TexKey::Full(key.clone())) {
        Some(TexState::Ready {
            pixels: Some(px), ..
        }) => {
            let (w, h) = px.dimensions();
            let image =
                egui::ColorImage::from_rgba_unmultiplied([w as usize, h as usize], px.as_raw());
            svc.ctx.copy_image(image);
            svc.say(Message::new("note-copied"));
        }
        _ => svc.warn(Message::new("note-still-loading")),
    }
}

/// Folder opened in the system's file manager, off the UI thread.
pub(super) fn open_folder(svc: &mut Services, dir: PathBuf) {
    svc.chores.run(async move {
        let shown = dir.display().to_string();
        match tokio::task::spawn_blocking(move || {
            std::fs::create_dir_all(&dir)?;
            open::that_detached(&dir)
        })
        .await
        {
            Ok(Ok(())) => Done::Nothing,
            Ok(Err(e)) => Done::Failed(msg!(
                "note-folder-not-opened",
                folder = shown,
                why = e.to_string()
            )),
            Err(e) => Done::Failed(text(e.to_string())),
        }
    });
}
