//! Batches in the journal: each batch once, the numbers it has sent (kept when a job is deleted),
//! and where each stands.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{BatchRef, JobId, JobRecord, JobState, Journal, JournalError, now_ms};

/// A batch as the journal keeps it, with its jobs counted by how they stand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BatchSummary {
    pub id: String,
    /// The job file it was read from.
    pub source: String,
    pub created_at_ms: i64,
    /// Jobs the file expands to.
    pub jobs: u32,
    /// Its estimate when it was started.
    pub micro_usd: u64,
    /// Sending was stopped (`--cancel`): the numbers not yet sent never will be.
    pub cancelled: bool,
    /// Numbers sent so far.
    pub sent: u32,
    /// Of those, jobs with every image home.
    pub completed: u32,
    /// Of those, jobs still in flight.
    pub in_flight: u32,
    /// Images home.
    pub images: u64,
    /// What the images home cost, at each job's own rate.
    pub spent_micro_usd: u64,
}

/// One number a batch has sent, as it stands: light enough to read for thousands of jobs a few
/// times a second (no requests, no results).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentJob {
    pub number: u32,
    pub job_id: JobId,
    /// `None`: the job was deleted since (its number is still never sent again).
    pub state: Option<JobState>,
    pub images: usize,
}

impl BatchSummary {
    /// Jobs never sent.
    pub fn waiting(&self) -> u32 {
        self.jobs.saturating_sub(self.sent)
    }
}

/// Writes that a number was sent as this job, in the transaction that journals the job. A number
/// sent before is refused (the primary key), so the job is not journalled and nothing is sent.
pub(super) fn record_sent(
    tx: &rusqlite::Transaction<'_>,
    batch: &BatchRef,
    job: &JobId,
) -> Result<(), JournalError> {
    tx.execute(
        "INSERT INTO batch_sent (batch_id, number, job_id) VALUES (?1, ?2, ?3)",
        params![batch.id, batch.number, job],
    )
    .map_err(|e| match e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            JournalError::AlreadySent {
                batch: batch.id.clone(),
                number: batch.number,
            }
        }
        other => other.into(),
    })?;
    Ok(())
}

const SUMMARY: &str = "SELECT b.id, b.source, b.created_at, b.jobs, b.micro_usd, b.cancelled,
        (SELECT count(*) FROM batch_sent s WHERE s.batch_id = b.id),
        (SELECT count(*) FROM jobs j WHERE j.batch_id = b.id AND j.state = ?1),
        (SELECT count(*) FROM jobs j WHERE j.batch_id = b.id AND j.state IN (?2, ?3, ?4, ?5)),
        (SELECT count(*) FROM results r JOIN jobs j ON j.id = r.job_id WHERE j.batch_id = b.id),
        (SELECT coalesce(sum(coalesce(j.rate_micro_usd, 0)), 0)
           FROM results r JOIN jobs j ON j.id = r.job_id WHERE j.batch_id = b.id)
     FROM batches b";

fn summary_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<BatchSummary> {
    Ok(BatchSummary {
        id: r.get(0)?,
        source: r.get(1)?,
        created_at_ms: r.get(2)?,
        jobs: r.get(3)?,
        micro_usd: u64::try_from(r.get::<_, i64>(4)?).unwrap_or(0),
        cancelled: r.get(5)?,
        sent: r.get(6)?,
        completed: r.get(7)?,
        in_flight: r.get(8)?,
        images: u64::try_from(r.get::<_, i64>(9)?).unwrap_or(0),
        spent_micro_usd: u64::try_from(r.get::<_, i64>(10)?).unwrap_or(0),
    })
}

fn state_args() -> [&'static str; 5] {
    [
        JobState::Completed.as_str(),
        JobState::Submitting.as_str(),
        JobState::Processing.as_str(),
        JobState::Downloading.as_str(),
        JobState::RateLimited.as_str(),
    ]
}

