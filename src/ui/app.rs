//! The app shell: state, startup, draining engine events, shortcuts, and the layout of the panels.
//! Each panel draws itself in its own file (`impl StudioApp` blocks); none of them does I/O.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use eframe::egui;
use reqwest::Url;
use tokio::sync::oneshot;

use crate::backend::{self, Backend, Mode};
use crate::core::draft::Draft;
use crate::core::engine::{Command, Event};
use crate::core::journal::JobRecord;
use crate::core::palette::Palette;
use crate::core::request::BBox;
use crate::core::settings::{ApiKey, AppSettings, KeySource, KeyStore, Paths, Theme};
use crate::core::undo::Undo;

use super::textures::TextureCache;

/// Everything the window needs from outside, decided by `main` (or a test).
#[derive(Clone)]
pub struct AppConfig {
    pub rt: tokio::runtime::Handle,
    pub paths: Paths,
    pub key_store: Arc<dyn KeyStore>,
    /// `REAPI_API_KEY`: it wins over the keyring.
    pub env_key: Option<ApiKey>,
    /// `REAPI_BASE_URL`: it wins over the settings.
    pub env_base_url: Option<Url>,
    pub sandbox_delay: Duration,
    pub sandbox_per_image: Duration,
    pub poll_interval: Duration,
    /// Restore the last compose form from eframe's storage.
    pub restore: bool,
}

impl AppConfig {
    pub fn new(
        rt: tokio::runtime::Handle,
        paths: Paths,
        key_store: Arc<dyn KeyStore>,
    ) -> AppConfig {
        let defaults = crate::sandbox::SandboxConfig::default();
        AppConfig {
            rt,
            paths,
            key_store,
            env_key: None,
            env_base_url: None,
            sandbox_delay: defaults.base_delay,
            sandbox_per_image: defaults.per_image_delay,
            poll_interval: Duration::from_millis(1500),
            restore: true,
        }
    }
}

/// Which key a (re)connection uses.
#[derive(Debug, Clone)]
pub(crate) enum KeyChoice {
    /// Whatever the key store holds (the environment still wins).
    Stored,
    /// This key, or none (the sandbox), just chosen in Settings.
    Use(Option<ApiKey>),
}

/// What the startup (or a reconnect) produced.
pub(crate) struct Started {
    backend: Backend,
    settings: AppSettings,
    key_source: KeySource,
    key_hint: Option<String>,
    notices: Vec<String>,
}

/// A message shown for a while in the corner.
pub(crate) struct Notice {
    pub text: String,
    pub until: Instant,
    pub error: bool,
}

/// A question asked before something costly or destructive.
#[derive(Debug, Clone, PartialEq)]
pub enum Confirm {
    /// Send a finished job's request again (may be charged).
    Retry { job_id: String, label: String },
    /// Delete a job's results from the library (and disk).
    Delete { job_id: String, label: String },
}

/// Box and palette state, for undo and redo.
#[derive(Debug, Clone, PartialEq)]
pub struct EditSnapshot {
    pub boxes: Vec<Vec<BBox>>,
    pub palette: Palette,
    pub palette_on: bool,
}

/// Which view fills the centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Central {
    #[default]
    Gallery,
    Editor,
}

/// One tile of the gallery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GalleryItem {
    pub job: usize,
    pub result: usize,
}

/// The studio window.
pub struct StudioApp {
    pub(crate) cfg: AppConfig,
    pub(crate) ctx: egui::Context,
    pub(crate) backend: Option<Backend>,
    pub(crate) starting: Option<oneshot::Receiver<Result<Started, String>>>,
    pub(crate) start_error: Option<String>,
    pub(crate) settings: AppSettings,
    pub(crate) key_source: KeySource,
    pub(crate) key_hint: Option<String>,
    /// The compose form.
    pub draft: Draft,
    /// Every job, newest first.
    pub jobs: Vec<JobRecord>,
    pub(crate) gallery: Vec<GalleryItem>,
    pub(crate) gallery_dirty: bool,
    pub(crate) central: Central,
    pub selected_reference: Option<usize>,
    pub(crate) editor: super::region_editor::EditorView,
    pub(crate) viewer: Option<super::viewer::Viewer>,
    pub(crate) confirm: Option<Confirm>,
    pub(crate) notices: Vec<Notice>,
    pub(crate) settings_form: Option<super::settings::SettingsForm>,
    pub(crate) undo: Undo<EditSnapshot>,
    /// Gallery selection: (job id, result index).
    pub selection: BTreeSet<(String, u32)>,
    pub(crate) url_input: String,
    /// Reference link → why it cannot be used.
    pub(crate) ref_errors: HashMap<String, String>,
    pub(crate) textures: TextureCache,
    /// Answers from background work the window started (dialogs, keyring).
    pub(crate) chores: Vec<oneshot::Receiver<Chore>>,
    /// A palette or box-number drag in progress (one undo step per drag).
    pub(crate) edit_in_progress: bool,
}

