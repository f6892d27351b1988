//! The app shell: the areas of the window, each a struct owning its own state, and the router
//! between them. [`StudioApp::handle`] gives each [`Action`] to the area its group names; `logic`
//! drains engine events, loaded images and finished chores to the areas they are for. The shell
//! holds no feature logic: what a button does lives in its area's file (see ARCHITECTURE.md).
//!
//! - `config.rs` — what the window needs from outside.
//! - `services.rs` — what every area may use: notices, chores, the engine's queue, textures.
//! - `notices.rs` — the corner's messages, typed.
//! - `chores.rs` — background work and its typed answers.
//! - `connection.rs` — startup, reconnects, the key, the reference host, the settings.
//! - `sending.rs` — Generate: blockers, the commit step, hosting, the budget, autosave.
//! - `editing.rs` — references, boxes, palettes, the eyedropper, undo, reuse.
//! - `batches.rs` — the Batch dialog's previews, starting a batch, pause, resume and cancel.
//! - `library.rs` — search, marks, the queue's jobs, exports, path dialogs.
//! - `events.rs` — engine events applied, and the actions that wait for a job.
//! - `fonts.rs` — the CJK font.
//! - `frame.rs` — the views, the top bar, panels, centre and keyboard (pushes actions only).

mod batches;
mod chores;
mod config;
mod connection;
mod editing;
mod events;
mod fonts;
mod frame;
mod library;
mod notices;
mod sending;
mod services;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use eframe::egui;
use tokio::sync::mpsc;

use crate::core::draft::Draft;
use crate::core::engine::{Command, Event};
use crate::core::library::journal::{JobRecord, now_ms};
use crate::core::settings::AppSettings;

use super::cx::{Action, Centre, LibraryAction, PathPurpose, ShowAction, Side, ViewCx};
use super::dialogs::{self, AboutInfo, PathPrompt, Picked};
use super::textures::{Loaded, Loader, ResultKey, TexKey, Textures};
use batches::{BatchCx, Batches};
use chores::Done;
use connection::{Connection, KeyChoice};
use editing::{Editing, Form};
use events::{EventCx, Waiting};
use fonts::Fonts;
use frame::{Keys, Views};
use library::Library;
use sending::{SendCx, Sending};
use services::Services;

pub use super::cx::CjkFont;
pub use config::AppConfig;

/// The studio window.
pub struct StudioApp {
    svc: Services,
    connection: Connection,
    sending: Sending,
    editing: Editing,
    library: Library,
    batches: Batches,
    waiting: Waiting,
    fonts: Fonts,
    keys: Keys,
    views: Views,
    /// What fills the centre.
    centre: Centre,
    /// The compose form: the document every area works on.
    pub draft: Draft,
    loaded: mpsc::Receiver<Loaded>,
}

impl StudioApp {
    /// Builds the window's state and starts connecting in the background.
    pub fn new(cc: &eframe::CreationContext<'_>, mut cfg: AppConfig) -> StudioApp {
        let ctx = cc.egui_ctx.clone();
        super::theme::install(&ctx);
        let draft = if cfg.restore {
            Draft::load(&cfg.paths).unwrap_or_default()
        } else {
            Draft::default()
        };
        let waker = ctx.clone();
        let (loader, loads) = Loader::start(&cfg.rt, Arc::new(move || waker.request_repaint()));
        let textures = Textures::new(super::textures::DEFAULT_BUDGET_BYTES, Some(loader));
        let open = std::mem::take(&mut cfg.open);
        let mut svc = Services::new(cfg, ctx, textures);
        let fonts = Fonts::look(&mut svc);
        let mut app = StudioApp {
            connection: Connection::new(&svc.cfg),
            sending: Sending::new(&draft),
            editing: Editing::default(),
            library: Library::default(),
            batches: Batches::default(),
            waiting: Waiting::default(),
            fonts,
            keys: Keys::default(),
            views: Views::default(),
            centre: Centre::Gallery,
            draft,
            loaded: loads,
            svc,
        };
        app.connection.start(&mut app.svc, None, KeyChoice::Stored);
        if !open.is_empty() {
            app.add_reference_files(open);
        }
        Connection::load_storage_secret(&mut app.svc);
        app
    }

