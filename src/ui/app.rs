//! The app shell: the state views read, startup, draining engine events and loaded images, the
//! layout of the panels, and [`StudioApp::handle`], the one place that carries out an [`Action`]:
//! it alone sends engine commands, starts background chores and moves the centre view.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use eframe::egui;
use reqwest::Url;
use tokio::sync::{mpsc, oneshot};

use crate::backend::{self, Backend};
use crate::core::client::{ApiClient, ClientConfig, KeyCheck};
use crate::core::draft::{Draft, Reference, label_for_url};
use crate::core::engine::{Command, Event, ExportDest, Submission};
use crate::core::i18n::{Arg, Tr};
use crate::core::journal::{JobRecord, JobState, LibraryQuery, now_ms};
use crate::core::library::{export_name, result_link};
use crate::core::palette::Palette;
use crate::core::palettes::SavedPalettes;
use crate::core::rules::{MAX_REFERENCES, random_seed, reference_url_problem};
use crate::core::settings::{
    ApiKey, AppSettings, KeySource, KeyStore, KeyStoreError, Paths, Theme, default_export_dir,
};
use crate::core::undo::Undo;
use crate::tr;

use super::compose::ComposeView;
use super::cx::{
    Action, Centre, ConnState, Dropper, Edit, Hits, Jobs, KeyInfo, PaletteSource, PathPurpose,
    Sent, ViewCx,
};
use super::dialogs::{self, AboutInfo, Confirm, FilePicker, NativePicker, PathPrompt, Picked};
use super::gallery::{GalleryView, STRIP_TILE};
use super::queue::QueueView;
use super::references::ReferencesView;
use super::region_editor::EditorView;
use super::settings::SettingsView;
use super::textures::{Loaded, Loader, ResultKey, TexKey, TexState, Textures};
use super::theme;
use super::viewer::ViewerView;
use super::widgets::named_button;

/// The same request sent again within this long asks first.
const SAME_REQUEST_WINDOW: Duration = Duration::from_secs(10);
/// The compose form is saved at most this long after it changed.
const DRAFT_SAVE_DELAY: Duration = Duration::from_millis(400);
const NOTICE_SECS: u64 = 6;
/// Below this height of the centre, the viewer folds the references strip to one line.
const FOLD_BELOW: f32 = 720.0;

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
    /// First wait before an uncharged submit is tried again (tests shorten it).
    pub retry_base: Duration,
    /// Restore the last compose form (saved in the data folder on every change).
    pub restore: bool,
    /// Native file dialogs (tests stand in for a desktop without any).
    pub picker: Arc<dyn FilePicker>,
    /// Where the reference host's storage secret is kept (the OS keyring in the app).
    pub storage_secrets: Arc<dyn KeyStore>,
    /// Images to add as references at start ("Open with", `wan-studio PHOTO…`).
    pub open: Vec<PathBuf>,
    /// Where a font for Chinese, Japanese and Korean text is looked for (tests use a fixture).
    pub fonts: crate::core::fonts::FontSource,
    /// The OS's language: the window speaks it unless Settings names another.
    pub os_language: crate::core::i18n::Lang,
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
            retry_base: Duration::from_secs(2),
            restore: true,
            picker: Arc::new(NativePicker),
            storage_secrets: Arc::new(crate::core::settings::MemoryKeyStore::default()),
            open: Vec::new(),
            fonts: crate::core::fonts::FontSource::System,
            os_language: crate::core::i18n::Lang::En,
        }
    }
}

/// Which key a (re)connection uses.
#[derive(Debug, Clone)]
enum KeyChoice {
    /// Whatever the key store holds (the environment still wins).
    Stored,
    /// This key (or none: the sandbox), kept where `KeySource` says.
    Use(Option<ApiKey>, KeySource),
}

/// What the startup (or a reconnect) produced.
struct Started {
    backend: Backend,
    settings: AppSettings,
    /// The named palettes, read on the first start (a reconnect keeps the window's).
    palettes: Option<SavedPalettes>,
    key: KeyInfo,
    notices: Vec<String>,
}

/// The connection: one fact, one place.
enum Connection {
    Connecting(oneshot::Receiver<Result<Started, String>>),
    Ready(Box<Backend>),
    Failed(String),
}

/// A message shown for a while in the corner.
struct Notice {
    text: String,
    until: Instant,
    error: bool,
}

/// References and palette, for undo and redo.
#[derive(Debug, Clone, PartialEq)]
struct EditSnapshot {
    references: Vec<Reference>,
    palette: Palette,
    palette_on: bool,
}

/// A finished background chore.
/// A reference's stage in words, for the queue.
fn stage_text(tr: Tr, stage: &crate::core::hosting::Stage) -> String {
    use crate::core::hosting::Stage;
    match stage {
        Stage::Preparing => tr.t("stage-preparing").to_owned(),
        Stage::Uploading(p) => tr!(tr, "stage-uploading", progress = p.to_string()),
        Stage::Hosted { notes, .. } if notes.is_empty() => tr.t("stage-ready").to_owned(),
        Stage::Hosted { notes, .. } => tr!(
            tr,
            "stage-ready-with",
            summary = crate::core::preflight::summary_of(notes, tr.0)
        ),
    }
}

enum Chore {
    Picked(Picked),
    KeyChosen {
        key: Option<ApiKey>,
        source: KeySource,
        notes: Vec<(String, bool)>,
    },
    Error(String),
    Repaired(crate::core::journal::Repaired),
    /// Local references are links now: the request can be sent.
    Hosted(Box<Submission>),
    /// Local references could not be prepared or uploaded; nothing was sent.
    NotHosted(String),
    /// The reference host's secret, read from its store.
    StorageSecret(Option<ApiKey>),
    /// PNG files looked at before they are added: with the request, those Wan Studio made.
    LookedAt(Vec<(PathBuf, Option<crate::core::request::GenerationRequest>)>),
    /// What Settings' Test of a reference host found: the link it read back, or what is wrong.
    HostTested(Result<String, String>),
    /// A palette taken from an image.
    Palette(crate::core::palette::Palette),
    /// The font for CJK text, looked for at start (none where the system has none).
    Font(Option<crate::core::fonts::CjkFont>),
    Notice(String),
    Done,
}

/// Reads an image link for a palette (references that are links).
async fn fetch(url: &str) -> Result<Vec<u8>, String> {
    let client = crate::core::hosting::upload_client().map_err(|e| e.to_string())?;
    let resp = client
        .get(url)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| format!("the image could not be fetched: {e}"))?;
    let bytes = resp
        .bytes()
        .await
        .map_err(|e| format!("the image could not be fetched: {e}"))?;
    Ok(bytes.to_vec())
}

/// The views, each owning its state.
#[derive(Default)]
struct Views {
    spend: super::spend::SpendView,
    compose: ComposeView,
    references: ReferencesView,
    editor: EditorView,
    queue: QueueView,
    gallery: GalleryView,
    viewer: ViewerView,
    settings: SettingsView,
}

/// The compose form as last written to disk.
struct DraftSaver {
    saved: Draft,
    changed_at: Option<Instant>,
}

/// The studio window.
pub struct StudioApp {
    cfg: AppConfig,
    ctx: egui::Context,
    conn: Connection,
    key: KeyInfo,
    settings: AppSettings,
    /// The compose form.
    pub draft: Draft,
    jobs: Jobs,
    centre: Centre,
    views: Views,
    confirm: Option<Confirm>,
    path_prompt: Option<PathPrompt>,
    about: Option<AboutInfo>,
    notices: Vec<Notice>,
    undo: Undo<EditSnapshot>,
    textures: Textures,
    loaded: mpsc::Receiver<Loaded>,
    chores: Vec<oneshot::Receiver<Chore>>,
    /// The last request sent (with a random seed left out) and what it was.
    last_sent: Option<(String, Sent)>,
    /// Sends that wait one frame for a typed field to commit (see [`StudioApp::generate`]).
    after_commit: Vec<Action>,
    /// Tags the gallery's searches: only the latest answer is shown.
    search_generation: u64,
    /// A search is with the engine (its answer not back yet).
    search_in_flight: bool,
    /// Actions waiting for a job's whole record (see [`needs_job`]).
    waiting: Vec<Action>,
    /// The latest search the gallery shows the answer to.
    answered_search: u64,
    generate_tried: bool,
    /// Local references are being prepared and uploaded for a send.
    preparing: bool,
    /// Each reference's stage while they are (written by the upload task, read each frame).
    stages: Arc<
        std::sync::Mutex<std::collections::BTreeMap<usize, (String, crate::core::hosting::Stage)>>,
    >,
    /// The reference host's storage secret, read from its store at start.
    storage_secret: Option<ApiKey>,
    saver: DraftSaver,
    /// `Pictures/Wan Studio`, found once.
    default_export: PathBuf,
    /// The palettes the artist has named and kept.
    palettes: SavedPalettes,
    /// The palette colour the eyedropper sets, while armed.
    picking: Option<usize>,
    /// The colour the eyedropper's toolbar button arms it for.
    picking_target: usize,
    /// The font for CJK text: being looked for, found (its family), or missing.
    cjk: CjkFont,
    /// When the note that asks for a CJK font was shown (once a run).
    cjk_noted: Option<Instant>,
    /// The library version whose prompts were last looked through for CJK text.
    cjk_scanned: Option<u64>,
    /// Whether an input method is composing text in a field.
    ime: Ime,
}

/// An input method's state, as the shortcuts need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ime {
    Idle,
    Composing,
}

pub use super::cx::CjkFont;

