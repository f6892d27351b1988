//! What views share: the read-only [`ViewCx`] they draw from, and the one [`Action`] enum through
//! which they ask for anything to happen. Views never hold the app; the shell (`app.rs`) drains
//! the actions once per frame, and only it sends engine commands, starts chores or moves the centre.

use std::path::PathBuf;
use std::time::Instant;

use crate::core::draft::Reference;
use crate::core::journal::JobRecord;
use crate::core::palette::Palette;
use crate::core::request::BBox;
use crate::core::server::Server;
use crate::core::settings::{ApiKey, AppSettings, KeySource};

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
    Failed(String),
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
}

/// Every job, newest first, with the gallery's tiles derived from it.
#[derive(Debug, Default)]
pub struct Jobs {
    pub list: Vec<JobRecord>,
    /// The running download of each job that is downloading: (result index, how far).
    pub downloads: std::collections::HashMap<String, (u32, crate::core::client::Progress)>,
    /// (job position, result position) for each gallery tile, newest first.
    pub tiles: Vec<(usize, usize)>,
}

impl Jobs {
    pub fn rebuild_tiles(&mut self) {
        self.tiles = self
            .list
            .iter()
            .enumerate()
            .flat_map(|(j, job)| (0..job.results.len()).map(move |r| (j, r)))
            .collect();
    }

    pub fn get(&self, job_id: &str) -> Option<&JobRecord> {
        self.list.iter().find(|j| j.id == job_id)
    }

    /// The tile position of a result.
    pub fn tile_of(&self, key: &ResultKey) -> Option<usize> {
        self.tiles.iter().position(|&(j, r)| {
            let job = &self.list[j];
            job.id == key.job_id && job.results[r].index == key.index
        })
    }

    /// The result at a tile position.
    pub fn key_at(&self, tile: usize) -> Option<ResultKey> {
        let &(j, r) = self.tiles.get(tile)?;
        let job = self.list.get(j)?;
        Some(ResultKey::new(&job.id, job.results.get(r)?.index))
    }
}

/// What every view may read while it draws.
pub struct ViewCx<'a> {
    pub jobs: &'a Jobs,
    pub settings: &'a AppSettings,
    pub conn: &'a ConnState,
    pub key: &'a KeyInfo,
    pub textures: &'a Textures,
    pub centre: &'a Centre,
    /// Why Generate cannot run now, one sentence each.
    pub blockers: &'a [String],
    /// Whether Generate was tried since the form last changed (problems turn from hints to errors).
    pub generate_tried: bool,
    /// When the last request was sent (Generate says "Sent ✓" for a moment).
    pub last_sent: Option<Instant>,
    /// Where Quick export writes.
    pub export_dir: &'a std::path::Path,
    pub now_ms: i64,
    /// Whether the reference host's storage secret is stored.
    pub storage_secret_set: bool,
    /// References being prepared and uploaded for a send: (file name, stage in words).
    pub preparing: &'a [(String, String)],
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
}

/// Everything a view can ask for. Follow a variant to the shell's action handler (`app.rs`) to see
/// what it does.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Send the compose form (asks first if the same request was just sent).
    Generate,
    /// Files on this computer to add as references (dropped, picked, pasted or opened with).
    AddReferenceFiles(Vec<std::path::PathBuf>),
    /// A file to add as a reference without asking (the artist chose to).
    UseFileAsReference(std::path::PathBuf),
    /// Restore the compose form from a request (an image Wan Studio made carries it).
    RestoreSettings(Box<crate::core::request::GenerationRequest>),
    /// Settings' Test of a reference host (with the secret just typed, or the stored one).
    TestHost {
        settings: crate::core::hosting::S3Settings,
        secret: Option<crate::core::settings::ApiKey>,
    },
    /// Keep the reference host's secret (the OS keyring).
    SaveStorageSecret(crate::core::settings::ApiKey),
    /// "Send it again and pay again" after that question.
    GenerateAgain,
    /// An undoable edit; `merge` continues the current step (the rest of a drag).
    Edit {
        edit: Edit,
        merge: bool,
    },
    Undo,
    Redo,
    AddReferenceUrl {
        url: String,
        label: Option<String>,
    },
    OpenEditor(usize),
    ShowGallery,
    OpenViewer(ResultKey),
    /// Steps through the whole gallery, newest first (+1 older, −1 newer).
    StepViewer(i64),
    ToggleFullView,
    Dismiss(String),
    Resume,
    AskRetry(String),
    /// Retry, after the artist said yes.
    Retry(String),
    AskDelete(String),
    /// Delete, after the artist said yes.
    Delete(String),
    UseAsReference(ResultKey),
    ReuseSettings(String),
    /// A native dialog for where to put these, or the path field where none can open.
    Ask(PathPurpose),
    /// The built-in path field's answer.
    Answer(PathPurpose, PathBuf),
    QuickExport(Vec<ResultKey>),
    CopyImage(ResultKey),
    OpenSettings,
    SaveSettings(AppSettings),
    SaveKey(ApiKey),
    ForgetKey,
    ToggleTheme,
    OpenAbout,
    OpenFolder(PathBuf),
    /// Keeps a damaged journal aside and rebuilds it from the library, then connects again.
    RepairJournal,
    /// Opens or collapses a side panel: the compose panel, or else the queue.
    TogglePanel {
        compose: bool,
    },
    Reconnect,
    Notify(String),
    NotifyError(String),
}