/// A finished background chore.
pub(crate) enum Chore {
    ExportTo(Vec<(String, u32)>, Option<crate::core::engine::ExportDest>),
    ExportDir(Option<PathBuf>),
    KeySaved(Result<Option<ApiKey>, String>),
    Notice(String),
    Many(Vec<Chore>),
    Done,
}

const NOTICE_SECS: u64 = 6;

impl StudioApp {
    /// Builds the window's state and starts connecting in the background.
    pub fn new(cc: &eframe::CreationContext<'_>, cfg: AppConfig) -> StudioApp {
        let ctx = cc.egui_ctx.clone();
        super::theme::install(&ctx);
        let draft = if cfg.restore {
            cc.storage
                .and_then(|s| eframe::get_value::<Draft>(s, DRAFT_KEY))
                .unwrap_or_default()
        } else {
            Draft::default()
        };
        let mut app = StudioApp {
            cfg,
            ctx,
            backend: None,
            starting: None,
            start_error: None,
            settings: AppSettings::default(),
            key_source: KeySource::None,
            key_hint: None,
            draft,
            jobs: Vec::new(),
            gallery: Vec::new(),
            gallery_dirty: true,
            central: Central::Gallery,
            selected_reference: None,
            editor: super::region_editor::EditorView::default(),
            viewer: None,
            confirm: None,
            notices: Vec::new(),
            settings_form: None,
            undo: Undo::default(),
            selection: BTreeSet::new(),
            url_input: String::new(),
            ref_errors: HashMap::new(),
            textures: TextureCache::default(),
            chores: Vec::new(),
            edit_in_progress: false,
        };
        app.start(None, KeyChoice::Stored);
        app
    }

    /// Connects (again): loads settings and the key off the UI thread, then the backend.
    /// `settings`/`key` override what is on disk (after the settings window saved them).
    /// The current connection, if any, is closed first, so two engines never drive the same job.
    pub(crate) fn start(&mut self, settings: Option<AppSettings>, key: KeyChoice) {
        let (tx, rx) = oneshot::channel();
        let cfg = self.cfg.clone();
        let ctx = self.ctx.clone();
        let old = self.backend.take();
        self.cfg.rt.spawn(async move {
            if let Some(old) = old {
                old.close().await;
            }
            let result = startup(cfg, settings, key, ctx.clone()).await;
            let _ = tx.send(result);
            ctx.request_repaint();
        });
        self.starting = Some(rx);
    }

    /// Whether a backend is connected.
    pub fn is_ready(&self) -> bool {
        self.backend.is_some()
    }

    pub fn mode(&self) -> Option<&Mode> {
        self.backend.as_ref().map(|b| &b.mode)
    }

    /// Whether a job is in flight on the current connection. One in flight elsewhere (sent in
    /// Sandbox mode, now connected to the API, or the other way) waits in the journal for its own
    /// connection.
    pub(crate) fn running_here(&self, job: &JobRecord) -> bool {
        job.state.is_active()
            && self
                .backend
                .as_ref()
                .is_none_or(|b| b.engine.backend() == job.backend)
    }

    /// Bytes held by textures (thumbnails, references, the viewer's image).
    pub fn texture_bytes(&self) -> usize {
        self.textures.bytes()
    }

    pub fn settings(&self) -> &AppSettings {
        &self.settings
    }

    /// Sends a command to the engine without waiting. False if it could not be sent now.
    pub(crate) fn send(&mut self, cmd: Command) -> bool {
        let Some(b) = &self.backend else {
            self.notify_error("Wan Studio is still starting; try again in a moment.");
            return false;
        };
        if b.commands.try_send(cmd).is_ok() {
            true
        } else {
            self.notify_error("The engine is busy; try again in a moment.");
            false
        }
    }

