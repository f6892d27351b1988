//! The journal: a SQLite record of every job, the source of truth for money.
//!
//! A job is written before its submit is sent, again the moment its task id returns, at every status
//! change and for every result copied home. SQLite runs in WAL mode with `synchronous = FULL`, so a
//! committed write survives a crash or a power cut.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use crate::core::api::request::ApiErrorBody;
use crate::core::api::server::Server;
use crate::core::settings::Paths;

pub use crate::core::job::{BatchRef, JobId, JobRecord, JobState, Parent, ResultRecord, now_ms};

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("the journal at {path} could not be opened: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("the journal could not be written: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("the journal holds a record it cannot read: {0}")]
    Corrupt(String),
    /// The database file itself is damaged: nothing paid may start on it.
    #[error(
        "the journal at {path} is damaged ({detail}). Nothing was sent. Run `wan-studio repair` (or press Rebuild in the window) to keep it aside as a .damaged file and rebuild a fresh journal from the images in your library"
    )]
    Damaged { path: PathBuf, detail: String },
    /// A batch's number was sent before (by an earlier run, or another process running the same
    /// file right now): the job is not journalled, and nothing is sent.
    #[error("job {number} of batch {batch} was sent before; it is not sent again")]
    AlreadySent { batch: String, number: u32 },
    #[error("the journal's folder {path} could not be created: {source}")]
    Folder {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

mod batches;
mod catalog;
mod corpus;
mod migrations;

pub use batches::{BatchSummary, SentJob};
pub use catalog::{
    Found, Ledger, LibraryMode, LibraryQuery, Shelved, ShelvedResult, Spend, local_date, local_day,
    local_midnight_ms, local_month,
};
use catalog::{parents_of, record_spend};

/// The journal. One connection behind a mutex; every call is a short statement.
pub struct Journal {
    conn: Mutex<Handle>,
    paths: Paths,
    /// Fault injection: this many coming writes fail as on a full disk.
    failing_writes: std::sync::atomic::AtomicU32,
    writes_before_failing: std::sync::atomic::AtomicU32,
    /// Prompts in memory for words too short for the search index (taken after `conn`).
    corpus: Mutex<corpus::Corpus>,
}

/// SQLite's unix VFS can deadlock when one thread opens a database file while another closes a
/// connection to the same file (a lock-order inversion between its global mutex and the file's
/// inode mutex: seen here as a hang when the window switched connection). Opening and closing a
/// journal connection therefore take this process-wide lock; both are rare.
static LIFECYCLE: Mutex<()> = Mutex::new(());

/// The gallery's shelf as [`Journal::open_with_shelf`] read it.
#[derive(Debug, Clone)]
pub struct Opened {
    pub shelf: Vec<Shelved>,
    /// What the journal held when the shelf was read (taken just before it).
    pub stamp: Stamp,
}

/// What a journal held at one moment ([`Journal::stamp`]): equal stamps mean nothing was
/// committed in between, by this connection or any other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    /// SQLite's `data_version`: changes when another connection commits.
    data_version: i64,
    /// Rows this connection has changed since it opened.
    changes: u64,
}

/// The connection, closed under [`LIFECYCLE`] when the journal goes.
struct Handle(Option<Connection>);

impl std::ops::Deref for Handle {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        match &self.0 {
            Some(c) => c,
            // Only `drop` takes it, and nothing can borrow the handle then.
            None => unreachable!("the journal's connection is used after it was closed"),
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        let _lifecycle = LIFECYCLE
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        drop(self.0.take());
    }
}

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("paths", &self.paths)
            .finish_non_exhaustive()
    }
}

const JOB_COLUMNS: &str = "id, created_at, updated_at, backend, request, state, task_id, remote_status, error, result_urls, submitted_at, finished_at, dismissed, retry_of, rate_micro_usd, seq, batch_id, batch_job, agent";

