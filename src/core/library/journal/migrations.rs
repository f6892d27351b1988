//! How the journal's layout grows: one SQL file per version under `migrations/`, run once each,
//! in order, inside one transaction, from the version a journal is at (`PRAGMA user_version`).
//! A version whose new columns are filled from each job's request keeps that step here in Rust,
//! right after its SQL.
//!
//! To add a version: write `migrations/vN.sql`, add a `to_vN` below and its line in [`migrate`],
//! and raise [`VERSION`]; a test opens a journal of the last version and checks the new one.

use rusqlite::{Connection, params};

use super::JournalError;
use super::catalog::{CREATE_PROMPTS, FILL_PROMPTS, LibraryMode, PROMPT_TRIGGERS, rate};
use crate::core::api::pricing::Rates;
use crate::core::api::request::{GenerationRequest, Model};

/// The schema version this build writes (`PRAGMA user_version`).
pub(super) const VERSION: i64 = 8;

/// Version 1, the tables every journal starts from (each statement is `IF NOT EXISTS`).
pub(super) const V1: &str = include_str!("migrations/v1.sql");

const V5: &str = include_str!("migrations/v5.sql");

/// Whether the journal's layout is this version's (nothing for [`migrate`] to do).
pub(super) fn current(conn: &Connection) -> rusqlite::Result<bool> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    Ok(version >= VERSION)
}

/// Brings a journal up to [`VERSION`], in one transaction.
pub(super) fn migrate(conn: &Connection) -> Result<(), JournalError> {
    if current(conn)? {
        return Ok(());
    }
    // Immediate: a second process opening the same journal waits, then finds it done.
    let tx = rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)?;
    let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version >= VERSION {
        return Ok(());
    }
    if version < 2 {
        to_v2(&tx)?;
    }
    if version < 3 {
        to_v3(&tx)?;
    }
    // Each step once, from the version the journal is at (a step is not safe to run twice).
    if version < 4 {
        to_v4(&tx)?;
    }
    if version < 5 {
        to_v5(&tx)?;
    }
    if version < 6 {
        to_v6(&tx)?;
    }
    if version < 7 {
        to_v7(&tx)?;
    }
    if version < 8 {
        to_v8(&tx)?;
    }
    tx.execute_batch(&format!("PRAGMA user_version = {VERSION};"))?;
    tx.commit()?;
    Ok(())
}

/// Version 8: the agent that asked for a job (through `wan-studio mcp`), if one did.
fn to_v8(tx: &rusqlite::Transaction<'_>) -> Result<(), JournalError> {
    tx.execute_batch(include_str!("migrations/v8.sql"))?;
    Ok(())
}

/// Version 7: batches, and each job's batch and number in it (unique together).
fn to_v7(tx: &rusqlite::Transaction<'_>) -> Result<(), JournalError> {
    tx.execute_batch(include_str!("migrations/v7.sql"))?;
    Ok(())
}

/// Version 6: what tells variations apart, as columns the gallery's shelf reads without parsing
/// each request: the seed sent and the size as an artist reads it.
fn to_v6(tx: &rusqlite::Transaction<'_>) -> Result<(), JournalError> {
    tx.execute_batch(include_str!("migrations/v6.sql"))?;
    // The size label is made by the same function the app writes it with, job by job.
    let mut read = tx.prepare("SELECT rowid, request FROM jobs")?;
    let rows: Vec<(i64, String)> = read
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut write = tx.prepare("UPDATE jobs SET seed = ?2, size = ?3 WHERE rowid = ?1")?;
    for (rowid, request) in rows {
        let Ok(request) = serde_json::from_str::<GenerationRequest>(&request) else {
            continue;
        };
        write.execute(params![rowid, request.seed, request.size_label()])?;
    }
    Ok(())
}

