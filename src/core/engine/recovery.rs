//! The recovery file: where a charged task id goes when the journal cannot take it (a full disk, a
//! failing database). An append-only file of one JSON object per line beside the journal, written
//! with a plain append and fsync, no SQLite. `resume` (and the window's start) adopts its entries into
//! the journal, so the task is polled and its results copied home; nothing is ever sent again.

use std::io::Write as _;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::core::job::JobId;
use crate::core::settings::Paths;

/// One task id the journal could not record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recovered {
    pub job_id: JobId,
    pub task_id: String,
    pub model: String,
    /// The status the server answered the submit with.
    pub status: String,
    pub at_ms: i64,
}

/// The recovery file of a data folder.
pub fn path(paths: &Paths) -> PathBuf {
    paths.home.join("recovered-tasks.jsonl")
}

/// Runs `work` holding the recovery file's inter-process lock, so an append by one process and a
/// rewrite by another (adopting entries) never lose each other's lines.
fn locked<T>(paths: &Paths, work: impl FnOnce() -> std::io::Result<T>) -> std::io::Result<T> {
    std::fs::create_dir_all(&paths.home)?;
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(paths.home.join("recovered-tasks.lock"))?;
    lock.lock()?;
    let out = work();
    drop(lock);
    out
}

/// Appends an entry and flushes it to disk.
pub fn append(paths: &Paths, entry: &Recovered) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(entry).map_err(std::io::Error::other)?;
    line.push(b'\n');
    locked(paths, || {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path(paths))?;
        file.write_all(&line)?;
        file.sync_data()
    })
}

/// Every readable entry (a torn last line, from a kill mid-append, is skipped).
pub fn read(paths: &Paths) -> std::io::Result<Vec<Recovered>> {
    let text = match std::fs::read_to_string(path(paths)) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    Ok(text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| match serde_json::from_str(l) {
            Ok(r) => Some(r),
            Err(e) => {
                tracing::warn!("a recovery entry could not be read ({e}): {l}");
                None
            }
        })
        .collect())
}

/// Room kept aside for the moment a disk fills: a file of this many bytes, deleted to make space
/// for a charged task id when the disk is full, and made again at the next start.
const RESERVE_BYTES: usize = 256 * 1024;

fn reserve_path(paths: &Paths) -> PathBuf {
    paths.home.join("space-reserve")
}

/// Makes sure the reserve exists (best effort: on a disk already full it cannot).
pub fn ensure_reserve(paths: &Paths) {
    let path = reserve_path(paths);
    if std::fs::metadata(&path).is_ok_and(|m| m.len() >= RESERVE_BYTES as u64) {
        return;
    }
    if let Err(e) = crate::core::imaging::write_atomic(&path, &vec![0u8; RESERVE_BYTES]) {
        tracing::warn!("the disk reserve could not be made: {e}");
    }
}

/// Frees the reserve. Returns whether there was one to free.
pub fn release_reserve(paths: &Paths) -> bool {
    let freed = std::fs::remove_file(reserve_path(paths)).is_ok();
    if freed {
        tracing::warn!("the disk is full: the reserve was freed to keep a charged task id");
    }
    freed
}

/// Reads every entry and keeps only those `keep` returns (atomically, under the lock; the file
/// goes when none is left). `keep` sees all entries first, so it may do its work (adopting them
/// into the journal) before anything is dropped.
pub fn update(
    paths: &Paths,
    keep: impl FnOnce(Vec<Recovered>) -> Vec<Recovered>,
) -> std::io::Result<()> {
    locked(paths, || {
        let entries = read(paths)?;
        if entries.is_empty() {
            return Ok(());
        }
        let before = entries.len();
        let left = keep(entries);
        if left.len() == before {
            return Ok(());
        }
        keep_only(paths, &left)
    })
}

/// Drops a job's entries: the journal has taken its task id after all.
pub fn forget(paths: &Paths, job_id: &str) -> std::io::Result<()> {
    update(paths, |entries| {
        entries.into_iter().filter(|e| e.job_id != job_id).collect()
    })
}

fn keep_only(paths: &Paths, left: &[Recovered]) -> std::io::Result<()> {
    if left.is_empty() {
        return match std::fs::remove_file(path(paths)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        };
    }
    let mut bytes = Vec::new();
    for r in left {
        bytes.extend(serde_json::to_vec(r).map_err(std::io::Error::other)?);
        bytes.push(b'\n');
    }
    crate::core::imaging::write_atomic(&path(paths), &bytes).map_err(std::io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_survive_a_torn_line_and_are_removed_once_adopted() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::new(dir.path());
        assert!(read(&paths).unwrap().is_empty());
        let one = Recovered {
            job_id: "j1".into(),
            task_id: "task_1".into(),
            model: "wan2.7-image".into(),
            status: "processing".into(),
            at_ms: 1,
        };
        let two = Recovered {
            job_id: "j2".into(),
            task_id: "task_2".into(),
            ..one.clone()
        };
        append(&paths, &one).unwrap();
        append(&paths, &two).unwrap();
        // A kill mid-append leaves half a line.
        std::fs::OpenOptions::new()
            .append(true)
            .open(path(&paths))
            .unwrap()
            .write_all(b"{\"job_id\":\"j3\",\"ta")
            .unwrap();
        assert_eq!(read(&paths).unwrap(), vec![one.clone(), two.clone()]);
        forget(&paths, "j1").unwrap();
        assert_eq!(read(&paths).unwrap(), vec![two]);
        update(&paths, |_| Vec::new()).unwrap();
        assert!(!path(&paths).exists());
    }
}