impl Journal {
    pub fn open(paths: &Paths) -> Result<Journal, JournalError> {
        Journal::opening(paths, false).map(|(journal, _)| journal)
    }

    /// Opens the journal and reads the gallery's shelf ([`Journal::shelf`]) while SQLite checks
    /// the file on a second connection: a window opening on a large library waits for the longer
    /// of the two, not both. The shelf is only ever returned from a journal that passed its check
    /// ([`JournalError::Damaged`] otherwise, as from [`Journal::open`]). With it comes the
    /// [`Stamp`] it was read at, to tell later whether it is still what the journal holds.
    pub fn open_with_shelf(paths: &Paths) -> Result<(Journal, Opened), JournalError> {
        let (journal, opened) = Journal::opening(paths, true)?;
        // Read after the open when the check had to come first (a migration to write).
        let opened = match opened {
            Some(opened) => opened,
            None => journal.read_opened()?,
        };
        Ok((journal, opened))
    }

    /// The shelf, with the stamp taken just before it (so a commit during the read can only
    /// make the stamp look older than the shelf, never newer).
    fn read_opened(&self) -> Result<Opened, JournalError> {
        let stamp = self.stamp()?;
        Ok(Opened {
            shelf: self.shelf()?,
            stamp,
        })
    }

    /// Opens and checks the journal; with `shelve`, and nothing to migrate, also reads the shelf
    /// while the check runs.
    fn opening(paths: &Paths, shelve: bool) -> Result<(Journal, Option<Opened>), JournalError> {
        std::fs::create_dir_all(&paths.home).map_err(|source| JournalError::Folder {
            path: paths.home.clone(),
            source,
        })?;
        let path = paths.journal();
        // Opened under the lifecycle lock: see [`LIFECYCLE`]. Nothing below may drop a `Journal`
        // while it is held (closing one takes it too).
        let lifecycle = LIFECYCLE
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let conn = Connection::open(&path).map_err(|source| JournalError::Open {
            path: path.clone(),
            source,
        })?;
        let damaged = |e: rusqlite::Error| damaged_at(&path, e);

        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(damaged)?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.execute_batch(migrations::V1).map_err(damaged)?;
        if shelve && migrations::current(&conn).map_err(damaged)? {
            // Nothing to migrate, so nothing is written before the check has answered: the shelf
            // is read on this connection while the check runs on its own.
            let journal = Journal::on(conn, paths);
            let (check, read) = std::thread::scope(|s| {
                let checking = s.spawn(|| check_apart(&path));
                (checking.join(), journal.read_opened())
            });
            // The check's connection opened and closed under the lock held here.
            drop(lifecycle);
            // A check that panicked said nothing about the file: it runs again here, on this
            // connection, rather than calling a sound journal damaged.
            let verdict = match check {
                Ok(verdict) => verdict,
                Err(_) => quick_check(&journal.conn()),
            };
            sound(&path, verdict.map_err(damaged)?)?;
            let opened = read.map_err(|e| match e {
                JournalError::Sql(e) => damaged(e),
                other => other,
            })?;
            return Ok((journal, Some(opened)));
        }
        // Sound before anything paid starts on it, and before a migration writes to it.
        sound(&path, quick_check(&conn).map_err(damaged)?)?;
        migrations::migrate(&conn)?;
        // WAL setup takes an exclusive lock: also under the lifecycle lock.
        drop(lifecycle);
        Ok((Journal::on(conn, paths), None))
    }

    fn on(conn: Connection, paths: &Paths) -> Journal {
        Journal {
            conn: Mutex::new(Handle(Some(conn))),
            paths: paths.clone(),
            failing_writes: std::sync::atomic::AtomicU32::new(0),
            writes_before_failing: std::sync::atomic::AtomicU32::new(0),
            corpus: Mutex::default(),
        }
    }

