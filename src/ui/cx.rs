//! What views share: the read-only [`ViewCx`] they draw from, and the one [`Action`] enum through
//! which they ask for anything to happen. Views never hold the app; the shell (`app.rs`) drains
//! the actions once per frame, and only it sends engine commands, starts chores or moves the centre.

use std::path::PathBuf;
use std::time::Instant;

use crate::core::draft::Reference;
use std::collections::{HashMap, HashSet};

use crate::core::journal::{
    JobRecord, LibraryQuery, Parent, ResultRecord, Shelved, ShelvedResult, Spend,
};
use crate::core::palette::Palette;
use crate::core::palettes::SavedPalettes;
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

    /// [`KeyInfo::status`] in `tr`'s language.
    pub fn status_in(&self, tr: crate::core::i18n::Tr) -> String {
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

/// The library as the window keeps it: every job with a result as the gallery draws it (a few
/// hundred bytes each), the queue's jobs whole, and the whole records of jobs opened since.
#[derive(Debug, Default)]
pub struct Jobs {
    /// Every job with a result, newest first, as the gallery keeps it.
    pub shelf: Vec<Shelved>,
    /// The queue's jobs, whole, newest first: in flight, resumable, the most recent finished, and
    /// every job sent or changed since the window opened.
    pub live: Vec<JobRecord>,
    /// Finished jobs older than the queue keeps (they are in the library).
    pub older: usize,
    /// Whole records of other jobs, read when opened (at most [`OPENED`]).
    opened: HashMap<String, JobRecord>,
    /// Jobs whose whole record was asked for and has not come yet.
    asked: HashSet<String>,
    /// The running download of each job that is downloading: (result index, how far).
    pub downloads: HashMap<String, (u32, crate::core::client::Progress)>,
    /// (shelf position, result position) for each gallery tile, in gallery order.
    pub tiles: Vec<(u32, u32)>,
    /// The gallery's search and filters.
    pub query: LibraryQuery,
    /// The jobs (by `seq`) whose prompts hold the query's words (the library's latest answer); `None`
    /// until it answers.
    pub hits: Option<Hits>,
    /// Changes whenever `tiles` does (the gallery caches its rows by it).
    pub version: u64,
    /// Results in the whole library (the gallery says "k of n found").
    pub results_total: usize,
    /// Shelf position by a hash of the job id (checked against the id on every lookup).
    by_id: HashMap<u64, u32>,
    /// Where each job's results came from and went, once asked (the viewer asks).
    pub lineage: HashMap<String, Lineage>,
    /// What the library has cost, once known.
    pub spend: Option<Spend>,
}

/// The jobs a search found, by their key in the index ([`Shelved::seq`]): one bit each, so the
/// gallery tests a job in a step.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hits(Vec<u64>);

impl Hits {
    pub fn new(seqs: &[i64]) -> Hits {
        let top = seqs.iter().copied().max().unwrap_or(0).max(0);
        let words = usize::try_from(top / 64 + 1).unwrap_or(0);
        let mut bits = vec![0u64; words];
        for &s in seqs {
            if let Ok(s) = usize::try_from(s) {
                bits[s / 64] |= 1 << (s % 64);
            }
        }
        Hits(bits)
    }

    pub fn contains(&self, seq: i64) -> bool {
        usize::try_from(seq)
            .ok()
            .and_then(|s| self.0.get(s / 64).map(|w| w & (1 << (s % 64)) != 0))
            .unwrap_or(false)
    }
}

/// How many whole records of jobs outside the queue are kept (the viewer's, the storyboard's…).
pub const OPENED: usize = 64;

/// A job's place in the chain of work.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lineage {
    pub made_from: Vec<Parent>,
    /// (job made with one of this job's results, which result).
    pub used_in: Vec<(String, u32)>,
}

fn id_hash(id: &str) -> u64 {
    use std::hash::{BuildHasher as _, BuildHasherDefault};
    BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default().hash_one(id)
}

impl Jobs {
    /// The library as read at start.
    pub fn new(shelf: Vec<Shelved>, live: Vec<JobRecord>, older: usize) -> Jobs {
        let mut jobs = Jobs {
            shelf,
            live,
            older,
            ..Jobs::default()
        };
        jobs.rebuild_tiles();
        jobs
    }