    pub(crate) fn notify(&mut self, text: impl Into<String>) {
        self.notices.push(Notice {
            text: text.into(),
            until: Instant::now() + Duration::from_secs(NOTICE_SECS),
            error: false,
        });
    }

    pub(crate) fn notify_error(&mut self, text: impl Into<String>) {
        self.notices.push(Notice {
            text: text.into(),
            until: Instant::now() + Duration::from_secs(NOTICE_SECS * 2),
            error: true,
        });
    }

    /// Runs work off the UI thread; its answer arrives as a [`Chore`].
    pub(crate) fn chore(
        &mut self,
        work: impl std::future::Future<Output = Chore> + Send + 'static,
    ) {
        let (tx, rx) = oneshot::channel();
        let ctx = self.ctx.clone();
        self.cfg.rt.spawn(async move {
            let _ = tx.send(work.await);
            ctx.request_repaint();
        });
        self.chores.push(rx);
    }

    pub(crate) fn snapshot(&self) -> EditSnapshot {
        EditSnapshot {
            boxes: self
                .draft
                .references
                .iter()
                .map(|r| r.boxes.clone())
                .collect(),
            palette: self.draft.palette.clone(),
            palette_on: self.draft.palette_on,
        }
    }

    /// Call before a box or palette edit.
    pub(crate) fn record_edit(&mut self) {
        let s = self.snapshot();
        self.undo.record(s);
    }

    fn restore(&mut self, s: EditSnapshot) {
        if s.boxes.len() == self.draft.references.len() {
            for (r, b) in self.draft.references.iter_mut().zip(s.boxes) {
                r.boxes = b;
            }
        }
        self.draft.palette = s.palette;
        self.draft.palette_on = s.palette_on;
        self.editor.selected_box = None;
    }

    pub fn undo(&mut self) {
        let now = self.snapshot();
        if let Some(s) = self.undo.undo(now) {
            self.restore(s);
        }
    }

    pub fn redo(&mut self) {
        let now = self.snapshot();
        if let Some(s) = self.undo.redo(now) {
            self.restore(s);
        }
    }

    fn take_started(&mut self) {
        let Some(rx) = &mut self.starting else { return };
        match rx.try_recv() {
            Ok(Ok(started)) => {
                self.starting = None;
                self.backend = Some(started.backend);
                self.settings = started.settings;
                self.key_source = started.key_source;
                self.key_hint = started.key_hint;
                self.start_error = None;
                super::theme::apply(&self.ctx, self.settings.theme);
                for n in started.notices {
                    self.notify_error(n);
                }
                self.send(Command::Resume);
                self.send(Command::ListJobs);
                self.reload_references();
            }
            Ok(Err(e)) => {
                self.starting = None;
                self.start_error = Some(e);
            }
            Err(oneshot::error::TryRecvError::Empty) => {}
            Err(oneshot::error::TryRecvError::Closed) => {
                self.starting = None;
                self.start_error = Some("the startup task stopped".to_owned());
            }
        }
    }

    /// Asks for every reference's image again (after a reconnect the sandbox's links changed port).
    fn reload_references(&mut self) {
        self.textures.forget_prefix("ref:");
        self.ref_errors.clear();
    }

    fn drain_events(&mut self) {
        let mut events = Vec::new();
        if let Some(b) = &mut self.backend {
            while let Ok(ev) = b.events.try_recv() {
                events.push(ev);
            }
        }
        for ev in events {
            self.handle_event(ev);
        }
        let mut done = Vec::new();
        self.chores.retain_mut(|rx| match rx.try_recv() {
            Ok(c) => {
                done.push(c);
                false
            }
            Err(oneshot::error::TryRecvError::Empty) => true,
            Err(oneshot::error::TryRecvError::Closed) => false,
        });
        for c in done {
            self.handle_chore(c);
        }
    }

