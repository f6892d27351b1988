//! What views share: the read-only [`ViewCx`] they draw from, and the one [`Action`] enum through
//! which they ask for anything to happen. Views never hold the app; the shell (`app.rs`) drains
//! the actions once per frame, and only it sends engine commands, starts chores or moves the centre.

use std::path::PathBuf;
use std::time::Instant;

use crate::core::draft::Reference;
use crate::core::journal::{Found, JobRecord, LibraryQuery, Parent, ResultRecord, Spend};
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
    /// A series' panels large, in reading order.
    Storyboard(String),
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
    /// (job position, result position) for each gallery tile, in gallery order.
    pub tiles: Vec<(usize, usize)>,
    /// What the library found for the gallery's search and filters; `None` shows everything.
    pub found: Option<Vec<Found>>,
    /// Changes whenever `tiles` does (the gallery caches its rows by it).
    pub version: u64,
    /// Results in the whole library (the gallery says "k of n found").
    pub results_total: usize,
    by_id: std::collections::HashMap<String, usize>,
    /// Where each job's results came from and went, once asked (the viewer asks).
    pub lineage: std::collections::HashMap<String, Lineage>,
    /// What the library has cost, once known.
    pub spend: Option<Spend>,
}

/// A job's place in the chain of work.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lineage {
    pub made_from: Vec<Parent>,
    /// (job made with one of this job's results, which result).
    pub used_in: Vec<(String, u32)>,
}

impl Jobs {
    /// Jobs as given (newest first), with their tiles.
    pub fn new(list: Vec<JobRecord>) -> Jobs {
        let mut jobs = Jobs {
            list,
            ..Jobs::default()
        };
        jobs.rebuild_tiles();
        jobs
    }

    pub fn rebuild_tiles(&mut self) {
        self.by_id = self
            .list
            .iter()
            .enumerate()
            .map(|(i, j)| (j.id.clone(), i))
            .collect();
        self.tiles = match &self.found {
            None => self
                .list
                .iter()
                .enumerate()
                .flat_map(|(j, job)| (0..job.results.len()).map(move |r| (j, r)))
                .collect(),
            Some(found) => found
                .iter()
                .filter_map(|f| {
                    let j = *self.by_id.get(&f.job_id)?;
                    let r = self.list[j]
                        .results
                        .iter()
                        .position(|r| r.index == f.index)?;
                    Some((j, r))
                })
                .collect(),
        };
        self.results_total = self.list.iter().map(|j| j.results.len()).sum();
        self.version += 1;
    }

    pub fn get(&self, job_id: &str) -> Option<&JobRecord> {
        // `by_id` is rebuilt with the tiles after every change to `list`.
        self.by_id
            .get(job_id)
            .and_then(|&i| self.list.get(i))
            .filter(|j| j.id == job_id)
    }

    /// A result, found by key.
    pub fn result(&self, key: &ResultKey) -> Option<(&JobRecord, &ResultRecord)> {
        let job = self.get(&key.job_id)?;
        Some((job, job.results.iter().find(|r| r.index == key.index)?))
    }

    /// Stars or rates a result in place (the tiles and the scroll position stay as they are).
    pub fn mark(&mut self, key: &ResultKey, favourite: Option<bool>, rating: Option<u8>) {
        let Some(&j) = self.by_id.get(&key.job_id) else {
            return;
        };
        if let Some(r) = self
            .list
            .get_mut(j)
            .and_then(|job| job.results.iter_mut().find(|r| r.index == key.index))
        {
            if let Some(f) = favourite {
                r.favourite = f;
            }
            if let Some(n) = rating {
                r.rating = n;
            }
        }
    }

    /// The tile position of a result.
    pub fn tile_of(&self, key: &ResultKey) -> Option<usize> {
        let &j = self.by_id.get(&key.job_id)?;
        let job = self.list.get(j)?;
        let r = job.results.iter().position(|r| r.index == key.index)?;
        self.tiles.iter().position(|&t| t == (j, r))
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
    Sheet(String),
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
    /// The gallery's search and filters changed.
    Search(LibraryQuery),
    /// Stars (or unstars) a result.
    Favourite(ResultKey, bool),
    /// Rates a result 1–5 (0 clears).
    Rate(ResultKey, u8),
    /// Shows a series as a storyboard.
    OpenStoryboard(String),
    /// Exports a series as one storyboard sheet (asks where).
    ExportSheet(String),
    /// Asks the library where a job came from and where its results went.
    AskLineage(String),
    /// Opens the spend window (and asks the library for the figures).
    OpenSpend,
    /// Takes a palette from an image (a reference's link or a result's file).
    PaletteFrom(PaletteSource),
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