    /// Replaces the library (a new connection read it), keeping the query and what was opened.
    pub fn replace(&mut self, shelved: Vec<Shelved>, live: Vec<JobRecord>, older: usize) {
        self.shelf = shelved;
        self.live = live;
        self.older = older;
        self.rebuild_tiles();
    }

    /// Whether the gallery shows less than the whole library.
    pub fn is_filtered(&self) -> bool {
        !self.query.is_everything()
    }

    /// The shelf changed: its index by id and the tiles anew.
    pub fn rebuild_tiles(&mut self) {
        self.by_id = self
            .shelf
            .iter()
            .enumerate()
            .map(|(i, j)| (id_hash(&j.id), u32::try_from(i).unwrap_or(u32::MAX)))
            .collect();
        self.results_total = self.shelf.iter().map(|j| j.results.len()).sum();
        self.refilter();
    }

    /// The query or its answer changed: the tiles anew from the shelf, the filters and the hits.
    pub fn refilter(&mut self) {
        let text = self.query.has_text();
        let mut tiles = Vec::with_capacity(self.tiles.len().max(self.shelf.len()));
        let mut add = |j: usize, job: &Shelved| {
            if text && !self.hits.as_ref().is_some_and(|h| h.contains(job.seq)) {
                return;
            }
            for (r, result) in job.results.iter().enumerate() {
                if self.query.admits(job, result) {
                    tiles.push((
                        u32::try_from(j).unwrap_or(u32::MAX),
                        u32::try_from(r).unwrap_or(u32::MAX),
                    ));
                }
            }
        };
        if self.query.oldest_first {
            for (j, job) in self.shelf.iter().enumerate().rev() {
                add(j, job);
            }
        } else {
            for (j, job) in self.shelf.iter().enumerate() {
                add(j, job);
            }
        }
        self.tiles = tiles;
        self.version += 1;
    }

    fn position(&self, job_id: &str) -> Option<usize> {
        let at = self.by_id.get(&id_hash(job_id)).map(|&i| i as usize);
        match at {
            Some(i) if self.shelf.get(i).is_some_and(|j| j.id == job_id) => Some(i),
            // Two ids with one hash: the rare case, found the slow way.
            Some(_) => self.shelf.iter().position(|j| j.id == job_id),
            None => None,
        }
    }

    /// A job as the gallery keeps it.
    pub fn shelved(&self, job_id: &str) -> Option<&Shelved> {
        self.shelf.get(self.position(job_id)?)
    }

    /// A result as the gallery keeps it.
    pub fn shelved_result(&self, key: &ResultKey) -> Option<(&Shelved, &ShelvedResult)> {
        let job = self.shelved(&key.job_id)?;
        Some((job, job.results.iter().find(|r| r.index == key.index)?))
    }

    /// A job's whole record, if the window holds it (see [`Jobs::wants`]).
    pub fn get(&self, job_id: &str) -> Option<&JobRecord> {
        self.live
            .iter()
            .find(|j| j.id == job_id)
            .or_else(|| self.opened.get(job_id))
    }

    /// A result with its job's whole record, if the window holds it.
    pub fn result(&self, key: &ResultKey) -> Option<(&JobRecord, &ResultRecord)> {
        let job = self.get(&key.job_id)?;
        Some((job, job.results.iter().find(|r| r.index == key.index)?))
    }

    /// The whole records read because they were opened.
    pub fn opened(&self) -> impl Iterator<Item = &JobRecord> {
        self.opened.values()
    }

    /// Whether a job's whole record should be asked for (not held, not asked yet); marks it asked.
    pub fn wants(&mut self, job_id: &str) -> bool {
        self.get(job_id).is_none() && self.asked.insert(job_id.to_owned())
    }

