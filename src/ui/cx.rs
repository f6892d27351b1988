//! What views share: the read-only [`ViewCx`] they draw from, and the one [`Action`] enum through
//! which they ask for anything to happen. Views never hold the app; the shell (`app.rs`) drains
//! the actions once per frame, and only it sends engine commands, starts chores or moves the centre.

use std::path::PathBuf;
use std::time::Instant;

use crate::core::api::request::BBox;
use crate::core::api::server::Server;
use crate::core::draft::Reference;
use crate::core::job::JobId;
use crate::core::library::journal::{JobRecord, LibraryQuery};
use crate::core::palette::Palette;
use crate::core::palette::palettes::SavedPalettes;
use crate::core::presets::SavedPresets;
use crate::core::settings::{ApiKey, AppSettings, KeySource};
use crate::core::text::i18n::Message;

use super::jobs::Jobs;
use super::textures::{ResultKey, Textures};

/// Which view fills the centre. One fact, one place.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Centre {
    #[default]
    Gallery,
    /// The region editor on a reference (by position in the draft).
    Editor { reference: usize },
    /// One result, large.
    Viewer(ResultKey),
    /// A series' panels large, in reading order.
    Storyboard(JobId),
    /// Two to four results side by side.
    Compare(Vec<ResultKey>),
}

/// The connection as views see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnState {
    Connecting,
    Ready {
        server: Server,
        /// The sandbox's sample images (Sandbox mode only).
        samples: Vec<String>,
    },
    Failed {
        why: String,
        /// The journal is damaged: the window offers to rebuild it from the library.
        damaged: bool,
    },
}

impl ConnState {
    pub fn server(&self) -> Option<&Server> {
        match self {
            ConnState::Ready { server, .. } => Some(server),
            _ => None,
        }
    }

    pub fn is_sandbox(&self) -> bool {
        self.server().is_some_and(Server::is_sandbox)
    }
}

/// Where the API key is, for Settings to say truthfully.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyInfo {
    pub source: KeySource,
    /// `••••CRET`: the last characters only.
    pub hint: Option<String>,
    /// The key store's own name ("the OS keyring", …).
    pub store: &'static str,
}

impl KeyInfo {
    pub fn status(&self) -> String {
        self.source
            .describe(self.hint.as_deref().unwrap_or(""), self.store)
    }

    /// [`KeyInfo::status`] in `tr`'s language.
    pub fn status_in(&self, tr: crate::core::text::i18n::Tr) -> String {
        use crate::tr;
        let hint = self.hint.as_deref().unwrap_or("");
        match self.source {
            KeySource::Environment => tr!(tr, "key-environment", hint = hint),
            KeySource::Keyring => tr!(tr, "key-keyring", hint = hint, store = tr.of(self.store)),
            KeySource::Session => tr!(tr, "key-session", hint = hint),
            KeySource::None => tr.t("key-none").to_owned(),
        }
    }
}

/// What every view may read while it draws.
pub struct ViewCx<'a> {
    /// The window's language.
    pub tr: crate::core::text::i18n::Tr,
    /// The OS's language (what "System" means in Settings).
    pub os_language: crate::core::text::i18n::Lang,
    /// The font for CJK text.
    pub cjk: &'a CjkFont,
    pub jobs: &'a Jobs,
    /// Where the library's files are (a tile's thumbnail is found by its job and position).
    pub paths: &'a crate::core::settings::Paths,
    pub settings: &'a AppSettings,
    pub conn: &'a ConnState,
    pub key: &'a KeyInfo,
    pub textures: &'a Textures,
    /// What images' content credentials say, read off the UI thread.
    pub credentials: &'a super::credentials::Credentials,
    pub centre: &'a Centre,
    /// Why Generate cannot run now, one sentence each.
    pub blockers: &'a [String],
    /// What the API's rules find wrong with the compose form (checked once a frame).
    pub problems: &'a crate::core::api::rules::Problems,
    /// Whether Generate was tried since the form last changed (problems turn from hints to errors).
    pub generate_tried: bool,
    /// The last request sent and when (Generate says "Sent ✔" and what it sent, for a moment).
    pub last_sent: Option<&'a Sent>,
    /// Where Quick export writes.
    pub export_dir: &'a std::path::Path,
    pub now_ms: i64,
    /// Whether the reference host's storage secret is stored.
    pub storage_secret_set: bool,
    /// References being prepared and uploaded for a send: (file name, stage in words).
    pub preparing: &'a [(String, String)],
    /// The eyedropper: whether it is armed, and for which colour of the palette.
    pub dropper: Dropper,
    /// The palettes the artist has named and kept.
    pub palettes: &'a SavedPalettes,
    /// The presets the artist has named and kept.
    pub presets: &'a SavedPresets,
    /// Why the Batch dialog's batch cannot be sent now, one sentence each.
    pub batch_blockers: &'a [String],
    /// The window's area under the top bar: where windows (Settings, Spend, About) open and stay.
    pub below_bar: eframe::egui::Rect,
}