    /// Whether a backend is connected.
    pub fn is_ready(&self) -> bool {
        self.connection.is_ready()
    }

    /// The server the window is connected to.
    pub fn server(&self) -> Option<&crate::core::api::server::Server> {
        self.connection.server()
    }

    /// The jobs the window holds whole (the queue's, and any opened since), newest first.
    pub fn jobs(&self) -> Vec<JobRecord> {
        let jobs = &self.library.jobs;
        let mut all = jobs.live.clone();
        for job in jobs.opened() {
            if !all.iter().any(|j| j.id == job.id) {
                all.push(job.clone());
            }
        }
        all.sort_by_key(|j| std::cmp::Reverse(j.created_at_ms));
        all
    }

    /// The journal's batches as the window last heard of them, newest first.
    pub fn batches(&self) -> &[crate::core::engine::BatchStatus] {
        &self.library.jobs.batches
    }

    /// Bytes held by textures (thumbnails, references, the viewer's image).
    pub fn texture_bytes(&self) -> usize {
        self.svc.textures.bytes()
    }

    pub fn settings(&self) -> &AppSettings {
        &self.svc.settings
    }

    /// Where the key is, as Settings says it.
    pub fn key_status(&self) -> String {
        self.connection.key.status()
    }

    /// The gallery's results in its order (what the search and filters show).
    pub fn gallery_keys(&self) -> Vec<ResultKey> {
        let jobs = &self.library.jobs;
        (0..jobs.tiles.len())
            .filter_map(|k| jobs.key_at(k))
            .collect()
    }

    /// A result's star and rating as the gallery shows them.
    pub fn marks(&self, key: &ResultKey) -> Option<(bool, u8)> {
        self.library
            .jobs
            .shelved_result(key)
            .map(|(_, r)| (r.favourite, r.rating))
    }

    /// How many results the gallery shows (what the search and filters let through).
    pub fn gallery_len(&self) -> usize {
        self.library.jobs.tiles.len()
    }

    /// Whether the gallery waits for the library's answer to its latest search.
    pub fn is_searching(&self) -> bool {
        self.library.is_searching()
    }

    /// What fills the centre.
    pub fn centre(&self) -> &Centre {
        &self.centre
    }

    /// Results picked in the gallery.
    pub fn selection(&self) -> &std::collections::BTreeSet<ResultKey> {
        &self.views.gallery.selection
    }

    /// Why Generate cannot run now, one sentence each; empty when it can.
    pub fn generate_blockers(&self) -> Vec<String> {
        self.sending
            .blockers(&self.svc, &self.send_cx(), &self.draft.problems())
    }

    /// The language the window speaks: the one Settings names, or the OS's.
    pub fn language(&self) -> crate::core::text::i18n::Lang {
        self.svc.language()
    }

    /// The window's voice.
    pub fn tr(&self) -> crate::core::text::i18n::Tr {
        self.svc.tr()
    }

    /// The font for CJK text as the window knows it.
    pub fn cjk_font(&self) -> &CjkFont {
        &self.fonts.cjk
    }