impl StudioApp {
    /// Builds the window's state and starts connecting in the background.
    pub fn new(cc: &eframe::CreationContext<'_>, cfg: AppConfig) -> StudioApp {
        let ctx = cc.egui_ctx.clone();
        theme::install(&ctx);
        let draft = if cfg.restore {
            Draft::load(&cfg.paths).unwrap_or_default()
        } else {
            Draft::default()
        };
        let waker = ctx.clone();
        let (loader, loads) = Loader::start(&cfg.rt, Arc::new(move || waker.request_repaint()));
        let (tx, rx) = oneshot::channel();
        drop(tx);
        let mut app = StudioApp {
            key: KeyInfo {
                source: KeySource::None,
                hint: None,
                store: cfg.key_store.describe(),
            },
            cfg,
            ctx,
            conn: Connection::Connecting(rx),
            settings: AppSettings::default(),
            saver: DraftSaver {
                saved: draft.clone(),
                changed_at: None,
            },
            draft,
            jobs: Jobs::default(),
            centre: Centre::Gallery,
            views: Views::default(),
            confirm: None,
            path_prompt: None,
            about: None,
            notices: Vec::new(),
            undo: Undo::default(),
            textures: Textures::new(super::textures::DEFAULT_BUDGET_BYTES, Some(loader)),
            loaded: loads,
            chores: Vec::new(),
            last_sent: None,
            after_commit: Vec::new(),
            search_generation: 0,
            search_in_flight: false,
            waiting: Vec::new(),
            answered_search: 0,
            generate_tried: false,
            preparing: false,
            stages: Arc::default(),
            storage_secret: None,
            default_export: default_export_dir().unwrap_or_else(|| PathBuf::from("Wan Studio")),
            palettes: SavedPalettes::default(),
            picking: None,
            picking_target: 0,
            cjk: CjkFont::Looking,
            cjk_noted: None,
            cjk_scanned: None,
            ime: Ime::Idle,
        };
        // The first frame never waits for it: egui's own fonts draw until it arrives.
        let fonts = app.cfg.fonts.clone();
        app.chore(async move {
            let found =
                tokio::task::spawn_blocking(move || crate::core::fonts::cjk_from(&fonts)).await;
            Chore::Font(found.ok().flatten())
        });
        app.start(None, KeyChoice::Stored);
        let open = std::mem::take(&mut app.cfg.open);
        if !open.is_empty() {
            app.add_reference_files(open);
        }
        let store = Arc::clone(&app.cfg.storage_secrets);
        app.chore(async move {
            let secret = tokio::task::spawn_blocking(move || store.load()).await;
            Chore::StorageSecret(secret.ok().and_then(Result::ok).flatten())
        });
        app
    }

    /// Connects (again): loads settings and the key off the UI thread, then the backend. The
    /// current connection is closed first, so two engines never drive the same job.
    fn start(&mut self, settings: Option<AppSettings>, key: KeyChoice) {
        let (tx, rx) = oneshot::channel();
        let cfg = self.cfg.clone();
        let ctx = self.ctx.clone();
        let old = std::mem::replace(&mut self.conn, Connection::Connecting(rx));
        self.cfg.rt.spawn(async move {
            if let Connection::Ready(old) = old {
                old.close().await;
            }
            let result = startup(cfg, settings, key, ctx.clone()).await;
            let _ = tx.send(result);
            ctx.request_repaint();
        });
    }

    /// Whether a backend is connected.
    pub fn is_ready(&self) -> bool {
        matches!(self.conn, Connection::Ready(_))
    }

    /// The server the window is connected to.
    pub fn server(&self) -> Option<&crate::core::server::Server> {
        match &self.conn {
            Connection::Ready(b) => Some(&b.server),
            _ => None,
        }
    }

    /// The jobs the window holds whole (the queue's, and any opened since), newest first.
    pub fn jobs(&self) -> Vec<JobRecord> {
        let mut jobs = self.jobs.live.clone();
        for job in self.jobs.opened() {
            if !jobs.iter().any(|j| j.id == job.id) {
                jobs.push(job.clone());
            }
        }
        jobs.sort_by_key(|j| std::cmp::Reverse(j.created_at_ms));
        jobs
    }

    /// Bytes held by textures (thumbnails, references, the viewer's image).
    pub fn texture_bytes(&self) -> usize {
        self.textures.bytes()
    }

    pub fn settings(&self) -> &AppSettings {
        &self.settings
    }

    /// Where the key is, as Settings says it.
    pub fn key_status(&self) -> String {
        self.key.status()
    }

    /// The gallery's results in its order (what the search and filters show).
    pub fn gallery_keys(&self) -> Vec<ResultKey> {
        (0..self.jobs.tiles.len())
            .filter_map(|k| self.jobs.key_at(k))
            .collect()
    }

    /// A result's star and rating as the gallery shows them.
    pub fn marks(&self, key: &ResultKey) -> Option<(bool, u8)> {
        self.jobs
            .shelved_result(key)
            .map(|(_, r)| (r.favourite, r.rating))
    }

    /// How many results the gallery shows (what the search and filters let through).
    pub fn gallery_len(&self) -> usize {
        self.jobs.tiles.len()
    }

    /// Whether the gallery waits for the library's answer to its latest search.
    pub fn is_searching(&self) -> bool {
        self.answered_search != self.search_generation
    }

    /// What fills the centre.
    pub fn centre(&self) -> &Centre {
        &self.centre
    }

    /// Results picked in the gallery.
    pub fn selection(&self) -> &std::collections::BTreeSet<ResultKey> {
        &self.views.gallery.selection
    }

    fn conn_state(&self) -> ConnState {
        match &self.conn {
            Connection::Connecting(_) => ConnState::Connecting,
            Connection::Failed(e) => ConnState::Failed(e.clone()),
            Connection::Ready(b) => ConnState::Ready {
                server: b.server.clone(),
                samples: b
                    .sandbox
                    .as_ref()
                    .map(crate::sandbox::Sandbox::sample_urls)
                    .unwrap_or_default(),
            },
        }
    }

    /// Why Generate cannot run now, one sentence each; empty when it can.
    pub fn generate_blockers(&self) -> Vec<String> {
        self.blockers_given(&self.draft.problems())
    }

    /// [`StudioApp::generate_blockers`], with the form's problems already found.
    fn blockers_given(&self, problems: &crate::core::rules::Problems) -> Vec<String> {
        let tr = self.tr();
        let mut out: Vec<String> = problems.iter().map(|p| tr.m(&p.text)).collect();
        for (i, r) in self.draft.references.iter().enumerate() {
            if let Some(TexState::Failed(e)) = self.textures.peek(&TexKey::Reference(r.url.clone()))
            {
                out.push(tr!(
                    tr,
                    "rule-reference",
                    n = i + 1,
                    why = Arg::English(e.clone())
                ));
            }
        }
        if !self.is_ready() {
            out.push(tr.t("app-connecting-blocker").to_owned());
        } else if self.reference_host().is_none()
            && self
                .draft
                .references
                .iter()
                .any(|r| crate::core::hosting::local_file(&r.url).is_some())
        {
            out.push(tr.t("app-no-host").to_owned());
        }
        if self.preparing {
            out.push(tr.t("app-preparing").to_owned());
        }
        if let Some(why) = self.over_budget() {
            out.push(why);
        }
        out
    }

    /// Why this send would take the month past its budget, if it would.
    fn over_budget(&self) -> Option<String> {
        use crate::core::pricing::format_usd;
        let budget = self.settings.monthly_budget_micro_usd?;
        let Some(ledger) = &self.jobs.spend else {
            return Some(self.tr().t("app-budget-checking").to_owned());
        };
        let spent = ledger.month_of(now_ms());
        let costs = self.draft.estimate(&self.settings.rates).micro_usd;
        (spent + costs > budget).then(|| {
            tr!(
                self.tr(),
                "app-over-budget",
                spent = format_usd(spent),
                budget = format_usd(budget),
                costs = format_usd(costs)
            )
        })
    }

    /// Where Quick export writes: the folder set in Settings, else `Pictures/Wan Studio` (looked up
    /// once at start: the platform's lookup reads a file, and this is asked every frame).
    fn export_dir(&self) -> PathBuf {
        self.settings
            .export_dir
            .clone()
            .unwrap_or_else(|| self.default_export.clone())
    }

    /// Sends a command to the engine without waiting. False (with a notice) if it cannot now.
    fn send(&mut self, cmd: Command) -> bool {
        let Connection::Ready(b) = &self.conn else {
            self.notify_error("Wan Studio is still connecting; try again in a moment.");
            return false;
        };
        if b.commands.try_send(cmd).is_ok() {
            true
        } else {
            self.notify_error("The engine is busy; try again in a moment.");
            false
        }
    }

    /// Adds the CJK face after egui's fonts (it draws only what they cannot).
    fn install_cjk(&mut self, found: Option<crate::core::fonts::CjkFont>) {
        let Some(font) = found else {
            self.cjk = CjkFont::Missing;
            return;
        };
        let data: egui::epaint::text::Blob = font.data.clone();
        let lowest = |family| egui::InsertFontFamily {
            family,
            priority: egui::FontPriority::Lowest,
        };
        self.ctx.add_font(egui::FontInsert::new(
            "cjk",
            egui::FontData::from_blob(data, font.index),
            vec![
                lowest(egui::FontFamily::Proportional),
                lowest(egui::FontFamily::Monospace),
            ],
        ));
        self.cjk = CjkFont::Found(font.family);
        self.ctx.request_repaint();
    }

    /// The language the window speaks: the one Settings names, or the OS's.
    pub fn language(&self) -> crate::core::i18n::Lang {
        self.settings.language.unwrap_or(self.cfg.os_language)
    }

    /// The window's voice.
    pub fn tr(&self) -> crate::core::i18n::Tr {
        crate::core::i18n::Tr(self.language())
    }

    /// The font for CJK text as the window knows it.
    pub fn cjk_font(&self) -> &CjkFont {
        &self.cjk
    }

    /// Once a run, where no CJK font is installed and a prompt holds CJK text, says which
    /// package brings one.
    fn note_missing_font(&mut self) {
        if self.cjk_noted.is_some() || self.cjk != CjkFont::Missing {
            return;
        }
        // The library's prompts are looked through once each time it changes, not every frame.
        let library_changed = self.cjk_scanned != Some(self.jobs.version);
        self.cjk_scanned = Some(self.jobs.version);
        let needs = crate::core::fonts::needs_cjk(&self.draft.prompt)
            || crate::core::fonts::needs_cjk(&self.draft.negative_prompt)
            || (library_changed
                && self
                    .jobs
                    .shelf
                    .iter()
                    .any(|s| crate::core::fonts::needs_cjk(&s.prompt)));
        if needs {
            self.cjk_noted = Some(Instant::now());
            let text = tr!(
                self.tr(),
                "app-no-cjk-font",
                package = crate::core::fonts::install_hint()
            );
            self.notices.push(Notice {
                text,
                until: Instant::now() + Duration::from_secs(NOTICE_SECS * 6),
                error: false,
            });
        }
    }

