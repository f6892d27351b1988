//! The library as the window holds it: the gallery's shelf (every job with a result, a few
//! hundred bytes each), the queue's jobs whole, the whole records opened since, and the gallery's
//! tiles in order for the current search. Events from the engine update it; views read it.

use std::collections::{HashMap, HashSet};

use crate::core::job::JobId;
use crate::core::library::journal::{
    JobRecord, LibraryQuery, Parent, ResultRecord, Shelved, ShelvedResult, Spend,
};

use super::textures::ResultKey;
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
    opened: HashMap<JobId, JobRecord>,
    /// Jobs whose whole record was asked for and has not come yet.
    asked: HashSet<JobId>,
    /// The running download of each job that is downloading: (result index, how far).
    pub downloads: HashMap<JobId, (u32, crate::core::api::client::Progress)>,
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
    pub lineage: HashMap<JobId, Lineage>,
    /// What the library has cost, once known.
    pub spend: Option<Spend>,
    /// The journal's batches, newest first, as last heard (the queue shows those not over).
    pub batches: Vec<crate::core::engine::BatchStatus>,
    /// A job of a batch not run here changed: the batches' counts are to be read again.
    pub batches_stale: bool,
}

impl Jobs {
    /// A batch's news: replaces what was known of it (a new one goes first).
    pub fn set_batch(&mut self, status: crate::core::engine::BatchStatus) {
        match self
            .batches
            .iter_mut()
            .find(|b| b.summary.id == status.summary.id)
        {
            Some(b) => *b = status,
            None => self.batches.insert(0, status),
        }
    }

    /// A new listing of every batch: what one of them told of itself alone (why it stopped, its
    /// runner's counts) stays, a listing does not know it.
    pub fn set_batches(&mut self, mut all: Vec<crate::core::engine::BatchStatus>) {
        for b in &mut all {
            if let Some(old) = self
                .batches
                .iter_mut()
                .find(|o| o.summary.id == b.summary.id)
            {
                if b.stopped.is_none() {
                    b.stopped = old.stopped.take();
                }
                if b.counts.is_none() && b.here.is_some() {
                    b.counts = old.counts.take();
                }
            }
        }
        self.batches = all;
    }

    /// Whether this process runs the batch.
    pub fn runs_batch(&self, id: &str) -> bool {
        self.batches
            .iter()
            .any(|b| b.summary.id == id && b.here.is_some())
    }
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
    pub used_in: Vec<(JobId, u32)>,
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
        self.get(job_id).is_none() && self.asked.insert(job_id.into())
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

    /// The result `step` tiles from `key` in the gallery's order (+1 older, −1 newer), if there is one.
    pub fn step(&self, key: &ResultKey, step: i64) -> Option<ResultKey> {
        let at = self.tile_of(key)?;
        let next = i64::try_from(at).ok()? + step;
        self.key_at(usize::try_from(next).ok()?)
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