impl ViewCx<'_> {
    /// A window that opens centred at the top of the area under the top bar and stays in it.
    pub fn place_window<'w>(
        &self,
        window: eframe::egui::Window<'w>,
        width: f32,
    ) -> eframe::egui::Window<'w> {
        let area = self.below_bar;
        let x = area.center().x - width / 2.0;
        window
            .default_pos(eframe::egui::pos2(x.max(area.min.x), area.min.y + 8.0))
            .default_width(width)
            .constrain_to(area)
    }
}

/// What the last send sent, as the compose footer confirms it: exactly the request that left,
/// after every typed field was committed.
#[derive(Debug, Clone, PartialEq)]
pub struct Sent {
    pub at: Instant,
    /// The seed it carried (a random one is drawn at the send).
    pub seed: Option<i64>,
    pub model: crate::core::api::request::Model,
    pub estimate: crate::core::api::pricing::Estimate,
}

impl Sent {
    pub fn of(
        request: &crate::core::api::request::GenerationRequest,
        estimate: crate::core::api::pricing::Estimate,
    ) -> Sent {
        Sent {
            at: Instant::now(),
            seed: request.seed,
            model: request.model,
            estimate,
        }
    }
}

/// The font for Chinese, Japanese and Korean text, as the window knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CjkFont {
    Looking,
    Found(String),
    Missing,
}

/// The eyedropper as views see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Dropper {
    /// The palette colour a click on an image sets, while armed.
    pub armed: Option<usize>,
    /// The colour the toolbar's button arms it for (the last one picked into).
    pub target: usize,
    /// How many colours the palette has.
    pub swatches: usize,
    /// Why no colour can be picked into the palette now (a group series takes none).
    pub blocked: Option<&'static str>,
}

impl ViewCx<'_> {
    /// Whether a job is in flight on the current connection (one sent elsewhere waits for it).
    pub fn running_here(&self, job: &JobRecord) -> bool {
        job.state.is_active() && self.conn.server().is_none_or(|s| *s == job.server)
    }
}

/// An undoable edit of the draft: references, their boxes, the palette.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    SetBoxes { reference: usize, boxes: Vec<BBox> },
    Palette(Palette),
    PaletteOn(bool),
    AddReference(Reference),
    RemoveReference(usize),
    MoveReference { from: usize, to: usize },
}

/// An image a palette is taken from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaletteSource {
    /// A reference in the draft, by position.
    Reference(usize),
    Result(ResultKey),
}

/// A folder or file the artist is asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathPurpose {
    /// Export these results into a folder.
    ExportFolder(Vec<ResultKey>),
    /// Export one result to exactly this file.
    ExportFile(ResultKey),
    /// The default export folder in Settings.
    SettingsExportDir,
    /// Image files to add as references.
    References,
    /// A series' storyboard sheet (one PNG).
    Sheet(JobId),
    /// A job file to run as a batch.
    JobFile,
    /// A file to write every kept preset to.
    PresetsExport,
    /// A presets file (one another install exported) to add.
    PresetsImport,
}

/// Everything a view can ask for, by the area of the shell that carries it out (`app/`): follow a
/// group to its area's file (`SendAction` → `sending.rs`, `EditAction` → `editing.rs`,
/// `LibraryAction` → `library.rs`, `ShowAction` → the shell's router, `SetupAction` →
/// `connection.rs`). Views write `out.push(EditAction::Undo.into())`.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Send(SendAction),
    Edit(EditAction),
    Library(LibraryAction),
    Show(ShowAction),
    Setup(SetupAction),
    Batch(BatchAction),
    /// A notice in the corner.
    Notify(Message),
    /// A notice in the corner that says something went wrong.
    NotifyError(Message),
}

/// Sending the compose form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendAction {
    /// Send the compose form (asks first if the same request was just sent).
    Generate,
    /// "Send it again and pay again", after that question.
    GenerateAgain,
}

/// Batches: the Batch dialog and the queue's batch rows (`app/batches.rs`).
#[derive(Debug, Clone, PartialEq)]
pub enum BatchAction {
    /// Opens the Batch dialog on the compose form.
    Open,
    Close,
    /// The dialog's choices (or the form) changed: expand and price them again.
    Preview,
    /// Sends the batch the dialog shows.
    Start,
    /// Pauses, resumes or cancels a batch.
    Control {
        id: String,
        control: crate::core::engine::BatchControl,
    },
    /// Runs again a batch nothing runs now (its job file is read again; a changed file is not it).
    Resume {
        id: String,
        source: String,
    },
}

/// Whether an undoable edit starts an undo step of its own or continues the current one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    New,
    /// The rest of a drag: one step with its start.
    Continue,
}