    /// Takes one engine event (the window drains them every frame; benches and tests feed them).
    pub fn handle_event(&mut self, ev: Event) {
        match ev {
            Event::Jobs(jobs) => {
                self.jobs = jobs;
                self.gallery_dirty = true;
            }
            Event::Job(job) => {
                if let Some(i) = self.jobs.iter().position(|j| j.id == job.id) {
                    self.jobs[i] = *job;
                } else {
                    let at = self
                        .jobs
                        .iter()
                        .position(|j| j.created_at_ms < job.created_at_ms)
                        .unwrap_or(self.jobs.len());
                    self.jobs.insert(at, *job);
                }
                self.gallery_dirty = true;
            }
            Event::Removed { job_id } => {
                self.jobs.retain(|j| j.id != job_id);
                self.selection.retain(|(id, _)| *id != job_id);
                if self.viewer.as_ref().is_some_and(|v| v.job_id == job_id) {
                    self.viewer = None;
                }
                self.gallery_dirty = true;
            }
            Event::Notice(text) => self.notify_error(text),
            Event::Image { key, result } => {
                if let Some(url) = key.strip_prefix("ref:") {
                    match &result {
                        Ok(img) => {
                            for r in self.draft.references.iter_mut().filter(|r| r.url == url) {
                                r.dims = Some(img.source_dims);
                            }
                            self.ref_errors.remove(url);
                        }
                        Err(e) => {
                            self.ref_errors.insert(url.to_owned(), e.clone());
                        }
                    }
                }
                let ctx = self.ctx.clone();
                self.textures.loaded(&ctx, &key, result);
            }
            Event::Exported { paths } => {
                let where_ = paths
                    .first()
                    .and_then(|p| p.parent())
                    .map(|d| d.display().to_string())
                    .unwrap_or_default();
                let n = paths.len();
                self.notify(format!(
                    "Exported {n} image{} to {where_}",
                    if n == 1 { "" } else { "s" }
                ));
            }
        }
    }

    fn handle_chore(&mut self, chore: Chore) {
        match chore {
            Chore::ExportTo(items, Some(dest)) => {
                self.send(Command::Export { items, dest });
            }
            Chore::ExportTo(_, None) | Chore::ExportDir(None) | Chore::Done => {}
            Chore::ExportDir(Some(dir)) => {
                if let Some(form) = &mut self.settings_form {
                    form.export_dir = dir.display().to_string();
                }
            }
            Chore::KeySaved(result) => self.key_saved(result),
            Chore::Notice(text) => self.notify_error(text),
            Chore::Many(list) => {
                for c in list {
                    self.handle_chore(c);
                }
            }
        }
    }

    /// Rebuilds the gallery's tile list when the jobs changed.
    fn refresh_gallery(&mut self) {
        if !self.gallery_dirty {
            return;
        }
        self.gallery = self
            .jobs
            .iter()
            .enumerate()
            .flat_map(|(j, job)| {
                (0..job.results.len()).map(move |r| GalleryItem { job: j, result: r })
            })
            .collect();
        self.gallery_dirty = false;
    }