/// Version 5: the spend ledger says which results came from the sandbox (nothing was paid for
/// them), so the API's spend and its budget count only what the API charged. A sandbox job deleted
/// before this version left no trace of where it ran: its row stays counted as paid.
fn to_v5(tx: &rusqlite::Transaction<'_>) -> Result<(), JournalError> {
    tx.execute_batch(V5)?;
    Ok(())
}

/// Version 4: the queue's count of older finished jobs read from an index, not a scan of every
/// job (tens of milliseconds at 100,000 results, on every listing).
fn to_v4(tx: &rusqlite::Transaction<'_>) -> Result<(), JournalError> {
    tx.execute_batch(include_str!("migrations/v4.sql"))?;
    Ok(())
}

/// Version 3: the columns the library reads (prompt, negative prompt, images asked for) as plain
/// columns, a key per job that never changes (`seq`), and the search index over them by that key.
fn to_v3(tx: &rusqlite::Transaction<'_>) -> Result<(), JournalError> {
    tx.execute_batch(include_str!("migrations/v3.sql"))?;
    tx.execute_batch(CREATE_PROMPTS)?;
    tx.execute_batch(FILL_PROMPTS)?;
    tx.execute_batch(PROMPT_TRIGGERS)?;
    Ok(())
}

/// Version 2: stars and ratings, what a job is (tier, mode, palette), lineage and the spend ledger.
fn to_v2(tx: &rusqlite::Transaction<'_>) -> Result<(), JournalError> {
    tx.execute_batch(include_str!("migrations/v2.sql"))?;
    let mut filed = Vec::new();
    {
        let mut stmt = tx.prepare("SELECT id, request FROM jobs")?;
        for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
            let (id, request) = row?;
            // A record the journal cannot read stays unfiled (and is reported where it is read).
            if let Ok(request) = serde_json::from_str::<GenerationRequest>(&request) {
                filed.push((id, request));
            }
        }
    }
    for (id, request) in &filed {
        tx.execute(
            "UPDATE jobs SET model = ?2, mode = ?3, palette = ?4 WHERE id = ?1",
            params![
                id,
                request.model.id(),
                LibraryMode::of(request).as_str(),
                request.color_palette.is_some()
            ],
        )?;
    }
    // What finished jobs cost, at today's published rates (the rate at the time was not kept).
    let rates = Rates::default();
    tx.execute(
        "INSERT OR IGNORE INTO spend (job_id, at, model, images, micro_usd)
         SELECT id, COALESCE(finished_at, updated_at), COALESCE(model, ''), json_array_length(result_urls),
                json_array_length(result_urls) * (CASE model WHEN ?1 THEN ?2 ELSE ?3 END)
         FROM jobs WHERE json_array_length(result_urls) > 0",
        params![
            Model::Pro.id(),
            rate(&rates, Model::Pro),
            rate(&rates, Model::Standard)
        ],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::library::journal::catalog::SANDBOX_BACKEND;

    #[test]
    fn version_5_reads_the_sandbox_as_the_rest_of_the_catalog_does() {
        assert!(
            V5.contains(SANDBOX_BACKEND),
            "v5.sql and SANDBOX_BACKEND must agree"
        );
    }

    #[test]
    fn a_fresh_journal_migrates_to_this_version_and_a_second_run_does_nothing() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(V1).unwrap();
        migrate(&conn).unwrap();
        assert!(current(&conn).unwrap());
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, VERSION);
        // Every version's columns are there.
        for column in ["favourite", "rating"] {
            conn.execute_batch(&format!("SELECT {column} FROM results"))
                .unwrap();
        }
        for column in [
            "model",
            "seq",
            "prompt",
            "seed",
            "size",
            "batch_id",
            "batch_job",
        ] {
            conn.execute_batch(&format!("SELECT {column} FROM jobs"))
                .unwrap();
        }
        conn.execute_batch("SELECT sandbox FROM spend").unwrap();
        conn.execute_batch("SELECT id, source, jobs, micro_usd, cancelled FROM batches")
            .unwrap();
        migrate(&conn).unwrap();
    }
}