/// Changes to the compose form's references and palette, and what fills the form.
#[derive(Debug, Clone, PartialEq)]
pub enum EditAction {
    /// An undoable edit.
    Change {
        edit: Edit,
        step: Step,
    },
    Undo,
    Redo,
    AddReferenceUrl {
        url: String,
        label: Option<String>,
    },
    /// Files on this computer to add as references (dropped, picked, pasted or opened with).
    AddReferenceFiles(Vec<PathBuf>),
    /// A file to add as a reference without asking (the artist chose to).
    UseFileAsReference(PathBuf),
    /// An image pasted from the clipboard: kept in the data folder, then added like a file.
    PastedImage(std::sync::Arc<eframe::egui::ColorImage>),
    /// Restore the compose form from a request (an image Wan Studio made carries it).
    RestoreSettings(Box<crate::core::api::request::GenerationRequest>),
    /// An earlier result as a reference (its lineage kept).
    UseAsReference(ResultKey),
    /// The whole form from a job, seed included.
    ReuseSettings(JobId),
    /// Takes a palette from an image (a reference's link or a result's file).
    PaletteFrom(PaletteSource),
    /// Arms the eyedropper for a colour of the palette, or (`None`) puts it down.
    Eyedropper(Option<usize>),
    /// The eyedropper took a colour off an image for a colour of the palette.
    PickColour {
        swatch: usize,
        rgb: [u8; 3],
    },
    /// Keeps the palette in the form under a name (one of the same name is replaced).
    SavePalette(String),
    /// Puts a kept palette in the form.
    LoadPalette(String),
    /// Forgets a kept palette.
    DeletePalette(String),
    /// Keeps the form's settings as a preset under a name (one of the same name is replaced).
    SavePreset(String),
    /// Sets the form to a kept preset (prompt and references stay).
    LoadPreset(String),
    /// Forgets a kept preset.
    DeletePreset(String),
    /// Gives a kept preset another name.
    RenamePreset {
        from: String,
        to: String,
    },
}

/// The library: searching, marking, the queue's jobs, exports.
#[derive(Debug, Clone, PartialEq)]
pub enum LibraryAction {
    /// The gallery's search and filters changed.
    Search(LibraryQuery),
    /// Stars (or unstars) a result.
    Favourite(ResultKey, bool),
    /// Rates a result 1–5 (0 clears).
    Rate(ResultKey, u8),
    /// Asks the library where a job came from and where its results went.
    AskLineage(JobId),
    /// Opens the spend window (and asks the library for the figures).
    OpenSpend,
    Dismiss(JobId),
    Resume,
    AskRetry(JobId),
    /// Retry, after the artist said yes.
    Retry(JobId),
    AskDelete(JobId),
    /// Delete, after the artist said yes.
    Delete(JobId),
    /// A native dialog for where to put these, or the path field where none can open.
    Ask(PathPurpose),
    /// The built-in path field's answer.
    Answer(PathPurpose, PathBuf),
    QuickExport(Vec<ResultKey>),
    CopyImage(ResultKey),
    /// Exports a series as one storyboard sheet (asks where).
    ExportSheet(JobId),
}

/// What the window shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ShowAction {
    Editor(usize),
    Gallery,
    Viewer(ResultKey),
    /// A series as a storyboard.
    Storyboard(JobId),
    /// Two to four results side by side (others are left out).
    Compare(Vec<ResultKey>),
    /// The gallery, showing one batch's results (searched by `batch:ID`).
    Batch(String),
    /// Steps through the whole gallery, newest first (+1 older, −1 newer).
    StepViewer(i64),
    ToggleFullView,
    Settings,
    About,
    /// A folder in the system's file manager.
    Folder(PathBuf),
    /// Opens or collapses a side panel.
    TogglePanel(Side),
    /// Escape: closes the topmost thing (a question, a window, the eyedropper, the full view) or
    /// goes back to the gallery.
    Back,
}

/// A side panel of the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Compose,
    Queue,
}

/// Settings, the key, the reference host and the connection.
#[derive(Debug, Clone, PartialEq)]
pub enum SetupAction {
    SaveSettings(AppSettings),
    /// The language the window speaks (none: the OS's), applied at once and kept.
    SetLanguage(Option<crate::core::text::i18n::Lang>),
    ToggleTheme,
    SaveKey(ApiKey),
    ForgetKey,
    /// Settings' Test of a reference host (with the secret just typed, or the stored one).
    TestHost {
        settings: crate::core::references::hosting::S3Settings,
        secret: Option<ApiKey>,
    },
    /// Keep the reference host's secret (the OS keyring).
    SaveStorageSecret(ApiKey),
    Reconnect,
    /// Keeps a damaged journal aside and rebuilds it from the library, then connects again.
    RepairJournal,
}

macro_rules! group {
    ($($group:ident => $variant:ident),* $(,)?) => {$(
        impl From<$group> for Action {
            fn from(a: $group) -> Action {
                Action::$variant(a)
            }
        }
    )*};
}
group!(
    SendAction => Send,
    EditAction => Edit,
    LibraryAction => Library,
    ShowAction => Show,
    SetupAction => Setup,
    BatchAction => Batch,
);

impl Action {
    /// An undoable edit that starts its own undo step.
    pub fn edit(edit: Edit) -> Action {
        EditAction::Change {
            edit,
            step: Step::New,
        }
        .into()
    }

    /// An undoable edit that continues the current undo step (the rest of a drag).
    pub fn edit_continued(edit: Edit) -> Action {
        EditAction::Change {
            edit,
            step: Step::Continue,
        }
        .into()
    }
}