    /// A notice's text in the window's language: a sentence the catalogue has, or "what went
    /// wrong: the detail" with its first part translated (the detail is the system's own words).
    fn in_language(&self, text: &str) -> String {
        let tr = self.tr();
        let whole = tr.of(text);
        if !std::ptr::eq(whole, text) || tr.0 == crate::core::i18n::Lang::En {
            return whole.to_owned();
        }
        match text.split_once(": ") {
            Some((head, rest)) if !std::ptr::eq(tr.of(head), head) => {
                tr!(tr, "notice-with-detail", what = tr.of(head), detail = rest)
            }
            _ => text.to_owned(),
        }
    }

    fn notify(&mut self, text: impl Into<String>) {
        let text = text.into();
        self.notices.push(Notice {
            text: self.in_language(&text),
            until: Instant::now() + Duration::from_secs(NOTICE_SECS),
            error: false,
        });
    }

    fn notify_error(&mut self, text: impl Into<String>) {
        let text = text.into();
        self.notices.push(Notice {
            text: self.in_language(&text),
            until: Instant::now() + Duration::from_secs(NOTICE_SECS * 2),
            error: true,
        });
    }

    /// Runs work off the UI thread; its answer arrives as a [`Chore`].
    fn chore(&mut self, work: impl std::future::Future<Output = Chore> + Send + 'static) {
        let (tx, rx) = oneshot::channel();
        let ctx = self.ctx.clone();
        self.cfg.rt.spawn(async move {
            let _ = tx.send(work.await);
            ctx.request_repaint();
        });
        self.chores.push(rx);
    }

    fn snapshot(&self) -> EditSnapshot {
        EditSnapshot {
            references: self.draft.references.clone(),
            palette: self.draft.palette.clone(),
            palette_on: self.draft.palette_on,
        }
    }

    fn restore(&mut self, s: EditSnapshot) {
        self.draft.references = s.references;
        self.draft.palette = s.palette;
        self.draft.palette_on = s.palette_on;
        self.views.editor.clear_selection();
        if let Centre::Editor { reference } = self.centre
            && reference >= self.draft.references.len()
        {
            self.centre = Centre::Gallery;
        }
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

    /// Carries out one action. Every button's effect is here, by its [`Action`].
    pub fn handle(&mut self, action: Action) {
        // An action on a job the window holds only as a gallery tile waits for its whole record.
        if let Some(job_id) = needs_job(&action)
            && self.jobs.get(job_id).is_none()
        {
            let job_id = job_id.to_owned();
            if self.jobs.wants(&job_id) {
                self.send(Command::Details { job_id });
            }
            self.waiting.push(action);
            return;
        }
        match action {
            Action::Generate => self.generate(false),
            Action::GenerateAgain => self.generate(true),
            Action::Edit { edit, merge } => self.edit(edit, merge),
            Action::Undo => self.undo(),
            Action::Redo => self.redo(),
            Action::AddReferenceUrl { url, label } => self.add_reference(&url, label),
            Action::AddReferenceFiles(paths) => self.add_reference_files(paths),
            Action::UseFileAsReference(path) => self.add_files_now(vec![path]),
            Action::RestoreSettings(request) => self.restore_settings(&request),
            Action::TestHost { settings, secret } => self.test_host(settings, secret),
            Action::SaveStorageSecret(secret) => self.save_storage_secret(secret),
            Action::OpenEditor(i) if i < self.draft.references.len() => {
                self.centre = Centre::Editor { reference: i };
            }
            Action::OpenEditor(_) | Action::ShowGallery => self.centre = Centre::Gallery,
            Action::OpenViewer(key) => {
                self.send(Command::Lineage {
                    job_id: key.job_id.clone(),
                });
                self.centre = Centre::Viewer(key);
            }
            Action::OpenStoryboard(job_id) => self.centre = Centre::Storyboard(job_id),
            Action::ExportSheet(job_id) => self.ask_path(PathPurpose::Sheet(job_id)),
            Action::Search(_) => self.search(),
            Action::Favourite(key, on) => self.mark(key, Some(on), None),
            Action::Rate(key, rating) => self.mark(key, None, Some(rating)),
            Action::AskLineage(job_id) => {
                self.send(Command::Lineage { job_id });
            }
            Action::OpenSpend => {
                self.views.spend.open = true;
                self.send(Command::Spend);
            }
            Action::PaletteFrom(source) => self.palette_from(&source),
            a @ (Action::Eyedropper(_)
            | Action::PickColour { .. }
            | Action::SavePalette(_)
            | Action::LoadPalette(_)
            | Action::DeletePalette(_)) => self.palette_action(a),
            Action::StepViewer(step) => self.step_viewer(step),
            Action::ToggleFullView => {
                self.views.viewer.full = !self.views.viewer.full;
            }
            Action::Dismiss(job_id) => {
                self.send(Command::Dismiss { job_id });
            }
            Action::Resume => {
                self.send(Command::Resume);
            }
            Action::AskRetry(job_id) => self.ask_retry(&job_id),
            Action::Retry(job_id) => {
                self.send(Command::Retry { job_id });
            }
            Action::AskDelete(job_id) => self.ask_delete(&job_id),
            Action::Delete(job_id) => {
                self.textures.forget_job(&job_id);
                self.send(Command::Delete { job_id });
            }
            Action::UseAsReference(key) => self.use_as_reference(&key),
            Action::ReuseSettings(job_id) => self.reuse_settings(&job_id),
            Action::Ask(purpose) => self.ask_path(purpose),
            Action::Answer(purpose, path) => self.answered(purpose, path),
            Action::QuickExport(items) => {
                let dest = ExportDest::Folder(self.export_dir());
                self.export(items, dest);
            }
            Action::CopyImage(key) => self.copy_image(&key),
            Action::OpenSettings => self.views.settings.open(&self.settings),
            Action::SaveSettings(new) => self.apply_settings(new),
            Action::SetLanguage(language) => {
                self.settings.language = language;
                self.save_settings();
            }
            Action::SaveKey(key) => self.save_key(key),
            Action::ForgetKey => self.forget_key(),
            Action::ToggleTheme => {
                let next = if self.ctx.theme() == egui::Theme::Dark {
                    Theme::Light
                } else {
                    Theme::Dark
                };
                self.settings.theme = next;
                theme::apply(&self.ctx, next);
                self.save_settings();
            }
            Action::OpenAbout => {
                self.about = Some(AboutInfo {
                    data_dir: self.cfg.paths.home.clone(),
                    log_dir: self.cfg.paths.logs(),
                });
            }
            Action::OpenFolder(dir) => self.chore(async move {
                let shown = dir.display().to_string();
                match tokio::task::spawn_blocking(move || {
                    std::fs::create_dir_all(&dir)?;
                    open::that_detached(&dir)
                })
                .await
                {
                    Ok(Ok(())) => Chore::Done,
                    Ok(Err(e)) => Chore::Error(format!("{shown} could not be opened: {e}")),
                    Err(e) => Chore::Error(e.to_string()),
                }
            }),
            Action::TogglePanel { compose } => {
                let panels = &mut self.settings.panels;
                if compose {
                    panels.compose = !panels.compose;
                } else {
                    panels.queue = !panels.queue;
                }
                self.save_settings();
            }
            Action::Reconnect => self.start(None, KeyChoice::Stored),
            Action::RepairJournal => {
                let paths = self.cfg.paths.clone();
                self.chore(async move {
                    match tokio::task::spawn_blocking(move || crate::core::journal::repair(&paths))
                        .await
                    {
                        Ok(Ok(done)) => Chore::Repaired(done),
                        Ok(Err(e)) => {
                            Chore::Error(format!("The journal could not be rebuilt: {e}"))
                        }
                        Err(e) => Chore::Error(e.to_string()),
                    }
                });
            }
            Action::Notify(text) => self.notify(text),
            Action::NotifyError(text) => self.notify_error(text),
        }
    }

    /// Submits the compose form, if nothing stands in the way. The same request again within
    /// a few seconds (a double-click, a repeated Ctrl+Enter) asks first.
    fn generate(&mut self, again: bool) {
        self.generate_tried = true;
        // What is sent is what the form shows: a value still being typed is committed first,
        // through the field's own code (as Enter would), and the send follows on the next frame.
        if let Some(pending) = super::widgets::pending(&self.ctx) {
            if let Some(problem) = &pending.problem {
                self.notify_error(tr!(
                    self.tr(),
                    "app-not-sent-typed",
                    field = pending.field.as_str(),
                    text = pending.text.as_str(),
                    problem = problem.as_str()
                ));
                return;
            }
            super::widgets::commit_pending(&self.ctx);
            self.after_commit.push(if again {
                Action::GenerateAgain
            } else {
                Action::Generate
            });
            self.ctx.request_repaint();
            return;
        }
        let blockers = self.generate_blockers();
        if let Some(first) = blockers.first() {
            self.notify_error(format!("Not sent: {first}"));
            return;
        }
        // A random seed is drawn per send, so it is left out of the comparison.
        let fingerprint = serde_json::to_string(&self.draft.to_request(0)).unwrap_or_default();
        let recent = self
            .last_sent
            .as_ref()
            .is_some_and(|(f, sent)| *f == fingerprint && sent.at.elapsed() < SAME_REQUEST_WINDOW);
        if recent && !again {
            self.confirm = Some(Confirm::SendAgain);
            return;
        }
        let request = self.draft.to_request(random_seed());
        let sent = Sent::of(&request, self.settings.rates.estimate_request(&request));
        let mut submission = Submission {
            rate_micro_usd: Some(self.settings.rates.per_image_micro_usd(request.model)),
            made_from: self.draft.made_from(),
            request,
        };
        if submission
            .request
            .image_urls
            .iter()
            .any(|u| crate::core::hosting::local_file(u).is_some())
        {
            // Files become links first (prepared, uploaded); the send follows when they are.
            let Some(host) = self.reference_host() else {
                self.notify_error(self.tr().t("app-no-host"));
                return;
            };
            let http = match crate::core::hosting::upload_client() {
                Ok(c) => c,
                Err(e) => {
                    self.notify_error(format!("Not sent: {e}"));
                    return;
                }
            };
            self.preparing = true;
            self.last_sent = Some((fingerprint, sent));
            self.generate_tried = false;
            let flatten_onto = self.settings.flatten_onto;
            let stages = Arc::clone(&self.stages);
            stages
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clear();
            let waker = self.ctx.clone();
            let told: crate::core::hosting::StageTold = Arc::new(move |index, name, stage| {
                stages
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .insert(index, (name.to_owned(), stage));
                waker.request_repaint();
            });
            self.chore(async move {
                let options = crate::core::preflight::Options { flatten_onto };
                match crate::core::hosting::host_local_references(
                    &mut submission.request,
                    &host,
                    &http,
                    options,
                    told,
                )
                .await
                {
                    Ok(_) => Chore::Hosted(Box::new(submission)),
                    Err(e) => Chore::NotHosted(format!("Not sent: {e}")),
                }
            });
            return;
        }
        if self.send(Command::Submit(Box::new(submission))) {
            self.last_sent = Some((fingerprint, sent));
            self.generate_tried = false;
        }
    }

    /// Where this connection's local references are uploaded: the sandbox's own hosting, or the
    /// bucket set up in Settings.
    fn reference_host(&self) -> Option<crate::core::hosting::ReferenceHost> {
        let Connection::Ready(b) = &self.conn else {
            return None;
        };
        if let Some(sandbox) = &b.sandbox {
            return Some(crate::core::hosting::ReferenceHost::Sandbox {
                base: sandbox.base_url(),
            });
        }
        let settings = self.settings.reference_host.as_ref()?;
        let secret = self.storage_secret.as_ref()?;
        crate::core::hosting::S3Host::new(settings, secret.expose())
            .ok()
            .map(|h| crate::core::hosting::ReferenceHost::S3(Box::new(h)))
    }

    /// Settings' Test: uploads a tiny image with these settings and reads it back without
    /// credentials, off the UI thread.
    fn test_host(&mut self, settings: crate::core::hosting::S3Settings, secret: Option<ApiKey>) {
        let Some(secret) = secret.or_else(|| self.storage_secret.clone()) else {
            self.views
                .settings
                .set_test_result(Err(self.tr().t("note-secret-first").to_owned()));
            return;
        };
        let lang = self.language();
        self.chore(async move {
            let tested = async {
                let host = crate::core::hosting::ReferenceHost::S3(Box::new(
                    crate::core::hosting::S3Host::new(&settings, secret.expose())?,
                ));
                host.test(&crate::core::hosting::upload_client()?).await
            };
            Chore::HostTested(tested.await.map_err(|e| e.message().render(lang)))
        });
    }

    /// Keeps the storage secret in its store (the OS keyring), off the UI thread.
    fn save_storage_secret(&mut self, secret: ApiKey) {
        self.storage_secret = Some(secret.clone());
        let store = Arc::clone(&self.cfg.storage_secrets);
        self.chore(async move {
            match tokio::task::spawn_blocking(move || store.store(&secret)).await {
                Ok(Ok(())) => Chore::Done,
                Ok(Err(e)) => Chore::Error(format!(
                    "The storage secret is used for this session but could not be kept: {e}"
                )),
                Err(e) => Chore::Error(format!("The keyring stopped: {e}")),
            }
        });
    }

    fn edit(&mut self, edit: Edit, merge: bool) {
        if !merge {
            let before = self.snapshot();
            self.undo.record(before);
        }
        match edit {
            Edit::SetBoxes { reference, boxes } => {
                if let Some(r) = self.draft.references.get_mut(reference) {
                    r.boxes = boxes;
                }
            }
            Edit::Palette(p) => self.draft.palette = p,
            Edit::PaletteOn(on) => self.draft.palette_on = on,
            Edit::AddReference(r) => self.draft.references.push(r),
            Edit::RemoveReference(i) if i < self.draft.references.len() => {
                self.draft.references.remove(i);
                self.centre = match self.centre.clone() {
                    Centre::Editor { reference } if reference == i => Centre::Gallery,
                    Centre::Editor { reference } if reference > i => Centre::Editor {
                        reference: reference - 1,
                    },
                    other => other,
                };
                self.notify("Reference removed (Ctrl+Z brings it back with its boxes).");
            }
            Edit::MoveReference { from, to }
                if from < self.draft.references.len() && to < self.draft.references.len() =>
            {
                let r = self.draft.references.remove(from);
                self.draft.references.insert(to, r);
                if self.centre == (Centre::Editor { reference: from }) {
                    self.centre = Centre::Editor { reference: to };
                }
            }
            Edit::RemoveReference(_) | Edit::MoveReference { .. } => {}
        }
    }

    /// Adds a reference by link, or says why it cannot be used.
    fn add_reference(&mut self, url: &str, label: Option<String>) {
        self.add_reference_from(url, label, None);
    }

    /// Adds a reference; `from_result` names the earlier result it is, for the new job's lineage.
    fn add_reference_from(
        &mut self,
        url: &str,
        label: Option<String>,
        from_result: Option<(String, u32)>,
    ) {
        let url = url.trim();
        if self.draft.references.len() >= MAX_REFERENCES {
            self.notify_error(tr!(self.tr(), "app-references-full", max = MAX_REFERENCES));
            return;
        }
        // A result's local copy (its link has expired) comes as a file:// reference.
        if crate::core::hosting::local_file(url).is_none()
            && let Some(why) = reference_url_problem(url)
        {
            self.notify_error(tr!(self.tr(), "app-bad-link", why = Arg::English(why)));
            return;
        }
        let label = label.unwrap_or_else(|| label_for_url(url));
        let mut reference = Reference::new(url, label);
        reference.from_result = from_result;
        self.edit(Edit::AddReference(reference), false);
    }

    /// Adds files on this computer as references. A PNG is looked at first (off the UI thread): one
    /// Wan Studio made asks whether to use it as a reference or restore its settings.
    fn add_reference_files(&mut self, paths: Vec<PathBuf>) {
        let (pngs, others): (Vec<PathBuf>, Vec<PathBuf>) = paths
            .into_iter()
            .partition(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("png")));
        self.add_files_now(others);
        if pngs.is_empty() {
            return;
        }
        self.chore(async move {
            let looked = tokio::task::spawn_blocking(move || {
                pngs.into_iter()
                    .map(|p| {
                        let made = std::fs::read(&p)
                            .ok()
                            .and_then(|b| crate::core::library::made_here(&b));
                        (p, made)
                    })
                    .collect::<Vec<_>>()
            })
            .await;
            match looked {
                Ok(files) => Chore::LookedAt(files),
                Err(e) => Chore::Error(format!("The files could not be looked at: {e}")),
            }
        });
    }

