//! The recovery file: where a charged task id goes when the journal cannot take it (a full disk, a
//! failing database). An append-only file of one JSON object per line beside the journal, written
//! with a plain append and fsync, no SQLite. `resume` (and the window's start) adopts its entries into
//! the journal, so the task is polled and its results copied home; nothing is ever sent again.

use std::io::Write as _;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::settings::Paths;

/// One task id the journal could not record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recovered {
    pub job_id: String,
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

/// Appends an entry and flushes it to disk.
pub fn append(paths: &Paths, entry: &Recovered) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(entry).map_err(std::io::Error::other)?;
    line.push(b'\n');
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path(paths))?;
    file.write_all(&line)?;
    file.sync_data()
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

/// Keeps only the entries not yet adopted (atomically; the file goes when none is left).
pub fn keep_only(paths: &Paths, left: &[Recovered]) -> std::io::Result<()> {
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
    super::imaging::write_atomic(&path(paths), &bytes).map_err(std::io::Error::other)
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
        keep_only(&paths, std::slice::from_ref(&two)).unwrap();
        assert_eq!(read(&paths).unwrap(), vec![two]);
        keep_only(&paths, &[]).unwrap();
        assert!(!path(&paths).exists());
    }
}
