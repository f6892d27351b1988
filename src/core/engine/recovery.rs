//! The recovery file: where a charged task id goes when the journal cannot take it (a full disk, a
//! failing database). An append-only file of one JSON object per line beside the journal, written
//! with a plain append and fsync, no SQLite. `resume` (and the window's start) adopts its entries into
//! the journal, so the task is polled and its results copied home; nothing is ever sent again.
//!
//! A full disk must not be able to refuse that write, so before any submit is sent a **slot** is
//! held for it: a file of [`SLOT_BYTES`] blanks in `slots/`, written and synced. An accepted
//! submit's task id is written into that slot in place (its blocks are already the file's, so no
//! new space is needed) whenever the journal cannot take it; the slot goes once the journal has the
//! id. When the slot cannot be held, nothing is sent.

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

/// Where a job's task id is kept when the journal could not take it: its submit slot, if it is
/// there, else the recovery file.
pub fn place_of(paths: &Paths, job_id: &str) -> PathBuf {
    let slot = slot_path(paths, job_id);
    if slot.exists() { slot } else { path(paths) }
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

/// The size of a submit's slot: room for its [`Recovered`] entry with a long task id.
pub const SLOT_BYTES: usize = 1024;

/// The room held for one submit's answer (see the module's notes). Dropping it leaves the file:
/// only [`Slot::release`] (the journal has the task id, or nothing was accepted) removes it.
#[derive(Debug)]
pub struct Slot {
    path: PathBuf,
}

fn slots_dir(paths: &Paths) -> PathBuf {
    paths.home.join("slots")
}

fn slot_path(paths: &Paths, job_id: &str) -> PathBuf {
    slots_dir(paths).join(format!("{job_id}.json"))
}

impl Slot {
    /// Holds a slot for `job_id`: writes [`SLOT_BYTES`] blanks and syncs the file and its folder.
    /// An error (a full disk) means the submit must not be sent.
    pub fn hold(paths: &Paths, job_id: &str) -> std::io::Result<Slot> {
        let dir = slots_dir(paths);
        std::fs::create_dir_all(&dir)?;
        let path = slot_path(paths, job_id);
        let written = (|| {
            let mut file = std::fs::File::create(&path)?;
            file.write_all(&[b' '; SLOT_BYTES])?;
            file.sync_all()?;
            if let Ok(d) = std::fs::File::open(&dir) {
                d.sync_all()?;
            }
            Ok(())
        })();
        match written {
            Ok(()) => Ok(Slot { path }),
            Err(e) => {
                // A half-written slot gives back what it took.
                let _ = std::fs::remove_file(&path);
                Err(e)
            }
        }
    }

    /// Holds the slot for a new job's submit, on a disk with room to journal it too; or says, in
    /// words for the artist, why nothing can be sent.
    pub fn hold_for(paths: &Paths, job: &crate::core::job::JobRecord) -> Result<Slot, String> {
        let held = match free_bytes(&paths.home) {
            Some(free) if free < MIN_FREE_BYTES => Err(std::io::Error::new(
                std::io::ErrorKind::StorageFull,
                format!(
                    "less than {} KiB left for the journal",
                    MIN_FREE_BYTES / 1024
                ),
            )),
            _ => Slot::hold(paths, &job.id),
        };
        held.map_err(|e| {
            if e.kind() == std::io::ErrorKind::StorageFull {
                // Room for the results too: at most 3 bytes a pixel for each image.
                let need = crate::core::api::rules::max_pixels(&job.request)
                    .saturating_mul(u64::try_from(job.request.n.max(1)).unwrap_or(1))
                    .saturating_mul(3)
                    .saturating_add(MIN_FREE_BYTES);
                no_room(paths, &e, need)
            } else {
                format!(
                    "The room to record this request's answer could not be made in {} ({e}). Nothing was sent.",
                    paths.home.display()
                )
            }
        })
    }

    /// Writes `entry` into the slot in place (the same bytes the slot already holds: no new
    /// blocks) and syncs it. Fails only if the entry is larger than the slot, or on an I/O error.
    pub fn fill(&self, entry: &Recovered) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(entry).map_err(std::io::Error::other)?;
        if line.len() >= SLOT_BYTES {
            return Err(std::io::Error::other(format!(
                "the entry takes {} bytes, more than the slot's {SLOT_BYTES}",
                line.len()
            )));
        }
        line.resize(SLOT_BYTES - 1, b' ');
        line.push(b'\n');
        let mut file = std::fs::OpenOptions::new().write(true).open(&self.path)?;
        file.write_all(&line)?;
        file.sync_data()
    }

    /// Where the slot is.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Gives the slot back (best effort: a slot left behind holds no entry, or one the journal
    /// already has, and is cleared at the next adoption).
    pub fn release(self) {
        remove_slot(&self.path);
    }
}

fn remove_slot(path: &std::path::Path) {
    if let Err(e) = std::fs::remove_file(path)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(
            "the submit slot {} could not be removed: {e}",
            path.display()
        );
    }
}

/// The slots on disk: the filled ones (file and entry), and the empty ones' files.
#[derive(Default)]
struct Slots {
    filled: Vec<(PathBuf, Recovered)>,
    empty: Vec<PathBuf>,
}