    /// Adds files as references, one undo step each; they are prepared (and anything that cannot
    /// be sent is said on their card) as they load.
    fn add_files_now(&mut self, paths: Vec<PathBuf>) {
        for path in paths {
            if self.draft.references.len() >= MAX_REFERENCES {
                self.notify_error(tr!(
                    self.tr(),
                    "app-reference-not-added",
                    max = MAX_REFERENCES,
                    file = path.display().to_string()
                ));
                continue;
            }
            let Some(url) = crate::core::hosting::file_reference(&path) else {
                self.notify_error(format!(
                    "{} is not a file path this system understands.",
                    path.display()
                ));
                continue;
            };
            let label = path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            self.edit(Edit::AddReference(Reference::new(url, label)), false);
        }
    }

    fn step_viewer(&mut self, step: i64) {
        let Centre::Viewer(key) = &self.centre else {
            return;
        };
        let Some(at) = self.jobs.tile_of(key) else {
            return;
        };
        let next = i64::try_from(at).unwrap_or(0) + step;
        if let Some(k) = usize::try_from(next).ok().and_then(|n| self.jobs.key_at(n)) {
            self.centre = Centre::Viewer(k);
        }
    }

    fn ask_retry(&mut self, job_id: &str) {
        let Some(job) = self.jobs.get(job_id) else {
            return;
        };
        let est = self
            .settings
            .rates
            .estimate(job.request.model, u32::try_from(job.request.n).unwrap_or(1));
        let tr = self.tr();
        let target = self.server().map_or_else(
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
        let charge = tr.of(match job.state {
            JobState::NotSent => {
                "The earlier attempt never left this machine: nothing was charged for it."
            }
            JobState::Refused => {
                "The earlier attempt was refused by the API: nothing was charged for it."
            }
            JobState::Failed => "The earlier task failed, and failed tasks are refunded.",
            _ => {
                "The earlier request may have reached the server: if it did, you may be charged twice."
            }
        });
        self.confirm = Some(Confirm::Retry {
            job_id: job_id.to_owned(),
            body: format!("{what}\n\n{charge}"),
        });
    }

    fn ask_delete(&mut self, job_id: &str) {
        let Some(job) = self.jobs.get(job_id) else {
            return;
        };
        let n = job.results.len();
        let label = format!(
            "\"{}\" — {n} image{}.",
            job.request.prompt_excerpt(60),
            if n == 1 { "" } else { "s" }
        );
        self.confirm = Some(Confirm::Delete {
            job_id: job_id.to_owned(),
            label,
        });
    }

    fn use_as_reference(&mut self, key: &ResultKey) {
        let Some(job) = self.jobs.get(&key.job_id) else {
            return;
        };
        match result_link(job, key.index) {
            Ok(url) => {
                self.add_reference_from(
                    &url,
                    Some(format!("result {}", key.index + 1)),
                    Some((key.job_id.clone(), key.index)),
                );
                self.notify("Added as a reference.");
            }
            Err(why) => self.notify_error(why),
        }
    }

    /// Restores the whole compose form from a job, seed included (undo brings back its references
    /// and palette).
    fn reuse_settings(&mut self, job_id: &str) {
        let Some(job) = self.jobs.get(job_id) else {
            return;
        };
        let request = job.request.clone();
        let made_from = job.made_from.clone();
        let siblings = job.results.len();
        self.restore_form(&request);
        if siblings > 1 {
            // One image of several: what comes back is the whole request that made them all.
            let seed = request.seed.map_or_else(
                || self.tr().t("viewer-seed-random").to_owned(),
                |s| s.to_string(),
            );
            let text = tr!(self.tr(), "app-restored-whole", n = request.n, seed = seed);
            self.notify(text);
        } else {
            self.notify("Settings restored, seed included.");
        }
        // The chain goes on: references that were earlier results still are.
        for parent in made_from {
            if let Some(r) = usize::try_from(parent.slot)
                .ok()
                .and_then(|slot| self.draft.references.get_mut(slot))
            {
                r.from_result = Some((parent.job_id, parent.index));
            }
        }
    }

    /// Restores the whole compose form from a request, seed included (one undo step), and says so.
    fn restore_settings(&mut self, request: &crate::core::request::GenerationRequest) {
        self.restore_form(request);
        self.notify("Settings restored, seed included.");
    }

    /// Restores the whole compose form from a request, seed included (one undo step).
    fn restore_form(&mut self, request: &crate::core::request::GenerationRequest) {
        let form = Draft::from_request(request);
        let before = self.snapshot();
        self.undo.record(before);
        self.draft = form;
        if matches!(self.centre, Centre::Editor { .. }) {
            self.centre = Centre::Gallery;
        }
    }

    fn export(&mut self, items: Vec<ResultKey>, dest: ExportDest) {
        let items = items.into_iter().map(|k| (k.job_id, k.index)).collect();
        self.send(Command::Export { items, dest });
    }

    /// A native dialog where one can open; the path field (saying why) where none can.
    fn ask_path(&mut self, purpose: PathPurpose) {
        let start = if purpose == PathPurpose::References {
            directories::UserDirs::new()
                .and_then(|d| d.picture_dir().map(std::path::Path::to_path_buf))
                .or_else(|| directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf()))
                .unwrap_or_else(|| self.export_dir())
        } else {
            self.export_dir()
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
            _ => None,
        };
        if let Some(why) = self.cfg.picker.unavailable() {
            let suggested = file_name.map_or(start.clone(), |n| start.join(n));
            self.path_prompt = Some(PathPrompt::new(purpose, &suggested, why));
            return;
        }
        let picker = Arc::clone(&self.cfg.picker);
        self.chore(async move {
            match tokio::task::spawn_blocking(move || {
                dialogs::pick(&picker, purpose, &start, file_name)
            })
            .await
            {
                Ok(answer) => Chore::Picked(answer),
                Err(e) => Chore::Error(format!("The file dialog stopped: {e}")),
            }
        });
    }