impl Journal {
    /// Keeps a batch (once: a batch already kept is left as it was). Whether it is new.
    pub fn record_batch(
        &self,
        id: &str,
        source: &str,
        jobs: u32,
        micro_usd: u64,
    ) -> Result<bool, JournalError> {
        let added = self.write_conn()?.execute(
            "INSERT OR IGNORE INTO batches (id, source, created_at, jobs, micro_usd) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, source, now_ms(), jobs, i64::try_from(micro_usd).unwrap_or(i64::MAX)],
        )?;
        Ok(added == 1)
    }

    /// One batch, counted.
    pub fn batch(&self, id: &str) -> Result<Option<BatchSummary>, JournalError> {
        let [a, b, c, d, e] = state_args();
        Ok(self
            .conn()
            .query_row(
                &format!("{SUMMARY} WHERE b.id = ?6"),
                params![a, b, c, d, e, id],
                summary_row,
            )
            .optional()?)
    }

    /// Every batch, newest first, counted.
    pub fn batches(&self) -> Result<Vec<BatchSummary>, JournalError> {
        let [a, b, c, d, e] = state_args();
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "{SUMMARY} ORDER BY b.created_at DESC, b.rowid DESC"
        ))?;
        let rows = stmt
            .query_map(params![a, b, c, d, e], summary_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The batches read from this job file, newest first (to tell that it has changed since).
    pub fn batches_from(&self, source: &str) -> Result<Vec<BatchSummary>, JournalError> {
        Ok(self
            .batches()?
            .into_iter()
            .filter(|b| b.source == source)
            .collect())
    }

    /// Every number a batch has sent, with its job id (the job may since have been deleted).
    pub fn batch_sent(&self, id: &str) -> Result<Vec<(u32, JobId)>, JournalError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT number, job_id FROM batch_sent WHERE batch_id = ?1 ORDER BY number")?;
        let rows = stmt
            .query_map(params![id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Every number a batch has sent and how its job stands, by number.
    pub fn batch_states(&self, id: &str) -> Result<Vec<SentJob>, JournalError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT s.number, s.job_id, j.state,
                    (SELECT count(*) FROM results r WHERE r.job_id = s.job_id)
               FROM batch_sent s LEFT JOIN jobs j ON j.id = s.job_id
              WHERE s.batch_id = ?1 ORDER BY s.number",
        )?;
        let rows = stmt
            .query_map(params![id], |r| {
                let state: Option<String> = r.get(2)?;
                Ok(SentJob {
                    number: r.get(0)?,
                    job_id: r.get(1)?,
                    state: state.as_deref().and_then(JobState::parse),
                    images: usize::try_from(r.get::<_, i64>(3)?).unwrap_or(0),
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The batch's jobs changed at or after `since_ms` (its `updated_at`), with their results.
    pub fn batch_jobs_changed(
        &self,
        id: &str,
        since_ms: i64,
    ) -> Result<Vec<JobRecord>, JournalError> {
        self.query_jobs(
            "batch_id = ?1 AND updated_at >= ?2",
            &[&id as &dyn rusqlite::ToSql, &since_ms],
        )
    }

    /// The batch's jobs still in the journal, with their results, by number.
    pub fn batch_jobs(&self, id: &str) -> Result<Vec<JobRecord>, JournalError> {
        let mut jobs = self.query_jobs("batch_id = ?1", &[&id as &dyn rusqlite::ToSql])?;
        jobs.sort_by_key(|j| j.batch.as_ref().map_or(0, |b| b.number));
        Ok(jobs)
    }

    /// Stops a batch's sending for good: a run sends none of its numbers not yet sent. Whether
    /// there was such a batch.
    pub fn cancel_batch(&self, id: &str) -> Result<bool, JournalError> {
        let changed = self.write_conn()?.execute(
            "UPDATE batches SET cancelled = 1 WHERE id = ?1",
            params![id],
        )?;
        Ok(changed == 1)
    }
}