    fn shortcuts(&mut self, ctx: &egui::Context) {
        use egui::{Key, KeyboardShortcut, Modifiers};
        let generate = KeyboardShortcut::new(Modifiers::COMMAND, Key::Enter);
        if ctx.input_mut(|i| i.consume_shortcut(&generate)) {
            self.generate();
        }
        if ctx.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Escape)) {
            if self.confirm.is_some() {
                self.confirm = None;
            } else if self.settings_form.is_some() {
                self.settings_form = None;
            } else if self.viewer.is_some() {
                self.viewer = None;
            } else if self.central == Central::Editor {
                self.central = Central::Gallery;
            }
        }
        // Text fields keep their own undo and Delete.
        if ctx.egui_wants_keyboard_input() {
            return;
        }
        let redo = KeyboardShortcut::new(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z);
        let redo_y = KeyboardShortcut::new(Modifiers::COMMAND, Key::Y);
        let undo = KeyboardShortcut::new(Modifiers::COMMAND, Key::Z);
        if ctx.input_mut(|i| i.consume_shortcut(&redo) || i.consume_shortcut(&redo_y)) {
            self.redo();
        } else if ctx.input_mut(|i| i.consume_shortcut(&undo)) {
            self.undo();
        }
        if self.central == Central::Editor
            && ctx.input_mut(|i| {
                i.consume_key(Modifiers::NONE, Key::Delete)
                    || i.consume_key(Modifiers::NONE, Key::Backspace)
            })
        {
            self.delete_selected_box();
        }
    }

    fn top_bar_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.heading("Wan Studio");
            ui.separator();
            match self.mode() {
                Some(Mode::Sandbox) => {
                    super::theme::badge(ui, "SANDBOX", super::theme::SANDBOX)
                        .on_hover_text("No API key is set: every request goes to the built-in simulator on this machine. Nothing is sent anywhere and nothing is charged. Add a key in Settings to use reAPI.");
                }
                Some(Mode::Api(url)) => {
                    let host = url.host_str().unwrap_or("reAPI").to_owned();
                    super::theme::badge(ui, &format!("LIVE · {host}"), super::theme::LIVE)
                        .on_hover_text("Requests go to reAPI and are charged per generated image.");
                }
                None if self.start_error.is_some() => {
                    super::theme::badge(ui, "NOT CONNECTED", super::theme::ERROR);
                }
                None => {
                    ui.spinner();
                    ui.label("Connecting…");
                }
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.button("⚙ Settings").on_hover_text("API key, address, prices, export folder, theme").clicked() {
                    self.open_settings();
                }
                let dark = ui.visuals().dark_mode;
                let (icon, next, tip) = if dark {
                    ("☀", Theme::Light, "Switch to the light theme")
                } else {
                    ("🌙", Theme::Dark, "Switch to the dark theme")
                };
                if ui.button(icon).on_hover_text(tip).clicked() {
                    self.settings.theme = next;
                    super::theme::apply(ui.ctx(), next);
                    self.save_settings();
                }
            });
        });
    }

    fn notices_ui(&mut self, ctx: &egui::Context) {
        let now = Instant::now();
        self.notices.retain(|n| n.until > now);
        if self.notices.is_empty() {
            return;
        }
        if let Some(next) = self.notices.iter().map(|n| n.until).min() {
            ctx.request_repaint_after(next.saturating_duration_since(now));
        }
        egui::Area::new(egui::Id::unique("notices"))
            .anchor(egui::Align2::RIGHT_BOTTOM, egui::vec2(-12.0, -12.0))
            .order(egui::Order::Foreground)
            .show(ctx, |ui| {
                ui.set_max_width(420.0);
                let mut dismissed = None;
                for (i, n) in self.notices.iter().enumerate() {
                    let fill = if n.error {
                        super::theme::ERROR_BG
                    } else {
                        ui.visuals().extreme_bg_color
                    };
                    egui::Frame::popup(ui.style()).fill(fill).show(ui, |ui| {
                        ui.horizontal(|ui| {
                            ui.label(&n.text);
                            if ui
                                .small_button("✖")
                                .on_hover_text("Dismiss this message")
                                .clicked()
                            {
                                dismissed = Some(i);
                            }
                        });
                    });
                }
                if let Some(i) = dismissed {
                    self.notices.remove(i);
                }
            });
    }

    fn confirm_ui(&mut self, ctx: &egui::Context) {
        let Some(confirm) = self.confirm.clone() else {
            return;
        };
        let (title, body, action) = match &confirm {
            Confirm::Retry { label, .. } => (
                "Send again?",
                format!(
                    "{label}\n\nThis sends the same request again as a new job. If the earlier one did reach the server, you may be charged twice."
                ),
                "Send again",
            ),
            Confirm::Delete { label, .. } => (
                "Delete these results?",
                format!(
                    "{label}\n\nThe images are removed from the library and from disk. This cannot be undone."
                ),
                "Delete",
            ),
        };
        let modal = egui::Modal::new(egui::Id::unique("confirm")).show(ctx, |ui| {
            ui.set_max_width(420.0);
            ui.heading(title);
            ui.label(body);
            ui.add_space(8.0);
            let mut answer = None;
            ui.horizontal(|ui| {
                if ui.button(action).clicked() {
                    answer = Some(true);
                }
                if ui.button("Cancel").clicked() {
                    answer = Some(false);
                }
            });
            answer
        });
        match modal.inner {
            Some(true) => {
                self.confirm = None;
                match confirm {
                    Confirm::Retry { job_id, .. } => {
                        self.send(Command::Retry { job_id });
                    }
                    Confirm::Delete { job_id, .. } => {
                        self.textures.forget_prefix(&format!("thumb:{job_id}"));
                        self.textures.forget_prefix(&format!("full:{job_id}"));
                        self.send(Command::Delete { job_id });
                    }
                }
            }
            Some(false) => self.confirm = None,
            None if modal.should_close() => self.confirm = None,
            None => {}
        }
    }
}