    fn answered(&mut self, purpose: PathPurpose, path: PathBuf) {
        match purpose {
            PathPurpose::ExportFolder(items) => self.export(items, ExportDest::Folder(path)),
            // A path typed in the field: nothing asked before replacing, so nothing is replaced.
            PathPurpose::ExportFile(key) => self.export(vec![key], ExportDest::NewFile(path)),
            PathPurpose::SettingsExportDir => self.views.settings.set_export_dir(&path),
            PathPurpose::References => self.add_reference_files(vec![path]),
            // Typed in the path field: nothing asked before replacing, so nothing is replaced.
            PathPurpose::Sheet(job_id) => self.export_sheet(&job_id, path, false),
        }
    }

    /// The library changed under a filtered gallery: ask again (a finished job may now match).
    fn refresh_search(&mut self) {
        if self.jobs.query.has_text() {
            self.ask_text_hits();
        }
    }

    /// Asks the library's index which jobs hold the query's words. One search is in flight at a
    /// time: words typed meanwhile are asked for when it answers (a burst of keys costs one more
    /// search, not one each, and the engine's queue never fills with stale ones).
    fn ask_text_hits(&mut self) {
        self.search_generation += 1;
        if self.search_in_flight {
            return;
        }
        let generation = self.search_generation;
        let text = self.jobs.query.words();
        self.search_in_flight = self.send(Command::Search { text, generation });
    }

    /// Draws a series' storyboard sheet and writes it, off the UI thread.
    fn export_sheet(&mut self, job_id: &str, path: PathBuf, replace: bool) {
        let Some(job) = self.jobs.get(job_id).cloned() else {
            return;
        };
        self.chore(async move {
            let written = tokio::task::spawn_blocking(move || {
                crate::core::storyboard::export_sheet(&job, &path, replace).map(|()| path)
            })
            .await;
            match written {
                Ok(Ok(path)) => {
                    Chore::Notice(format!("Storyboard sheet saved as {}.", path.display()))
                }
                Ok(Err(e)) => Chore::Error(format!("The sheet was not saved: {e}")),
                Err(e) => Chore::Error(format!("The sheet was not saved: {e}")),
            }
        });
    }