/// Every slot in the data folder.
fn slots(paths: &Paths) -> std::io::Result<Slots> {
    let (mut filled, mut empty) = (Vec::new(), Vec::new());
    let listing = match std::fs::read_dir(slots_dir(paths)) {
        Ok(l) => l,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Slots::default()),
        Err(e) => return Err(e),
    };
    for item in listing {
        let path = item?.path();
        if path.extension().is_none_or(|x| x != "json") {
            continue;
        }
        // A slot is small by construction; anything larger is not one of ours.
        let bytes = match std::fs::metadata(&path) {
            Ok(m) if m.len() <= SLOT_BYTES as u64 => std::fs::read(&path)?,
            _ => continue,
        };
        let text = String::from_utf8_lossy(&bytes);
        if text.trim().is_empty() {
            empty.push(path);
            continue;
        }
        match serde_json::from_str::<Recovered>(text.trim()) {
            Ok(entry) => filled.push((path, entry)),
            Err(e) => tracing::warn!("the submit slot {} could not be read ({e})", path.display()),
        }
    }
    Ok(Slots { filled, empty })
}

/// Every readable entry (a torn last line, from a kill mid-append, is skipped).
pub fn read(paths: &Paths) -> std::io::Result<Vec<Recovered>> {
    let mut all = read_file(paths)?;
    all.extend(slots(paths)?.filled.into_iter().map(|(_, e)| e));
    Ok(all)
}

fn read_file(paths: &Paths) -> std::io::Result<Vec<Recovered>> {
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
        let mut entries = read_file(paths)?;
        let in_file = entries.len();
        let filled = slots(paths)?.filled;
        entries.extend(filled.iter().map(|(_, e)| e.clone()));
        if entries.is_empty() {
            return Ok(());
        }
        let left = keep(entries);
        // A slot whose entry is no longer wanted goes; the others stay as they are (rewriting
        // them into the file could need the very space a full disk lacks).
        for (path, entry) in &filled {
            if !left.contains(entry) {
                remove_slot(path);
            }
        }
        let file_left: Vec<Recovered> = left
            .into_iter()
            .filter(|e| !filled.iter().any(|(_, f)| f == e))
            .collect();
        if file_left.len() == in_file {
            return Ok(());
        }
        keep_only(paths, &file_left)
    })
}

/// Removes empty slots older than `older_than`: a submit killed before any answer (a submit in
/// flight never holds its slot that long, so another process's is left alone).
pub fn sweep_slots(paths: &Paths, older_than: std::time::Duration) -> std::io::Result<()> {
    for path in slots(paths)?.empty {
        let old = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age >= older_than);
        if old {
            remove_slot(&path);
        }
    }
    Ok(())
}

/// Below this much free space on the library's disk a job is not journalled or sent: the
/// journal's own files (its write-ahead log, its shared-memory index) need room to take it.
pub const MIN_FREE_BYTES: u64 = 1024 * 1024;

/// The bytes free for this user on the disk holding `path`, where the system says.
pub fn free_bytes(path: &std::path::Path) -> Option<u64> {
    #[cfg(unix)]
    {
        rustix::fs::statvfs(path)
            .ok()
            .map(|v| v.f_bavail.saturating_mul(v.f_frsize))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// Words for a submit refused because its slot could not be held: where, how much is free, and
/// how much to free (room for `need` bytes of results).
pub fn no_room(paths: &Paths, error: &std::io::Error, need: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    let free = free_bytes(&paths.home);
    let free_words = free.map_or_else(String::new, |f| format!(", {} KiB free", f / 1024));
    let to_free = need.saturating_sub(free.unwrap_or(0));
    format!(
        "The disk holding the library ({}) is full ({error}{free_words}): free {} MiB, then send again. Nothing was sent.",
        paths.home.display(),
        to_free.div_ceil(MIB).max(1)
    )
}

/// Drops a job's entries and its slot: the journal has taken its task id after all.
pub fn forget(paths: &Paths, job_id: &str) -> std::io::Result<()> {
    remove_slot(&slot_path(paths, job_id));
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

    #[test]
    fn a_slot_is_filled_in_place_read_as_an_entry_and_goes_once_adopted() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::new(dir.path());
        let slot = Slot::hold(&paths, "j9").unwrap();
        let held = std::fs::metadata(slot.path()).unwrap().len();
        assert_eq!(held, SLOT_BYTES as u64);
        // Held but empty: no entry, and a young empty slot survives a sweep (a submit in flight).
        assert!(read(&paths).unwrap().is_empty());
        sweep_slots(&paths, std::time::Duration::from_hours(1)).unwrap();
        assert!(slot.path().exists());
        let entry = Recovered {
            job_id: "j9".into(),
            task_id: "task_9".into(),
            model: "wan2.7-image".into(),
            status: "processing".into(),
            at_ms: 9,
        };
        slot.fill(&entry).unwrap();
        assert_eq!(
            std::fs::metadata(slot.path()).unwrap().len(),
            held,
            "in place"
        );
        assert_eq!(read(&paths).unwrap(), vec![entry.clone()]);
        // Adopting keeps what the closure keeps, and removes the rest.
        update(&paths, |all| all).unwrap();
        assert!(slot.path().exists());
        update(&paths, |_| Vec::new()).unwrap();
        assert!(!slot.path().exists());
        assert!(read(&paths).unwrap().is_empty());
        // An entry too long for the slot is refused (the caller appends it to the file instead).
        let long = Recovered {
            task_id: "t".repeat(SLOT_BYTES),
            ..entry
        };
        let slot = Slot::hold(&paths, "j10").unwrap();
        assert!(slot.fill(&long).is_err());
        // An old empty slot (a submit killed before any answer) is swept.
        sweep_slots(&paths, std::time::Duration::ZERO).unwrap();
        assert!(!slot.path().exists());
    }
}