    /// A job's whole record, new or changed (or read because it was opened).
    pub fn upsert(&mut self, mut job: JobRecord) {
        // Stars and ratings set here are the artist's latest word.
        if let Some(old) = self.shelved(&job.id) {
            for r in &mut job.results {
                if let Some(o) = old.results.iter().find(|o| o.index == r.index) {
                    r.favourite = o.favourite;
                    r.rating = o.rating;
                }
            }
        }
        match self.position(&job.id) {
            Some(i) if job.results.is_empty() => {
                self.shelf.remove(i);
            }
            Some(i) => self.shelf[i] = Shelved::of(&job),
            None if !job.results.is_empty() => {
                let at = self
                    .shelf
                    .iter()
                    .position(|j| j.created_at_ms < job.created_at_ms)
                    .unwrap_or(self.shelf.len());
                self.shelf.insert(at, Shelved::of(&job));
            }
            None => {}
        }
        let asked = self.asked.remove(&job.id);
        if let Some(i) = self.live.iter().position(|j| j.id == job.id) {
            self.live[i] = job;
        } else if asked || self.opened.contains_key(&job.id) {
            if self.opened.len() >= OPENED && !self.opened.contains_key(&job.id) {
                self.opened.clear();
            }
            self.opened.insert(job.id.clone(), job);
        } else {
            let at = self
                .live
                .iter()
                .position(|j| j.created_at_ms < job.created_at_ms)
                .unwrap_or(self.live.len());
            self.live.insert(at, job);
        }
        self.rebuild_tiles();
    }

    /// A job deleted.
    pub fn remove(&mut self, job_id: &str) {
        self.shelf.retain(|j| j.id != job_id);
        self.live.retain(|j| j.id != job_id);
        self.opened.remove(job_id);
        self.rebuild_tiles();
    }

    /// Stars or rates a result in place (the tiles and the scroll position stay as they are).
    pub fn mark(&mut self, key: &ResultKey, favourite: Option<bool>, rating: Option<u8>) {
        if let Some(i) = self.position(&key.job_id)
            && let Some(r) = self.shelf[i]
                .results
                .iter_mut()
                .find(|r| r.index == key.index)
        {
            if let Some(f) = favourite {
                r.favourite = f;
            }
            if let Some(n) = rating {
                r.rating = n;
            }
        }
        let whole = self
            .live
            .iter_mut()
            .find(|j| j.id == key.job_id)
            .or_else(|| self.opened.get_mut(&key.job_id));
        if let Some(r) = whole.and_then(|job| job.results.iter_mut().find(|r| r.index == key.index))
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
        let j = u32::try_from(self.position(&key.job_id)?).ok()?;
        let r = self.shelf[j as usize]
            .results
            .iter()
            .position(|r| r.index == key.index)?;
        let r = u32::try_from(r).ok()?;
        self.tiles.iter().position(|&t| t == (j, r))
    }

    /// The result at a tile position.
    pub fn key_at(&self, tile: usize) -> Option<ResultKey> {
        let (job, result) = self.tile(tile)?;
        Some(ResultKey::new(&job.id, result.index))
    }

    /// The job and result at a tile position.
    pub fn tile(&self, tile: usize) -> Option<(&Shelved, &ShelvedResult)> {
        let &(j, r) = self.tiles.get(tile)?;
        let job = self.shelf.get(j as usize)?;
        Some((job, job.results.get(r as usize)?))
    }
}

/// What every view may read while it draws.
pub struct ViewCx<'a> {
    /// The window's language.
    pub tr: crate::core::i18n::Tr,
    /// The OS's language (what "System" means in Settings).
    pub os_language: crate::core::i18n::Lang,
    /// The font for CJK text.
    pub cjk: &'a CjkFont,
    pub jobs: &'a Jobs,
    /// Where the library's files are (a tile's thumbnail is found by its job and position).
    pub paths: &'a crate::core::settings::Paths,
    pub settings: &'a AppSettings,
    pub conn: &'a ConnState,
    pub key: &'a KeyInfo,
    pub textures: &'a Textures,
    pub centre: &'a Centre,
    /// Why Generate cannot run now, one sentence each.
    pub blockers: &'a [String],
    /// What the API's rules find wrong with the compose form (checked once a frame).
    pub problems: &'a crate::core::rules::Problems,
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
    pub model: crate::core::request::Model,
    pub estimate: crate::core::pricing::Estimate,
}

impl Sent {
    pub fn of(
        request: &crate::core::request::GenerationRequest,
        estimate: crate::core::pricing::Estimate,
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
    /// The language the window speaks (none: the OS's), applied at once and kept.
    SetLanguage(Option<crate::core::i18n::Lang>),
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