    fn send_cx(&self) -> SendCx<'_> {
        SendCx {
            draft: &self.draft,
            connection: &self.connection,
            spend: self.library.jobs.spend.as_ref(),
        }
    }

    fn batch_cx(&self) -> BatchCx<'_> {
        BatchCx {
            draft: &self.draft,
            connection: &self.connection,
            jobs: &self.library.jobs,
            presets: &self.editing.presets,
            palettes: &self.editing.palettes,
        }
    }

    /// Carries out one action: each group goes to its area.
    pub fn handle(&mut self, action: Action) {
        // An action on a job the window holds only as a gallery tile waits for its whole record.
        let Some(action) = self
            .waiting
            .hold(action, &mut self.library.jobs, &mut self.svc)
        else {
            return;
        };
        match action {
            Action::Send(a) => {
                let cx = SendCx {
                    draft: &self.draft,
                    connection: &self.connection,
                    spend: self.library.jobs.spend.as_ref(),
                };
                self.sending.handle(&mut self.svc, &cx, a);
            }
            Action::Edit(a) => {
                let form = Form {
                    draft: &mut self.draft,
                    centre: &mut self.centre,
                    editor: &mut self.views.editor,
                };
                self.editing
                    .handle(&mut self.svc, form, &self.library.jobs, a);
            }
            Action::Library(LibraryAction::Answer(purpose, path)) => self.answered(purpose, path),
            Action::Library(a) => {
                self.library.handle(
                    &mut self.svc,
                    &mut self.views.spend,
                    self.connection.server(),
                    a,
                );
            }
            Action::Show(a) => self.show(a),
            Action::Setup(a) => {
                self.connection
                    .handle(&mut self.svc, &mut self.views.settings, a);
            }
            Action::Batch(a) => {
                let cx = BatchCx {
                    draft: &self.draft,
                    connection: &self.connection,
                    jobs: &self.library.jobs,
                    presets: &self.editing.presets,
                    palettes: &self.editing.palettes,
                };
                Batches::handle(&mut self.svc, &cx, &mut self.views.batch, a);
            }
            Action::Notify(m) => self.svc.say(m),
            Action::NotifyError(m) => self.svc.warn(m),
        }
    }

    /// What the window shows: the centre, the side panels, its windows.
    fn show(&mut self, action: ShowAction) {
        match action {
            ShowAction::Editor(i) if i < self.draft.references.len() => {
                self.centre = Centre::Editor { reference: i };
            }
            ShowAction::Editor(_) | ShowAction::Gallery => self.centre = Centre::Gallery,
            ShowAction::Viewer(key) => {
                self.svc.send(Command::Lineage {
                    job_id: key.job_id.clone(),
                });
                self.centre = Centre::Viewer(key);
            }
            ShowAction::Storyboard(job_id) => self.centre = Centre::Storyboard(job_id),
            ShowAction::Compare(mut keys) => {
                keys.truncate(crate::ui::compare::MAX_COMPARED);
                if keys.len() >= 2 {
                    self.views.compare.reset();
                    self.centre = Centre::Compare(keys);
                }
            }
            ShowAction::Batch(id) => {
                let query = crate::core::library::journal::LibraryQuery {
                    text: format!("batch:{id}"),
                    ..Default::default()
                };
                self.views.gallery.query = query.clone();
                self.centre = Centre::Gallery;
                self.handle(LibraryAction::Search(query).into());
            }
            ShowAction::StepViewer(step) => {
                if let Centre::Viewer(key) = &self.centre
                    && let Some(next) = self.library.jobs.step(key, step)
                {
                    self.centre = Centre::Viewer(next);
                }
            }
            ShowAction::ToggleFullView => self.views.viewer.toggle_full(),
            ShowAction::Settings => self.views.settings.open(&self.svc.settings),
            ShowAction::About => {
                self.svc.modals.about = Some(AboutInfo {
                    data_dir: self.svc.cfg.paths.home.clone(),
                    log_dir: self.svc.cfg.paths.logs(),
                });
            }
            ShowAction::Folder(dir) => library::open_folder(&mut self.svc, dir),
            ShowAction::TogglePanel(side) => {
                let panels = &mut self.svc.settings.panels;
                match side {
                    Side::Compose => panels.compose = !panels.compose,
                    Side::Queue => panels.queue = !panels.queue,
                }
                self.svc.save_settings();
            }
            ShowAction::Back => {
                if self.svc.modals.close_top() {
                } else if self.views.settings.is_open() {
                    self.views.settings.close();
                } else if self.editing.put_down_dropper() {
                } else if !self.views.viewer.leave_full() && self.centre != Centre::Gallery {
                    self.centre = Centre::Gallery;
                }
            }
        }
    }

    /// A path the artist gave (the path field or a dialog), to the area it is for.
    fn answered(&mut self, purpose: PathPurpose, path: PathBuf) {
        match purpose {
            PathPurpose::SettingsExportDir => self.views.settings.set_export_dir(&path),
            PathPurpose::References => self.add_reference_files(vec![path]),
            PathPurpose::JobFile => self.views.batch.set_file(&path),
            PathPurpose::PresetsExport | PathPurpose::PresetsImport => {
                self.editing
                    .presets_file(&mut self.svc, &purpose, path, false);
            }
            other => self.library.answered(&mut self.svc, other, path),
        }
    }

    fn add_reference_files(&mut self, paths: Vec<PathBuf>) {
        let form = Form {
            draft: &mut self.draft,
            centre: &mut self.centre,
            editor: &mut self.views.editor,
        };
        self.editing.add_reference_files(&mut self.svc, form, paths);
    }

    /// A finished chore, to the area it is for.
    fn finished(&mut self, done: Done) {
        match done {
            Done::Nothing | Done::Picked(Picked::Cancelled) => {}
            Done::Said(m) => self.svc.say(m),
            Done::Failed(m) => self.svc.warn(m),
            Done::Picked(Picked::Path(purpose, path)) => match purpose {
                PathPurpose::SettingsExportDir | PathPurpose::References | PathPurpose::JobFile => {
                    self.answered(purpose, path);
                }
                // The native dialog asked before replacing a file.
                PathPurpose::PresetsExport | PathPurpose::PresetsImport => {
                    self.editing
                        .presets_file(&mut self.svc, &purpose, path, true);
                }
                other => self.library.picked(&mut self.svc, other, path),
            },
            Done::Picked(Picked::Failed(purpose, suggested, why)) => {
                self.svc.modals.path_prompt = Some(PathPrompt::new(purpose, &suggested, why));
            }
            Done::Picked(Picked::Files(paths)) => self.add_reference_files(paths),
            Done::Connection(d) => self.connection.finished(&mut self.svc, d),
            Done::Sending(d) => self.sending.finished(&mut self.svc, d),
            Done::Editing(d) => {
                let form = Form {
                    draft: &mut self.draft,
                    centre: &mut self.centre,
                    editor: &mut self.views.editor,
                };
                self.editing.finished(&mut self.svc, form, d);
            }
            Done::Batch(d) => {
                Batches::finished(&mut self.svc, &self.connection, &mut self.views.batch, d);
            }
            Done::Font(found) => self.fonts.install(&self.svc.ctx, found),
            Done::HostTested(result) => self.views.settings.set_test_result(result),
        }
    }

    /// Applies one engine event, then carries out the actions that waited for it.
    pub fn handle_event(&mut self, event: Event) {
        if matches!(event, Event::NotSent(_)) {
            // The footer must not say "Sent" for a request that never left.
            self.sending.not_sent();
        }
        let cx = EventCx {
            library: &mut self.library,
            waiting: &mut self.waiting,
            gallery: &mut self.views.gallery,
            centre: &self.centre,
        };
        for action in events::apply(&mut self.svc, cx, event) {
            self.handle(action);
        }
    }

    /// Engine events, loaded images and finished chores since the last frame.
    fn drain(&mut self) {
        if let Some(connected) = self.connection.poll(&mut self.svc) {
            self.library.connected();
            self.batches.connected();
            if let Some(palettes) = connected.palettes {
                self.editing.palettes = palettes;
            }
            if let Some(presets) = connected.presets {
                self.editing.presets = presets;
            }
        }
        for event in self.connection.events() {
            self.handle_event(event);
        }
        while let Ok(loaded) = self.loaded.try_recv() {
            if let (TexKey::Reference(url), Ok((img, _))) = (&loaded.key, &loaded.result) {
                for r in self.draft.references.iter_mut().filter(|r| r.url == *url) {
                    r.dims = Some(img.source_dims);
                    r.note.clone_from(&img.note);
                }
            }
            self.svc.textures.loaded(&self.svc.ctx, loaded);
        }
        for done in self.svc.chores.finished() {
            self.finished(done);
        }
    }

    /// The viewer and the storyboard draw a job whole: ask for its record once if it is not held.
    fn ask_centre_details(&mut self) {
        let ids: Vec<&crate::core::job::JobId> = match &self.centre {
            Centre::Viewer(key) => vec![&key.job_id],
            Centre::Storyboard(job_id) => vec![job_id],
            Centre::Compare(keys) => keys.iter().map(|k| &k.job_id).collect(),
            Centre::Gallery | Centre::Editor { .. } => return,
        };
        if !self.connection.is_ready() {
            return;
        }
        let wanted: Vec<crate::core::job::JobId> = ids
            .into_iter()
            .filter(|id| self.library.jobs.wants(id))
            .cloned()
            .collect();
        for job_id in wanted {
            self.svc.send(Command::Details { job_id });
        }
    }

    /// The dialogs over the window: About, the path field, a question.
    fn modals_ui(&mut self, ctx: &egui::Context, out: &mut Vec<Action>) {
        let tr = self.svc.tr();
        let modals = &mut self.svc.modals;
        if let Some(about) = &modals.about
            && !dialogs::about_ui(ctx, tr, about, out)
        {
            modals.about = None;
        }
        if let Some(prompt) = &mut modals.path_prompt
            && !prompt.ui(ctx, tr, out)
        {
            modals.path_prompt = None;
        }
        if let Some(confirm) = &modals.confirm {
            let (answer, open) = dialogs::confirm_ui(ctx, tr, confirm);
            out.extend(answer);
            if !open {
                modals.confirm = None;
            }
        }
    }
}