pub(crate) const DRAFT_KEY: &str = "wan-studio.draft";

async fn startup(
    cfg: AppConfig,
    settings: Option<AppSettings>,
    key: KeyChoice,
    ctx: egui::Context,
) -> Result<Started, String> {
    let mut notices = Vec::new();
    let settings = if let Some(s) = settings {
        s
    } else {
        let paths = cfg.paths.clone();
        match tokio::task::spawn_blocking(move || AppSettings::load(&paths)).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => {
                notices.push(format!("{e}; using default settings."));
                AppSettings::default()
            }
            Err(e) => return Err(e.to_string()),
        }
    };
    let (key, key_source) = if let Some(k) = cfg.env_key.clone() {
        (Some(k), KeySource::Environment)
    } else if let KeyChoice::Use(k) = key {
        let source = if k.is_some() {
            KeySource::Keyring
        } else {
            KeySource::None
        };
        (k, source)
    } else {
        let store = Arc::clone(&cfg.key_store);
        match tokio::task::spawn_blocking(move || store.load()).await {
            Ok(Ok(Some(k))) => (Some(k), KeySource::Keyring),
            Ok(Ok(None)) => (None, KeySource::None),
            Ok(Err(e)) => {
                tracing::info!("no key from the keyring: {e}");
                (None, KeySource::None)
            }
            Err(e) => return Err(e.to_string()),
        }
    };
    let key_hint = key.as_ref().map(ApiKey::hint);
    let base_url = cfg
        .env_base_url
        .clone()
        .unwrap_or_else(|| settings.base_url());
    let mut opts = backend::Options::new(cfg.paths.clone(), key, base_url);
    opts.sandbox_delay = cfg.sandbox_delay;
    opts.sandbox_per_image = cfg.sandbox_per_image;
    opts.poll_interval = cfg.poll_interval;
    let waker: crate::core::engine::Waker = Arc::new(move || ctx.request_repaint());
    let backend = backend::connect(&opts, false, Some(waker))
        .await
        .map_err(|e| e.to_string())?;
    Ok(Started {
        backend,
        settings,
        key_source,
        key_hint,
        notices,
    })
}

impl eframe::App for StudioApp {
    fn logic(&mut self, _ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.take_started();
        self.drain_events();
        self.refresh_gallery();
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        self.shortcuts(&ctx);
        egui::Panel::top("top_bar").show(ui, |ui| self.top_bar_ui(ui));
        egui::Panel::left("compose")
            .resizable(true)
            .default_size(370.0)
            .min_size(300.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical()
                    .auto_shrink([false, false])
                    .show(ui, |ui| self.compose_ui(ui));
            });
        egui::Panel::right("queue")
            .resizable(true)
            .default_size(300.0)
            .min_size(220.0)
            .show(ui, |ui| self.queue_ui(ui));
        egui::CentralPanel::default_margins().show(ui, |ui| {
            if let Some(err) = self.start_error.clone() {
                ui.colored_label(
                    super::theme::ERROR,
                    format!("Wan Studio could not start: {err}"),
                );
                if ui.button("Try again").clicked() {
                    self.start_error = None;
                    self.start(None, KeyChoice::Stored);
                }
                return;
            }
            self.references_ui(ui);
            ui.separator();
            if self.viewer.is_some() {
                self.viewer_ui(ui);
            } else if self.central == Central::Editor && self.selected_reference.is_some() {
                self.region_editor_ui(ui);
            } else {
                self.gallery_ui(ui);
            }
        });
        self.settings_ui(&ctx);
        self.confirm_ui(&ctx);
        self.notices_ui(&ctx);
        if self.jobs.iter().any(|j| self.running_here(j)) {
            // The queue's elapsed-time counters tick once a second; nothing else animates.
            ctx.request_repaint_after(Duration::from_secs(1));
        }
        self.textures.end_frame();
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, DRAFT_KEY, &self.draft);
    }
}