    /// What the journal holds now, as a value that changes whenever a commit changes it (this
    /// connection's writes, or another connection's, another process's included).
    pub fn stamp(&self) -> Result<Stamp, JournalError> {
        let conn = self.conn();
        Ok(Stamp {
            data_version: conn.query_row("PRAGMA data_version", [], |r| r.get(0))?,
            changes: conn.total_changes(),
        })
    }

    pub fn paths(&self) -> &Paths {
        &self.paths
    }

    /// Fault injection for tests and hostile runs: the next `n` writes fail as SQLite fails on a
    /// full disk ("database or disk is full"). Reads are unaffected.
    pub fn fail_next_writes(&self, n: u32) {
        self.fail_writes(0, n);
    }

    /// Fault injection: `skip` writes succeed, then `count` fail as on a full disk.
    pub fn fail_writes(&self, skip: u32, count: u32) {
        use std::sync::atomic::Ordering;
        self.writes_before_failing.store(skip, Ordering::SeqCst);
        self.failing_writes.store(count, Ordering::SeqCst);
    }

    /// The connection for a write, or the injected failure.
    fn write_conn(&self) -> Result<MutexGuard<'_, Handle>, JournalError> {
        use std::sync::atomic::Ordering;
        let skipped = self
            .writes_before_failing
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        let injected = !skipped
            && self
                .failing_writes
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
        if injected {
            return Err(JournalError::Sql(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
                Some("database or disk is full (injected)".to_owned()),
            )));
        }
        Ok(self.conn())
    }

    fn conn(&self) -> MutexGuard<'_, Handle> {
        // A panic while holding the lock cannot leave SQLite half-written; keep going.
        self.conn
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Writes a new job (with what the library files it under and what it was made from). Call
    /// before anything is sent.
    pub fn insert(&self, job: &JobRecord) -> Result<(), JournalError> {
        let conn = self.write_conn()?;
        let tx = conn.unchecked_transaction()?;
        insert_job(&tx, job)?;
        tx.commit()?;
        Ok(())
    }

    /// Writes many finished jobs with their results in one transaction (a rebuilt journal, a
    /// library moved in): one sync to disk, not one per row. Spend is recorded for their results.
    pub fn import(&self, jobs: &[JobRecord]) -> Result<(), JournalError> {
        let conn = self.write_conn()?;
        let tx = conn.unchecked_transaction()?;
        for job in jobs {
            insert_job(&tx, job)?;
            for r in &job.results {
                self.insert_result(&tx, r)?;
            }
            if !job.results.is_empty() {
                catalog::record_spend(
                    &tx,
                    &job.id,
                    job.finished_at_ms.unwrap_or(job.created_at_ms),
                    job.results.len(),
                )?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Records the task id the moment the submit answers.
    pub fn set_submitted(
        &self,
        id: &str,
        task_id: &str,
        remote_status: &str,
    ) -> Result<(), JournalError> {
        let now = now_ms();
        self.write_conn()?.execute(
            "UPDATE jobs SET task_id = ?2, remote_status = ?3, state = ?4, submitted_at = ?5, updated_at = ?5, error = NULL WHERE id = ?1",
            params![id, task_id, remote_status, JobState::Processing.as_str(), now],
        )?;
        Ok(())
    }

    /// Records a state change, with the error that caused it (or none, which clears the old one).
    pub fn set_state(
        &self,
        id: &str,
        state: JobState,
        error: Option<&ApiErrorBody>,
    ) -> Result<(), JournalError> {
        let now = now_ms();
        let error = error.map(to_json).transpose()?;
        let finished = (!state.is_active() && !state.is_resumable()).then_some(now);
        self.write_conn()?.execute(
            "UPDATE jobs SET state = ?2, error = ?3, updated_at = ?4, finished_at = COALESCE(?5, finished_at) WHERE id = ?1",
            params![id, state.as_str(), error, now, finished],
        )?;
        Ok(())
    }

    pub fn set_remote_status(&self, id: &str, status: &str) -> Result<(), JournalError> {
        self.write_conn()?.execute(
            "UPDATE jobs SET remote_status = ?2, updated_at = ?3 WHERE id = ?1",
            params![id, status, now_ms()],
        )?;
        Ok(())
    }

    /// Marks a job whose submit the gateway answered "too many requests" (the engine waits and
    /// sends it again). Only a job still being submitted is marked: a late mark never overwrites
    /// the state its answer brought.
    pub fn mark_rate_limited(&self, id: &str) -> Result<(), JournalError> {
        self.write_conn()?.execute(
            "UPDATE jobs SET state = ?2, updated_at = ?3 WHERE id = ?1 AND state IN (?4, ?2)",
            params![
                id,
                JobState::RateLimited.as_str(),
                now_ms(),
                JobState::Submitting.as_str()
            ],
        )?;
        Ok(())
    }

    /// Records the result links of a completed task and moves the job to downloading. The images
    /// it returned are what it cost: they go into the spend ledger in the same transaction (at the
    /// rate recorded when the job was sent, else today's published rate), and stay there when the
    /// job is deleted.
    pub fn set_result_urls(&self, id: &str, urls: &[String]) -> Result<(), JournalError> {
        let now = now_ms();
        let conn = self.write_conn()?;
        let tx = conn.unchecked_transaction()?;
        tx.execute(
            "UPDATE jobs SET result_urls = ?2, remote_status = 'completed', state = ?3, updated_at = ?4 WHERE id = ?1",
            params![id, to_json(&urls)?, JobState::Downloading.as_str(), now],
        )?;
        record_spend(&tx, id, now, urls.len())?;
        tx.commit()?;
        Ok(())
    }

    /// Records one result copied home. Paths are stored relative to the data directory. A result
    /// recorded again (a resume) keeps its star and rating.
    pub fn add_result(&self, r: &ResultRecord) -> Result<(), JournalError> {
        let conn = self.write_conn()?;
        self.insert_result(&conn, r)
    }

    fn insert_result(&self, conn: &Connection, r: &ResultRecord) -> Result<(), JournalError> {
        conn.prepare_cached(
            "INSERT INTO results (job_id, idx, path, thumbnail, width, height, favourite, rating) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (job_id, idx) DO UPDATE SET path = excluded.path, thumbnail = excluded.thumbnail, width = excluded.width, height = excluded.height",
        )?
        .execute(params![
            r.job_id,
            r.index,
            self.paths.relative(&r.path).to_string_lossy(),
            self.paths.relative(&r.thumbnail).to_string_lossy(),
            r.width,
            r.height,
            r.favourite,
            r.rating,
        ])?;
        Ok(())
    }

    /// Stars or unstars a result.
    pub fn set_favourite(&self, job_id: &str, index: u32, on: bool) -> Result<(), JournalError> {
        self.write_conn()?.execute(
            "UPDATE results SET favourite = ?3 WHERE job_id = ?1 AND idx = ?2",
            params![job_id, index, on],
        )?;
        Ok(())
    }

    /// Rates a result 1–5 (0 clears the rating; more than 5 is read as 5).
    pub fn set_rating(&self, job_id: &str, index: u32, rating: u8) -> Result<(), JournalError> {
        self.write_conn()?.execute(
            "UPDATE results SET rating = ?3 WHERE job_id = ?1 AND idx = ?2",
            params![job_id, index, rating.min(5)],
        )?;
        Ok(())
    }

    pub fn set_dismissed(&self, id: &str, dismissed: bool) -> Result<(), JournalError> {
        self.write_conn()?.execute(
            "UPDATE jobs SET dismissed = ?2 WHERE id = ?1",
            params![id, dismissed],
        )?;
        Ok(())
    }

    pub fn set_retry_of(&self, id: &str, retry_of: &str) -> Result<(), JournalError> {
        self.conn().execute(
            "UPDATE jobs SET retry_of = ?2 WHERE id = ?1",
            params![id, retry_of],
        )?;
        Ok(())
    }

    /// Forgets a job and its result rows (files are the caller's).
    pub fn delete(&self, id: &str) -> Result<(), JournalError> {
        let conn = self.write_conn()?;
        conn.execute("DELETE FROM jobs WHERE id = ?1", params![id])?;
        // The next job may take the deleted one's key: the short-word copy is read anew.
        self.corpus
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .invalidate();
        Ok(())
    }

    /// Removes one result row.
    pub fn delete_result(&self, job_id: &str, index: u32) -> Result<(), JournalError> {
        self.write_conn()?.execute(
            "DELETE FROM results WHERE job_id = ?1 AND idx = ?2",
            params![job_id, index],
        )?;
        Ok(())
    }

    pub fn get(&self, id: &str) -> Result<Option<JobRecord>, JournalError> {
        let conn = self.conn();
        let job = conn
            .query_row(
                &format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?1"),
                params![id],
                row_to_raw,
            )
            .optional()?;
        let Some(raw) = job else { return Ok(None) };
        let mut job = raw.into_record()?;
        job.results = self.results_for(&conn, &job.id)?;
        job.made_from = parents_of(&conn, &job.id)?;
        Ok(Some(job))
    }

    /// Every job, newest first.
    pub fn list(&self) -> Result<Vec<JobRecord>, JournalError> {
        self.query_jobs("1 = 1", &[])
    }

    /// What the queue shows: every job in flight or resumable, and the `recent` newest finished
    /// ones (none dismissed), newest first; and how many older finished jobs there are.
    pub fn live(&self, recent: usize) -> Result<(Vec<JobRecord>, usize), JournalError> {
        let states = JobState::ALL
            .into_iter()
            .filter(|s| s.is_active() || s.is_resumable())
            .map(|s| format!("'{}'", s.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        let mut jobs = self.query_jobs(&format!("dismissed = 0 AND state IN ({states})"), &[])?;
        let limit = i64::try_from(recent).unwrap_or(i64::MAX);
        let finished = self.query_jobs(
            &format!(
                // Newest first by walking the time index until enough are found (`+` keeps
                // SQLite from picking the queue's index instead and sorting every job).
                "rowid IN (SELECT rowid FROM jobs WHERE +dismissed = 0 AND +state NOT IN ({states}) ORDER BY created_at DESC, rowid DESC LIMIT ?1)"
            ),
            &[&limit as &dyn rusqlite::ToSql],
        )?;
        let all: i64 = self.conn().query_row(
            &format!("SELECT count(*) FROM jobs WHERE dismissed = 0 AND state NOT IN ({states})"),
            [],
            |r| r.get(0),
        )?;
        let older = usize::try_from(all)
            .unwrap_or(0)
            .saturating_sub(finished.len());
        jobs.extend(finished);
        jobs.sort_by_key(|j| std::cmp::Reverse(j.created_at_ms));
        Ok((jobs, older))
    }

    /// Jobs of a backend that a resume should pick up (plus those caught mid-submit).
    pub fn unfinished(&self, server: &Server) -> Result<Vec<JobRecord>, JournalError> {
        let states = [
            JobState::Submitting,
            JobState::Processing,
            JobState::Downloading,
            JobState::Paused,
            JobState::DownloadFailed,
            JobState::RateLimited,
        ]
        .map(|s| format!("'{}'", s.as_str()))
        .join(", ");
        self.query_jobs(
            &format!("backend = ?1 AND state IN ({states})"),
            &[&server.key() as &dyn rusqlite::ToSql],
        )
    }

    /// Jobs outside any batch created at or after `since_ms` (by any process), newest first: what
    /// a window looks for to show a command line's or an agent's new job (`jobs_by_created`).
    pub fn jobs_created_since(&self, since_ms: i64) -> Result<Vec<JobRecord>, JournalError> {
        self.query_jobs(
            "created_at >= ?1 AND batch_id IS NULL",
            &[&since_ms as &dyn rusqlite::ToSql],
        )
    }

    fn query_jobs(
        &self,
        filter: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> Result<Vec<JobRecord>, JournalError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE {filter} ORDER BY created_at DESC, rowid DESC"
        ))?;
        let raws = stmt
            .query_map(args, row_to_raw)?
            .collect::<Result<Vec<_>, _>>()?;
        let mut jobs = raws
            .into_iter()
            .map(RawJob::into_record)
            .collect::<Result<Vec<_>, _>>()?;
        if jobs.len() < 1_000 {
            // A few jobs: their own rows, not every result in the library.
            for job in &mut jobs {
                job.results = self.results_for(&conn, &job.id)?;
                job.made_from = parents_of(&conn, &job.id)?;
            }
            return Ok(jobs);
        }
        let mut by_job: std::collections::HashMap<JobId, Vec<ResultRecord>> =
            std::collections::HashMap::new();
        let mut rstmt = conn.prepare(
            "SELECT job_id, idx, path, thumbnail, width, height, favourite, rating FROM results ORDER BY job_id, idx",
        )?;
        for r in rstmt.query_map([], |row| self.row_to_result(row))? {
            let r = r?;
            by_job.entry(r.job_id.clone()).or_default().push(r);
        }
        let mut parents: std::collections::HashMap<JobId, Vec<Parent>> =
            std::collections::HashMap::new();
        let mut lstmt = conn.prepare(
            "SELECT job_id, slot, parent_job, parent_index FROM lineage ORDER BY job_id, slot",
        )?;
        for row in lstmt.query_map([], |row| {
            Ok((
                row.get::<_, JobId>(0)?,
                Parent {
                    slot: row.get(1)?,
                    job_id: row.get(2)?,
                    index: row.get(3)?,
                },
            ))
        })? {
            let (job, parent) = row?;
            parents.entry(job).or_default().push(parent);
        }
        for job in &mut jobs {
            job.results = by_job.remove(&job.id).unwrap_or_default();
            job.made_from = parents.remove(&job.id).unwrap_or_default();
        }
        Ok(jobs)
    }

    fn results_for(&self, conn: &Connection, id: &str) -> Result<Vec<ResultRecord>, JournalError> {
        let mut stmt = conn.prepare(
            "SELECT job_id, idx, path, thumbnail, width, height, favourite, rating FROM results WHERE job_id = ?1 ORDER BY idx",
        )?;
        let rows = stmt
            .query_map(params![id], |row| self.row_to_result(row))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn row_to_result(&self, row: &rusqlite::Row<'_>) -> rusqlite::Result<ResultRecord> {
        Ok(ResultRecord {
            job_id: row.get(0)?,
            index: row.get(1)?,
            path: self.paths.absolute(Path::new(&row.get::<_, String>(2)?)),
            thumbnail: self.paths.absolute(Path::new(&row.get::<_, String>(3)?)),
            width: row.get(4)?,
            height: row.get(5)?,
            favourite: row.get(6)?,
            rating: row.get(7)?,
        })
    }
}

struct RawJob {
    id: JobId,
    created_at_ms: i64,
    updated_at_ms: i64,
    backend: String,
    request: String,
    state: String,
    task_id: Option<String>,
    remote_status: Option<String>,
    error: Option<String>,
    result_urls: String,
    submitted_at_ms: Option<i64>,
    finished_at_ms: Option<i64>,
    dismissed: bool,
    retry_of: Option<JobId>,
    rate_micro_usd: Option<i64>,
    seq: i64,
    batch: Option<BatchRef>,
    agent: Option<String>,
}

fn row_to_raw(row: &rusqlite::Row<'_>) -> rusqlite::Result<RawJob> {
    Ok(RawJob {
        id: row.get(0)?,
        created_at_ms: row.get(1)?,
        updated_at_ms: row.get(2)?,
        backend: row.get(3)?,
        request: row.get(4)?,
        state: row.get(5)?,
        task_id: row.get(6)?,
        remote_status: row.get(7)?,
        error: row.get(8)?,
        result_urls: row.get(9)?,
        submitted_at_ms: row.get(10)?,
        finished_at_ms: row.get(11)?,
        dismissed: row.get(12)?,
        retry_of: row.get(13)?,
        rate_micro_usd: row.get(14)?,
        seq: row.get::<_, Option<i64>>(15)?.unwrap_or(0),
        batch: match (
            row.get::<_, Option<String>>(16)?,
            row.get::<_, Option<u32>>(17)?,
        ) {
            (Some(id), Some(number)) => Some(BatchRef { id, number }),
            _ => None,
        },
        agent: row.get(18)?,
    })
}

impl RawJob {
    fn into_record(self) -> Result<JobRecord, JournalError> {
        let corrupt = |what: &str, e: &dyn std::fmt::Display| {
            JournalError::Corrupt(format!("job {}: {what}: {e}", self.id))
        };
        let request = serde_json::from_str(&self.request).map_err(|e| corrupt("request", &e))?;
        let state = JobState::parse(&self.state).ok_or_else(|| corrupt("state", &self.state))?;
        let error = self
            .error
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| corrupt("error", &e))?;
        let result_urls =
            serde_json::from_str(&self.result_urls).map_err(|e| corrupt("result links", &e))?;
        Ok(JobRecord {
            id: self.id,
            created_at_ms: self.created_at_ms,
            updated_at_ms: self.updated_at_ms,
            server: Server::from_key(&self.backend),
            request,
            state,
            task_id: self.task_id,
            remote_status: self.remote_status,
            error,
            result_urls,
            results: Vec::new(),
            submitted_at_ms: self.submitted_at_ms,
            finished_at_ms: self.finished_at_ms,
            dismissed: self.dismissed,
            retry_of: self.retry_of,
            made_from: Vec::new(),
            rate_micro_usd: self.rate_micro_usd.and_then(|r| u64::try_from(r).ok()),
            seq: self.seq,
            batch: self.batch,
            agent: self.agent,
        })
    }
}

fn to_json<T: Serialize + ?Sized>(v: &T) -> Result<String, JournalError> {
    serde_json::to_string(v).map_err(|e| JournalError::Corrupt(e.to_string()))
}

/// SQLite's quick check of every table that holds data, with their indexes: "ok" or what is wrong.
/// The search index (an FTS5 virtual table) is left out: its own check reads the whole index
/// (nine tenths of the time at 100,000 results), and it is derived from `jobs`, so a damaged one
/// is rebuilt, never a reason to refuse the journal.
fn quick_check(conn: &Connection) -> rusqlite::Result<String> {
    let tables = conn
        .prepare(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name",
        )?
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    for table in tables {
        let check: String = conn.query_row(
            &format!("PRAGMA quick_check(\"{}\")", table.replace('"', "\"\"")),
            [],
            |r| r.get(0),
        )?;
        if check != "ok" {
            return Ok(check);
        }
    }
    Ok("ok".to_owned())
}

/// [`quick_check`] on a read-only connection of its own (for a check that runs beside a read).
fn check_apart(path: &Path) -> rusqlite::Result<String> {
    use rusqlite::OpenFlags;
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    quick_check(&conn)
}

/// A [`quick_check`] verdict: "ok", or the journal is damaged for the reason it gives.
fn sound(path: &Path, verdict: String) -> Result<(), JournalError> {
    if verdict == "ok" {
        Ok(())
    } else {
        Err(JournalError::Damaged {
            path: path.to_path_buf(),
            detail: verdict,
        })
    }
}

/// SQLite's "this file is damaged" as [`JournalError::Damaged`]; anything else as it is.
fn damaged_at(path: &Path, e: rusqlite::Error) -> JournalError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase) => {
            JournalError::Damaged {
                path: path.to_path_buf(),
                detail: e.to_string(),
            }
        }
        _ => JournalError::Sql(e),
    }
}