impl eframe::App for StudioApp {
    fn logic(&mut self, _ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.drain();
        self.ask_centre_details();
        let connected = self.connection.is_ready();
        self.batches
            .tick(&mut self.svc, &mut self.library.jobs, connected);
        self.sending.autosave(&mut self.svc, &self.draft);
        self.fonts
            .note_missing(&mut self.svc, &self.draft, &self.library.jobs);
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        let mut out = Vec::new();
        self.keys.ui(&ctx, self.svc.modals.is_asking(), &mut out);
        let tr = self.svc.tr();
        let conn = self.connection.state();
        let bar = egui::Panel::top("top_bar")
            .show(ui, |ui| {
                frame::top_bar_ui(ui, tr, &conn, self.svc.settings.panels, &mut out);
            })
            .response
            .rect;
        let below_bar = egui::Rect::from_min_max(
            egui::pos2(ctx.content_rect().min.x, bar.max.y),
            ctx.content_rect().max,
        );
        let problems = self.draft.problems();
        let blockers = self.sending.blockers(&self.svc, &self.send_cx(), &problems);
        let export_dir = self.svc.export_dir();
        let preparing = self.sending.preparing(tr);
        let batch_blockers = if self.views.batch.is_open() {
            Batches::blockers(&self.svc, &self.batch_cx(), &self.views.batch)
        } else {
            Vec::new()
        };
        let running = {
            // Views read this; the draft is handed to them on its own (the compose panel edits it).
            let cx = ViewCx {
                tr,
                os_language: self.svc.cfg.os_language,
                cjk: &self.fonts.cjk,
                jobs: &self.library.jobs,
                paths: &self.svc.cfg.paths,
                settings: &self.svc.settings,
                conn: &conn,
                key: &self.connection.key,
                textures: &self.svc.textures,
                credentials: &self.svc.credentials,
                centre: &self.centre,
                blockers: &blockers,
                problems: &problems,
                generate_tried: self.sending.tried(),
                last_sent: self.sending.last_sent(),
                export_dir: &export_dir,
                now_ms: now_ms(),
                storage_secret_set: self.connection.storage_secret_set(),
                preparing: &preparing,
                dropper: self.editing.dropper(&self.draft),
                palettes: &self.editing.palettes,
                presets: &self.editing.presets,
                batch_blockers: &batch_blockers,
                below_bar,
            };
            self.views.ui(ui, &cx, &mut self.draft, &mut out);
            cx.jobs.live.iter().any(|j| cx.running_here(j))
        };
        self.modals_ui(&ctx, &mut out);
        // Sends that waited for a typed field go after what the views did this frame (the
        // field's commit among it).
        out.extend(self.sending.take_waiting());
        for action in out {
            self.handle(action);
        }
        self.svc.notices.ui(&ctx, self.svc.tr());
        if running {
            // The queue's elapsed-time counters tick once a second; nothing else animates.
            ctx.request_repaint_after(Duration::from_secs(1));
        }
        self.svc.textures.end_frame();
    }

    fn save(&mut self, _storage: &mut dyn eframe::Storage) {
        self.sending.save_now(&self.svc, &self.draft);
    }
}