    /// The gallery's query changed. Filters are applied in memory at once; words are asked of
    /// the library's index (off the UI thread), and its answer narrows the tiles when it comes
    /// (the last answer stays meanwhile).
    fn search(&mut self) {
        let query = self.views.gallery.query.clone();
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
            self.search_generation += 1;
            self.answered_search = self.search_generation;
            self.jobs.hits = None;
            self.jobs.refilter();
            return;
        }
        if words_changed {
            self.ask_text_hits();
        }
        if filters_changed {
            self.jobs.refilter();
        }
    }

    /// Takes a palette from an image off the UI thread: 5 dominant colours and their shares.
    fn palette_from(&mut self, source: &PaletteSource) {
        let (path, url) = match source {
            PaletteSource::Result(key) => match self.jobs.result(key) {
                Some((_, r)) => (Some(r.path.clone()), None),
                None => return,
            },
            PaletteSource::Reference(i) => match self.draft.references.get(*i) {
                Some(r) => match crate::core::hosting::local_file(&r.url) {
                    Some(p) => (Some(p), None),
                    None => (None, Some(r.url.clone())),
                },
                None => return,
            },
        };
        self.chore(async move {
            let bytes = match (path, url) {
                (Some(path), _) => tokio::fs::read(&path)
                    .await
                    .map_err(|e| format!("{} could not be read: {e}", path.display())),
                (None, Some(url)) => fetch(&url).await,
                (None, None) => Err("no image".to_owned()),
            };
            let palette = match bytes {
                Ok(bytes) => tokio::task::spawn_blocking(move || {
                    let img =
                        crate::core::imaging::decode_limited(&bytes).map_err(|e| e.to_string())?;
                    crate::core::dominant::dominant_palette(&img, 5)
                        .ok_or_else(|| "the image has no opaque pixel".to_owned())
                })
                .await
                .unwrap_or_else(|e| Err(e.to_string())),
                Err(e) => Err(e),
            };
            match palette {
                Ok(p) => Chore::Palette(p),
                Err(e) => Chore::Error(format!("No palette was taken: {e}")),
            }
        });
    }

    fn copy_image(&mut self, key: &ResultKey) {
        match self.textures.peek(&TexKey::Full(key.clone())) {
            Some(TexState::Ready {
                pixels: Some(px), ..
            }) => {
                let (w, h) = px.dimensions();
                let image =
                    egui::ColorImage::from_rgba_unmultiplied([w as usize, h as usize], px.as_raw());
                self.ctx.copy_image(image);
                self.notify("Copied to the clipboard.");
            }
            _ => self.notify_error("The image is still loading; try again in a moment."),
        }
    }

    /// Checks a new key with the API (free), keeps it where it can be kept, and connects with it.
    fn save_key(&mut self, key: ApiKey) {
        let store = Arc::clone(&self.cfg.key_store);
        let base_url = self
            .cfg
            .env_base_url
            .clone()
            .unwrap_or_else(|| self.settings.base_url());
        self.notify("Checking the key…");
        self.chore(async move {
            let host = base_url.host_str().unwrap_or("reAPI").to_owned();
            let check = match ApiClient::new(ClientConfig::new(base_url, Some(key.clone()))) {
                Ok(client) => client.check_key().await,
                Err(e) => KeyCheck::Unknown(e.to_string()),
            };
            let mut notes = Vec::new();
            match check {
                KeyCheck::Refused(why) => {
                    return Chore::Error(format!(
                        "{host} refused this key ({why}); it was not saved."
                    ));
                }
                KeyCheck::Accepted => notes.push((format!("{host} accepted the key."), false)),
                KeyCheck::Unknown(why) => notes.push((
                    format!("The key could not be checked ({why}); it is used anyway."),
                    true,
                )),
            }
            let saved = key.clone();
            let source = match tokio::task::spawn_blocking(move || store.store(&saved)).await {
                Ok(Ok(())) => KeySource::Keyring,
                Ok(Err(KeyStoreError::Unavailable(_))) => {
                    notes.push((
                        "No keyring here: the key is held for this session only.".to_owned(),
                        true,
                    ));
                    KeySource::Session
                }
                Ok(Err(e)) => {
                    notes.push((format!("{e}; the key is held for this session only."), true));
                    KeySource::Session
                }
                Err(e) => {
                    notes.push((e.to_string(), true));
                    KeySource::Session
                }
            };
            Chore::KeyChosen {
                key: Some(key),
                source,
                notes,
            }
        });
    }

    /// Forgets the key (from the keyring too, where there is one) and goes back to Sandbox mode,
    /// whatever the keyring says.
    fn forget_key(&mut self) {
        let store = Arc::clone(&self.cfg.key_store);
        let from_keyring = self.key.source == KeySource::Keyring;
        self.chore(async move {
            let mut notes = vec![("Key forgotten. Back to Sandbox mode.".to_owned(), false)];
            if from_keyring {
                match tokio::task::spawn_blocking(move || store.forget()).await {
                    Ok(Ok(()) | Err(KeyStoreError::Unavailable(_))) => {}
                    Ok(Err(e)) => notes.push((
                        format!("It could not be removed from the keyring: {e}"),
                        true,
                    )),
                    Err(e) => notes.push((e.to_string(), true)),
                }
            }
            Chore::KeyChosen {
                key: None,
                source: KeySource::None,
                notes,
            }
        });
    }

    /// The eyedropper and the named palettes.
    fn palette_action(&mut self, action: Action) {
        match action {
            Action::Eyedropper(swatch) => {
                self.picking = swatch;
                if let Some(i) = swatch {
                    self.picking_target = i;
                }
            }
            Action::PickColour { swatch, rgb } => self.pick_colour(swatch, rgb),
            Action::SavePalette(name) => self.save_palette(&name),
            Action::LoadPalette(name) => {
                if let Some(p) = self.palettes.get(&name).cloned() {
                    self.set_palette(p);
                    self.notify(tr!(self.tr(), "app-palette-loaded", name = &name));
                }
            }
            Action::DeletePalette(name) if self.palettes.remove(&name) => {
                self.save_palettes();
                self.notify(tr!(self.tr(), "app-palette-deleted", name = &name));
            }
            _ => {}
        }
    }

    /// Stars or rates a result: in the gallery at once (nothing moves), then in the journal.
    fn mark(&mut self, key: ResultKey, favourite: Option<bool>, rating: Option<u8>) {
        self.jobs.mark(&key, favourite, rating);
        if let Some(on) = favourite {
            self.send(Command::Favourite {
                job_id: key.job_id.clone(),
                index: key.index,
                on,
            });
        }
        if let Some(rating) = rating {
            self.send(Command::Rate {
                job_id: key.job_id,
                index: key.index,
                rating,
            });
        }
    }

    /// Puts a palette in the form and turns the palette on: one undo step.
    fn set_palette(&mut self, palette: Palette) {
        self.edit(Edit::Palette(palette), false);
        if !self.draft.palette_on {
            self.edit(Edit::PaletteOn(true), true);
        }
    }

    /// The eyedropper's colour into one colour of the palette (turned on if it was off): one undo
    /// step. The eyedropper stays armed for the next pick.
    fn pick_colour(&mut self, swatch: usize, rgb: [u8; 3]) {
        if let Some(why) = self.draft.why_no_palette() {
            self.picking = None;
            self.notify_error(why);
            return;
        }
        let mut next = self.draft.palette.clone();
        let swatch = swatch.min(next.len().saturating_sub(1));
        if let Err(e) = next.set_colour(swatch, rgb) {
            self.notify_error(format!("Colour palette: {e}."));
            return;
        }
        self.set_palette(next);
        self.picking_target = swatch;
        self.notify(format!(
            "Colour {} is now #{:02X}{:02X}{:02X}.",
            swatch + 1,
            rgb[0],
            rgb[1],
            rgb[2]
        ));
    }

    /// Keeps the form's palette under `name`, then writes the list off the UI thread.
    fn save_palette(&mut self, name: &str) {
        match self.palettes.put(name, self.draft.palette.clone()) {
            Ok(replaced) => {
                self.save_palettes();
                let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
                self.notify(if replaced {
                    tr!(self.tr(), "app-palette-replaced", name = &name)
                } else {
                    tr!(self.tr(), "app-palette-saved", name = &name)
                });
            }
            Err(e) => self.notify_error(format!("The palette was not saved: {e}.")),
        }
    }

    /// Writes the named palettes to disk off the UI thread; a failure becomes a notice.
    fn save_palettes(&mut self) {
        let (palettes, paths) = (self.palettes.clone(), self.cfg.paths.clone());
        self.chore(async move {
            match tokio::task::spawn_blocking(move || palettes.save(&paths)).await {
                Ok(Ok(())) => Chore::Done,
                Ok(Err(e)) => Chore::Error(format!("The palettes could not be saved: {e}")),
                Err(e) => Chore::Error(e.to_string()),
            }
        });
    }

    /// Writes the current settings to disk off the UI thread; a failure becomes a notice.
    fn save_settings(&mut self) {
        let (settings, paths) = (self.settings.clone(), self.cfg.paths.clone());
        self.chore(async move {
            match tokio::task::spawn_blocking(move || settings.save(&paths)).await {
                Ok(Ok(())) => Chore::Done,
                Ok(Err(e)) => Chore::Error(e.to_string()),
                Err(e) => Chore::Error(e.to_string()),
            }
        });
    }

    fn apply_settings(&mut self, new: AppSettings) {
        let reconnect = new.base_url != self.settings.base_url
            && !self
                .server()
                .is_some_and(crate::core::server::Server::is_sandbox);
        theme::apply(&self.ctx, new.theme);
        self.settings = new.clone();
        self.save_settings();
        if reconnect {
            self.start(Some(new), KeyChoice::Stored);
        }
        self.notify("Settings saved.");
    }

    fn handle_chore(&mut self, chore: Chore) {
        match chore {
            Chore::Picked(Picked::Path(purpose, path)) => match purpose {
                // The dialog asked before replacing a file.
                PathPurpose::ExportFile(key) => self.export(vec![key], ExportDest::File(path)),
                PathPurpose::Sheet(job_id) => self.export_sheet(&job_id, path, true),
                other => self.answered(other, path),
            },
            Chore::Picked(Picked::Failed(purpose, suggested, why)) => {
                self.path_prompt = Some(PathPrompt::new(purpose, &suggested, why));
            }
            Chore::Picked(Picked::Files(paths)) => self.add_reference_files(paths),
            Chore::Picked(Picked::Cancelled) | Chore::Done => {}
            Chore::Hosted(submission) => {
                self.preparing = false;
                if !self.send(Command::Submit(submission)) {
                    self.last_sent = None;
                }
            }
            Chore::StorageSecret(secret) => self.storage_secret = secret,
            Chore::Font(found) => self.install_cjk(found),
            Chore::LookedAt(files) => {
                let mut plain = Vec::new();
                for (path, made) in files {
                    match made {
                        // One question at a time; others are added as references.
                        Some(request) if self.confirm.is_none() => {
                            self.confirm = Some(Confirm::MadeHere {
                                path,
                                request: Box::new(request),
                            });
                        }
                        _ => plain.push(path),
                    }
                }
                self.add_files_now(plain);
            }
            Chore::HostTested(result) => self.views.settings.set_test_result(result),
            Chore::NotHosted(why) => {
                self.preparing = false;
                self.last_sent = None;
                self.notify_error(why);
            }
            Chore::KeyChosen { key, source, notes } => {
                for (text, error) in notes {
                    if error {
                        self.notify_error(text);
                    } else {
                        self.notify(text);
                    }
                }
                let settings = self.settings.clone();
                self.start(Some(settings), KeyChoice::Use(key, source));
            }
            Chore::Error(text) => self.notify_error(text),
            Chore::Notice(text) => self.notify(text),
            Chore::Palette(palette) => {
                self.set_palette(palette);
                self.notify("Palette taken from the image: its 5 main colours and their shares.");
            }
            Chore::Repaired(done) => {
                self.notify(format!(
                    "Journal rebuilt from the library: {} jobs, {} results. The damaged one is kept as {}.",
                    done.jobs,
                    done.results,
                    done.kept_as
                        .map_or_else(|| "nothing".to_owned(), |p| p.display().to_string())
                ));
                self.start(None, KeyChoice::Stored);
            }
        }
    }

    fn take_started(&mut self) {
        let Connection::Connecting(rx) = &mut self.conn else {
            return;
        };
        match rx.try_recv() {
            Ok(Ok(started)) => {
                self.conn = Connection::Ready(Box::new(started.backend));
                self.settings = started.settings;
                if let Some(palettes) = started.palettes {
                    self.palettes = palettes;
                }
                self.key = started.key;
                theme::apply(&self.ctx, self.settings.theme);
                for n in started.notices {
                    self.notify_error(n);
                }
                self.send(Command::Resume);
                self.send(Command::ListJobs {
                    recent: crate::ui::queue::RECENT,
                });
                // The sandbox's ledger and the API's are apart: the budget waits for this one's.
                self.jobs.spend = None;
                self.send(Command::Spend);
                // The sandbox's links may have changed port: load references anew.
                self.textures.forget_references();
            }
            Ok(Err(e)) => self.conn = Connection::Failed(e),
            Err(oneshot::error::TryRecvError::Empty) => {}
            Err(oneshot::error::TryRecvError::Closed) => {
                // The first placeholder, before `start` ran, or a startup task that died.
                if !matches!(self.conn, Connection::Ready(_)) {
                    self.conn = Connection::Failed("the startup task stopped".to_owned());
                }
            }
        }
    }

    /// The viewer and the storyboard draw a job whole: ask for its record once if it is not held.
    fn ask_centre_details(&mut self) {
        let job_id = match &self.centre {
            Centre::Viewer(key) => &key.job_id,
            Centre::Storyboard(job_id) => job_id,
            Centre::Gallery | Centre::Editor { .. } => return,
        };
        if self.is_ready() && self.jobs.wants(job_id) {
            let job_id = job_id.clone();
            self.send(Command::Details { job_id });
        }
    }

    fn drain(&mut self) {
        let mut events = Vec::new();
        if let Connection::Ready(b) = &mut self.conn {
            while let Ok(ev) = b.events.try_recv() {
                events.push(ev);
            }
        }
        for ev in events {
            self.handle_event(ev);
        }
        while let Ok(loaded) = self.loaded.try_recv() {
            if let (TexKey::Reference(url), Ok((img, _))) = (&loaded.key, &loaded.result) {
                for r in self.draft.references.iter_mut().filter(|r| r.url == *url) {
                    r.dims = Some(img.source_dims);
                    r.note.clone_from(&img.note);
                }
            }
            self.textures.loaded(&self.ctx, loaded);
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

    /// Applies one engine event.
    pub fn handle_event(&mut self, event: Event) {
        match event {
            Event::Library { shelf, live, older } => {
                self.jobs.replace(shelf, live, older);
                self.refresh_search();
            }
            Event::TextHits { generation, jobs } => {
                self.search_in_flight = false;
                if generation != self.search_generation {
                    // Words were typed since: ask for them now (unless they were cleared).
                    if self.jobs.query.has_text() {
                        self.search_generation -= 1;
                        self.ask_text_hits();
                    }
                    return;
                }
                self.answered_search = generation;
                match jobs {
                    Ok(jobs) => self.jobs.hits = Some(Hits::new(&jobs)),
                    Err(e) => self.notify_error(format!("The library could not be searched: {e}")),
                }
                self.jobs.refilter();
            }
            Event::Spend(spend) => self.jobs.spend = Some(spend),
            Event::Lineage {
                job_id,
                made_from,
                used_in,
            } => {
                self.jobs
                    .lineage
                    .insert(job_id, crate::ui::cx::Lineage { made_from, used_in });
            }
            Event::Download {
                job_id,
                index,
                progress,
                ..
            } => {
                self.jobs.downloads.insert(job_id, (index, progress));
            }
            Event::Job(job) => {
                if job.state != JobState::Downloading {
                    self.jobs.downloads.remove(&job.id);
                }
                let job = *job;
                let job_id = job.id.clone();
                let was = self.jobs.get(&job.id).map(|j| j.state);
                let before = was.is_some() || self.jobs.shelved(&job.id).is_some();
                // A completed task is what costs: the month's spend changes.
                let billed = matches!(job.state, JobState::Downloading | JobState::Completed)
                    && !matches!(was, Some(JobState::Downloading | JobState::Completed));
                let new_parent = !job.made_from.is_empty() && !before;
                self.jobs.upsert(job);
                // Actions that waited for this job's whole record.
                let ready: Vec<Action> = self
                    .waiting
                    .extract_if(.., |a| needs_job(a) == Some(job_id.as_str()))
                    .collect();
                for action in ready {
                    self.handle(action);
                }
                if billed {
                    self.send(Command::Spend);
                }
                if new_parent {
                    // Parents' "Used in" changed.
                    self.jobs.lineage.clear();
                    if let Centre::Viewer(k) = &self.centre {
                        let job_id = k.job_id.clone();
                        self.send(Command::Lineage { job_id });
                    }
                }
                self.refresh_search();
            }
            Event::Removed { job_id } => {
                self.jobs.remove(&job_id);
                self.waiting
                    .retain(|a| needs_job(a) != Some(job_id.as_str()));
                self.refresh_search();
                self.views.gallery.forget_job(&job_id);
                self.textures.forget_job(&job_id);
                if matches!(&self.centre, Centre::Viewer(k) if k.job_id == job_id) {
                    self.handle(Action::ShowGallery);
                }
            }
            Event::Notice(text) => self.notify_error(text),
            Event::Thumbnail {
                job_id,
                index,
                image,
            } => {
                let key = TexKey::Thumb(ResultKey::new(job_id, index));
                self.textures.insert(&self.ctx, key, &image);
            }
            Event::Exported { paths } => {
                let where_ = paths
                    .first()
                    .and_then(|p| p.parent())
                    .map(|d| d.display().to_string())
                    .unwrap_or_default();
                let n = paths.len();
                self.notify(tr!(self.tr(), "app-exported", n = n, folder = where_));
            }
        }
    }

    /// Saves the compose form a moment after it changed (atomically, off the UI thread), so a
    /// crash loses at most that moment.
    fn autosave(&mut self) {
        if self.draft == self.saver.saved {
            self.saver.changed_at = None;
            return;
        }
        let changed = *self.saver.changed_at.get_or_insert_with(Instant::now);
        let left = DRAFT_SAVE_DELAY.saturating_sub(changed.elapsed());
        if !left.is_zero() {
            self.ctx.request_repaint_after(left);
            return;
        }
        let (draft, paths) = (self.draft.clone(), self.cfg.paths.clone());
        self.saver.saved = draft.clone();
        self.saver.changed_at = None;
        self.chore(async move {
            match tokio::task::spawn_blocking(move || draft.save(&paths)).await {
                Ok(Ok(())) => Chore::Done,
                Ok(Err(e)) => Chore::Error(format!("The compose form could not be saved: {e}")),
                Err(e) => Chore::Error(e.to_string()),
            }
        });
    }

    /// Whether an input method is composing text in a field (from its preedit, until it commits
    /// or clears), this frame included.
    fn track_composition(&mut self, ctx: &egui::Context) -> bool {
        let mut during = self.ime == Ime::Composing;
        ctx.input(|i| {
            for event in &i.events {
                if let egui::Event::Ime(ime) = event {
                    match ime {
                        egui::ImeEvent::Preedit { text, .. } if !text.is_empty() => {
                            self.ime = Ime::Composing;
                            during = true;
                        }
                        egui::ImeEvent::Preedit { .. } | egui::ImeEvent::Commit(_) => {
                            self.ime = Ime::Idle;
                        }
                        _ => {}
                    }
                }
            }
        });
        if !ctx.egui_wants_keyboard_input() {
            self.ime = Ime::Idle;
        }
        during
    }

    fn shortcuts(&mut self, ctx: &egui::Context, out: &mut Vec<Action>) {
        use egui::{Key, KeyboardShortcut, Modifiers};
        let generate = KeyboardShortcut::new(Modifiers::COMMAND, Key::Enter);
        let modal_open = self.confirm.is_some() || self.path_prompt.is_some();
        // An input method's Enter confirms its composition; it never generates.
        let composing = self.track_composition(ctx);
        if !modal_open && !composing && ctx.input_mut(|i| i.consume_shortcut(&generate)) {
            out.push(Action::Generate);
        }
        if ctx.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Escape)) {
            if self.confirm.is_some() {
                self.confirm = None;
            } else if self.path_prompt.is_some() {
                self.path_prompt = None;
            } else if self.about.is_some() {
                self.about = None;
            } else if self.views.settings.is_open() {
                self.views.settings.close();
            } else if self.picking.is_some() {
                self.picking = None;
            } else if !self.views.viewer.leave_full() && self.centre != Centre::Gallery {
                out.push(Action::ShowGallery);
            }
        }
        // Files dropped on the window become references, wherever they land.
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .filter(|p| p.is_absolute())
                .collect()
        });
        if !dropped.is_empty() {
            out.push(Action::AddReferenceFiles(dropped));
        }
        // Text fields keep their own undo (and their own paste).
        if ctx.egui_wants_keyboard_input() || modal_open {
            return;
        }
        let pasted: Vec<egui::Event> = ctx.input(|i| {
            i.events
                .iter()
                .filter(|e| matches!(e, egui::Event::Paste(_) | egui::Event::PasteImage(_)))
                .cloned()
                .collect()
        });
        for event in pasted {
            match event {
                egui::Event::Paste(text) => Self::pasted_text(&text, out),
                egui::Event::PasteImage(image) => self.pasted_image(&image),
                _ => {}
            }
        }

        let redo = KeyboardShortcut::new(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z);
        let redo_y = KeyboardShortcut::new(Modifiers::COMMAND, Key::Y);
        let undo = KeyboardShortcut::new(Modifiers::COMMAND, Key::Z);
        if ctx.input_mut(|i| i.consume_shortcut(&redo) || i.consume_shortcut(&redo_y)) {
            out.push(Action::Redo);
        } else if ctx.input_mut(|i| i.consume_shortcut(&undo)) {
            out.push(Action::Undo);
        }
    }

    /// Ctrl+V of text outside a text field: an image link, or files copied in a file manager
    /// (`file://` lines or plain paths), become references.
    fn pasted_text(text: &str, out: &mut Vec<Action>) {
        let mut files = Vec::new();
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if line.starts_with("https://") || line.starts_with("http://") {
                out.push(Action::AddReferenceUrl {
                    url: line.to_owned(),
                    label: None,
                });
            } else if let Some(path) = crate::core::hosting::local_file(line)
                .or_else(|| Some(PathBuf::from(line)).filter(|p| p.is_absolute()))
            {
                files.push(path);
            }
        }
        if !files.is_empty() {
            out.push(Action::AddReferenceFiles(files));
        }
    }

    /// Ctrl+V of an image (a screenshot, an image copied in a browser): kept as a PNG in the data
    /// folder (off the UI thread), then added like a file.
    fn pasted_image(&mut self, image: &egui::ColorImage) {
        let [w, h] = image.size;
        let rgba: Vec<u8> = image
            .pixels
            .iter()
            .flat_map(egui::Color32::to_srgba_unmultiplied)
            .collect();
        let dir = self.cfg.paths.home.join("pasted");
        self.chore(async move {
            let saved = tokio::task::spawn_blocking(move || {
                let (w, h) = (u32::try_from(w).ok()?, u32::try_from(h).ok()?);
                let img = image::RgbaImage::from_raw(w, h, rgba)?;
                let bytes = crate::core::imaging::encode_png(&img, &[]).ok()?;
                let name = crate::core::hosting::object_name(&bytes, image::ImageFormat::Png);
                let path = dir.join(format!("pasted-{}", &name[..16]) + ".png");
                std::fs::create_dir_all(&dir).ok()?;
                crate::core::imaging::write_atomic(&path, &bytes).ok()?;
                Some(path)
            })
            .await;
            match saved {
                Ok(Some(path)) => Chore::Picked(Picked::Files(vec![path])),
                _ => Chore::Error(
                    "The pasted image could not be kept in the data folder.".to_owned(),
                ),
            }
        });
    }

    fn top_bar_ui(&mut self, ui: &mut egui::Ui, out: &mut Vec<Action>) {
        ui.horizontal(|ui| {
            let tr = self.tr();
            panel_toggle(ui, tr, self.settings.panels.compose, true, out);
            ui.heading("Wan Studio");
            ui.separator();
            match &self.conn {
                Connection::Ready(b) if b.server.is_sandbox() => {
                    theme::badge(ui, tr.t("app-sandbox-badge"), theme::SANDBOX)
                        .on_hover_text(tr.t("app-sandbox-tip"));
                }
                Connection::Ready(b) => {
                    theme::badge(
                        ui,
                        &tr!(tr, "app-live", server = b.server.label()),
                        theme::LIVE,
                    )
                    .on_hover_text(tr.t("app-live-tip"));
                }
                Connection::Failed(_) => {
                    theme::badge(ui, tr.t("app-not-connected-badge"), theme::ERROR);
                }
                Connection::Connecting(_) => {
                    ui.spinner();
                    ui.label(tr.t("app-connecting"));
                }
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                panel_toggle(ui, tr, self.settings.panels.queue, false, out);
                if ui
                    .button(tr.t("app-settings"))
                    .on_hover_text(tr.t("app-settings-tip"))
                    .clicked()
                {
                    out.push(Action::OpenSettings);
                }
                let dark = ui.visuals().dark_mode;
                let (icon, tip) = if dark {
                    ("☀", tr.t("app-light-theme"))
                } else {
                    ("🌙", tr.t("app-dark-theme"))
                };
                if named_button(ui, true, egui::Button::new(icon), tip)
                    .on_hover_text(tip)
                    .clicked()
                {
                    out.push(Action::ToggleTheme);
                }
                if named_button(ui, true, egui::Button::new("ℹ"), tr.t("app-about"))
                    .on_hover_text(tr.t("app-about-tip"))
                    .clicked()
                {
                    out.push(Action::OpenAbout);
                }
            });
        });
    }

    fn notices_ui(&mut self, ctx: &egui::Context) {
        let now = Instant::now();
        self.notices.retain(|n| n.until > now && !n.text.is_empty());
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
                    let (fill, text) = if n.error {
                        (theme::ERROR, egui::Color32::WHITE)
                    } else {
                        (ui.visuals().extreme_bg_color, ui.visuals().text_color())
                    };
                    egui::Frame::popup(ui.style()).fill(fill).show(ui, |ui| {
                        ui.horizontal(|ui| {
                            ui.add(
                                egui::Label::new(egui::RichText::new(&n.text).color(text))
                                    .wrap()
                                    .selectable(true),
                            );
                            if named_button(
                                ui,
                                true,
                                egui::Button::new("✖").small(),
                                self.tr().t("app-dismiss"),
                            )
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
}

/// The ⏴/⏵ button that opens or collapses the compose panel (left) or the queue (right); the
/// arrow points the way the panel will go.
fn panel_toggle(ui: &mut egui::Ui, tr: Tr, open: bool, compose: bool, out: &mut Vec<Action>) {
    let name = match (open, compose) {
        (true, true) => tr.t("app-hide-compose"),
        (false, true) => tr.t("app-show-compose"),
        (true, false) => tr.t("app-hide-queue"),
        (false, false) => tr.t("app-show-queue"),
    };
    let face = if open == compose { "⏴" } else { "⏵" };
    if named_button(ui, true, egui::Button::new(face), name)
        .on_hover_text(name)
        .clicked()
    {
        out.push(Action::TogglePanel { compose });
    }
}

/// The job whose whole record an action needs (the gallery holds less), if any.
fn needs_job(action: &Action) -> Option<&str> {
    match action {
        Action::AskRetry(id)
        | Action::AskDelete(id)
        | Action::ReuseSettings(id)
        | Action::ExportSheet(id)
        | Action::Ask(PathPurpose::Sheet(id))
        | Action::Answer(PathPurpose::Sheet(id), _) => Some(id),
        Action::UseAsReference(key)
        | Action::PaletteFrom(PaletteSource::Result(key))
        | Action::Ask(PathPurpose::ExportFile(key)) => Some(&key.job_id),
        _ => None,
    }
}

/// The centre: the reference strip, then the gallery, the editor (with the latest results under
/// it) or the viewer.
fn centre_ui(
    views: &mut Views,
    draft: &Draft,
    ui: &mut egui::Ui,
    cx: &ViewCx<'_>,
    out: &mut Vec<Action>,
) {
    if let ConnState::Failed(err) = cx.conn {
        theme::problem(ui, &tr!(cx.tr, "app-not-connected", why = err.as_str()));
        ui.horizontal(|ui| {
            if ui.button(cx.tr.t("app-try-again")).clicked() {
                out.push(Action::Reconnect);
            }
            if err.contains("is damaged")
                && ui
                    .button(cx.tr.t("app-rebuild-journal"))
                    .on_hover_text(cx.tr.t("app-rebuild-journal-tip"))
                    .clicked()
            {
                out.push(Action::RepairJournal);
            }
        });
        return;
    }
    // A short window's viewer folds the references to one line: the image gets the room.
    let fold = matches!(cx.centre, Centre::Viewer(_)) && ui.available_height() < FOLD_BELOW;
    if !fold {
        views.references.unfolded = false;
    }
    if !(fold && views.references.folded_ui(ui, cx, draft)) {
        views.references.ui(ui, cx, draft, out);
    }
    ui.separator();
    match cx.centre {
        Centre::Gallery => views.gallery.ui(ui, cx, out),
        Centre::Editor { reference } => {
            let strip = STRIP_TILE + 54.0;
            let editor_height = (ui.available_height() - strip).max(200.0);
            ui.allocate_ui(egui::vec2(ui.available_width(), editor_height), |ui| {
                views.editor.ui(ui, cx, draft, *reference, out);
            });
            ui.separator();
            views.gallery.strip_ui(ui, cx, out);
        }
        Centre::Viewer(key) => views.viewer.ui(ui, cx, key, out),
        Centre::Storyboard(job_id) => super::storyboard::ui(ui, cx, job_id, out),
    }
}

async fn startup(
    cfg: AppConfig,
    settings: Option<AppSettings>,
    key: KeyChoice,
    ctx: egui::Context,
) -> Result<Started, String> {
    let mut notices = Vec::new();
    let palettes = if settings.is_some() {
        None
    } else {
        let paths = cfg.paths.clone();
        match tokio::task::spawn_blocking(move || SavedPalettes::load(&paths)).await {
            Ok(Ok(p)) => Some(p),
            Ok(Err(e)) => {
                notices.push(format!("{e}."));
                Some(SavedPalettes::default())
            }
            Err(e) => return Err(e.to_string()),
        }
    };
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
    let (key, source) = if let Some(k) = cfg.env_key.clone() {
        (Some(k), KeySource::Environment)
    } else if let KeyChoice::Use(k, source) = key {
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
    let info = KeyInfo {
        source: if key.is_some() {
            source
        } else {
            KeySource::None
        },
        hint: key.as_ref().map(ApiKey::hint),
        store: cfg.key_store.describe(),
    };
    let base_url = cfg
        .env_base_url
        .clone()
        .unwrap_or_else(|| settings.base_url());
    let mut opts = backend::Options::new(cfg.paths.clone(), key, base_url);
    opts.sandbox_delay = cfg.sandbox_delay;
    opts.sandbox_per_image = cfg.sandbox_per_image;
    opts.poll_interval = cfg.poll_interval;
    opts.retry_base = cfg.retry_base;
    // The window lists the library first thing: read it while the journal is checked.
    opts.shelve_at_open = true;
    let waker: crate::core::engine::Waker = Arc::new(move || ctx.request_repaint());
    let backend = backend::connect(&opts, false, Some(waker))
        .await
        .map_err(|e| e.to_string())?;
    Ok(Started {
        backend,
        settings,
        palettes,
        key: info,
        notices,
    })
}

impl eframe::App for StudioApp {
    fn logic(&mut self, _ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.take_started();
        self.drain();
        self.ask_centre_details();
        self.autosave();
        self.note_missing_font();
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        let mut out = Vec::new();
        self.shortcuts(&ctx, &mut out);
        let bar = egui::Panel::top("top_bar")
            .show(ui, |ui| self.top_bar_ui(ui, &mut out))
            .response
            .rect;
        let below_bar = egui::Rect::from_min_max(
            egui::pos2(ctx.content_rect().min.x, bar.max.y),
            ctx.content_rect().max,
        );
        let problems = self.draft.problems();
        let blockers = self.blockers_given(&problems);
        let conn = self.conn_state();
        let export_dir = self.export_dir();
        let width = ctx.content_rect().width();
        let full_view = self.views.viewer.full && matches!(self.centre, Centre::Viewer(_));
        let preparing = if self.preparing {
            self.stages
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .values()
                .map(|(name, stage)| (name.clone(), stage_text(self.tr(), stage)))
                .collect()
        } else {
            Vec::new()
        };
        let running = {
            // Views read this; the draft is handed to them on its own (the compose panel edits it).
            let cx = ViewCx {
                tr: self.tr(),
                os_language: self.cfg.os_language,
                cjk: &self.cjk,
                jobs: &self.jobs,
                paths: &self.cfg.paths,
                settings: &self.settings,
                conn: &conn,
                key: &self.key,
                textures: &self.textures,
                centre: &self.centre,
                blockers: &blockers,
                problems: &problems,
                generate_tried: self.generate_tried,
                last_sent: self.last_sent.as_ref().map(|(_, sent)| sent),
                export_dir: &export_dir,
                now_ms: now_ms(),
                storage_secret_set: self.storage_secret.is_some(),
                preparing: &preparing,
                dropper: Dropper {
                    armed: self.picking,
                    target: self.picking_target,
                    swatches: self.draft.palette.len(),
                    blocked: self.draft.why_no_palette(),
                },
                palettes: &self.palettes,
                below_bar,
            };
            let views = &mut self.views;
            let draft = &mut self.draft;
            if !full_view && cx.settings.panels.compose {
                egui::Panel::left("compose")
                    .resizable(true)
                    .default_size((width * 0.25).clamp(260.0, 400.0))
                    .min_size(250.0)
                    .max_size((width * 0.32).max(260.0))
                    .show(ui, |ui| views.compose.ui(ui, &cx, draft, &mut out));
            }
            if !full_view && cx.settings.panels.queue {
                egui::Panel::right("queue")
                    .resizable(true)
                    .default_size((width * 0.19).clamp(200.0, 340.0))
                    .min_size(190.0)
                    .max_size((width * 0.24).max(200.0))
                    .show(ui, |ui| views.queue.ui(ui, &cx, &mut out));
            }
            egui::CentralPanel::default_margins().show(ui, |ui| match cx.centre {
                Centre::Viewer(key) if full_view => views.viewer.ui(ui, &cx, key, &mut out),
                _ => centre_ui(views, draft, ui, &cx, &mut out),
            });
            views.settings.ui(&ctx, &cx, &mut out);
            views.spend.ui(&ctx, &cx);
            cx.jobs.live.iter().any(|j| cx.running_here(j))
        };
        let tr = self.tr();
        if let Some(about) = &self.about
            && !dialogs::about_ui(&ctx, tr, about, &mut out)
        {
            self.about = None;
        }
        if let Some(prompt) = &mut self.path_prompt
            && !prompt.ui(&ctx, tr, &mut out)
        {
            self.path_prompt = None;
        }
        if let Some(confirm) = &self.confirm {
            let (answer, open) = dialogs::confirm_ui(&ctx, self.tr(), confirm);
            out.extend(answer);
            if !open {
                self.confirm = None;
            }
        }
        // Sends that waited for a typed field go after what the views did this frame (the
        // field's commit among it).
        out.append(&mut self.after_commit);
        for action in out {
            self.handle(action);
        }
        self.notices_ui(&ctx);
        if running {
            // The queue's elapsed-time counters tick once a second; nothing else animates.
            ctx.request_repaint_after(Duration::from_secs(1));
        }
        self.textures.end_frame();
    }

    fn save(&mut self, _storage: &mut dyn eframe::Storage) {
        // On exit (and eframe's periodic save): the form as it is now, if it changed since.
        if self.draft != self.saver.saved
            && let Err(e) = self.draft.save(&self.cfg.paths)
        {
            tracing::warn!("the compose form could not be saved: {e}");
        }
    }
}