/// Writes one job and its lineage inside a transaction.
fn insert_job(tx: &rusqlite::Transaction<'_>, job: &JobRecord) -> Result<(), JournalError> {
    let request = to_json(&job.request)?;
    let error = job.error.as_ref().map(to_json).transpose()?;
    let urls = to_json(&job.result_urls)?;
    // First the number: one sent before refuses the whole job, with that said.
    if let Some(batch) = &job.batch {
        batches::record_sent(tx, batch, &job.id)?;
    }
    tx.execute(
        &format!(
            "INSERT INTO jobs ({JOB_COLUMNS}, model, mode, palette, prompt, negative, asked, seed, size)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,
                     (SELECT COALESCE(MAX(seq), 0) + 1 FROM jobs), ?24, ?25, ?26, ?16, ?17, ?18,
                     ?19, ?20, ?21, ?22, ?23)"
        ),
        params![
            job.id,
            job.created_at_ms,
            job.updated_at_ms,
            job.server.key(),
            request,
            job.state.as_str(),
            job.task_id,
            job.remote_status,
            error,
            urls,
            job.submitted_at_ms,
            job.finished_at_ms,
            job.dismissed,
            job.retry_of,
            job.rate_micro_usd.and_then(|r| i64::try_from(r).ok()),
            job.request.model.id(),
            LibraryMode::of(&job.request).as_str(),
            job.request.color_palette.is_some(),
            job.request.prompt.as_deref().unwrap_or_default(),
            job.request.negative_prompt.as_deref().unwrap_or_default(),
            job.request.n.max(1),
            job.request.seed,
            job.request.size_label(),
            job.batch.as_ref().map(|b| b.id.as_str()),
            job.batch.as_ref().map(|b| b.number),
            job.agent,
        ],
    )?;
    for parent in &job.made_from {
        tx.execute(
            "INSERT OR IGNORE INTO lineage (job_id, slot, parent_job, parent_index) VALUES (?1, ?2, ?3, ?4)",
            params![job.id, parent.slot, parent.job_id, parent.index],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::api::request::GenerationRequest;
    use crate::core::api::request::Model;

    #[test]
    fn a_job_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::new(dir.path());
        let mut req = GenerationRequest::new(Model::Pro);
        req.prompt = Some("a red fox".into());
        let job = JobRecord::new(Server::Sandbox, req.clone());
        {
            let j = Journal::open(&paths).unwrap();
            j.insert(&job).unwrap();
            j.set_submitted(&job.id, "task_1", "processing").unwrap();
            j.set_result_urls(&job.id, &["http://127.0.0.1/x.png".into()])
                .unwrap();
            j.add_result(&ResultRecord {
                job_id: job.id.clone(),
                index: 0,
                path: paths.library().join("a.png"),
                thumbnail: paths.thumbnails().join("a.png"),
                width: 10,
                height: 20,
                favourite: false,
                rating: 0,
            })
            .unwrap();
        }
        let j = Journal::open(&paths).unwrap();
        let back = j.get(&job.id).unwrap().unwrap();
        assert_eq!(back.request, req);
        assert_eq!(back.state, JobState::Downloading);
        assert_eq!(back.task_id.as_deref(), Some("task_1"));
        assert_eq!(back.results.len(), 1);
        assert_eq!(back.results[0].path, paths.library().join("a.png"));
        assert_eq!(j.unfinished(&Server::Sandbox).unwrap().len(), 1);
        assert_eq!(
            j.unfinished(&Server::from_key("https://reapi.ai/"))
                .unwrap()
                .len(),
            0
        );
        j.set_state(&job.id, JobState::Completed, None).unwrap();
        assert!(j.unfinished(&Server::Sandbox).unwrap().is_empty());
        assert!(j.get(&job.id).unwrap().unwrap().finished_at_ms.is_some());
    }
}
