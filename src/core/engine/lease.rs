//! One driver per job, across processes: the window and a command line on the same data folder
//! never poll, download or judge the same job twice. Whoever drives a job holds an exclusive OS
//! file lock on `locks/<job id>.lock` for as long as it does; the OS releases it when the process
//! ends, however it ends, so a job left by a killed process is free to be taken over.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::PathBuf;

use crate::core::settings::Paths;

/// The right to drive one job. Dropping it lets another process take the job.
#[derive(Debug)]
pub struct JobLease {
    file: File,
    path: PathBuf,
}

impl JobLease {
    /// The job has ended: its lock file goes (while still held, so nobody takes a stale one).
    pub fn release_ended(self) {
        let _ = std::fs::remove_file(&self.path);
        drop(self.file);
    }
}

/// Takes the lease of `job_id` if no other driver holds it: `Ok(None)` when another process (or
/// another engine in this one) is driving the job.
pub fn take(paths: &Paths, job_id: &str) -> std::io::Result<Option<JobLease>> {
    let dir = paths.home.join("locks");
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(format!("{job_id}.lock"));
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)?;
    match file.try_lock() {
        Ok(()) => Ok(Some(JobLease { file, path })),
        Err(TryLockError::WouldBlock) => Ok(None),
        Err(TryLockError::Error(e)) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_at_a_time_and_free_again_once_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::new(dir.path());
        let first = take(&paths, "job1").unwrap().expect("free");
        assert!(take(&paths, "job1").unwrap().is_none(), "held by the first");
        assert!(
            take(&paths, "job2").unwrap().is_some(),
            "other jobs are free"
        );
        drop(first);
        let again = take(&paths, "job1").unwrap().expect("free again");
        again.release_ended();
        assert!(!dir.path().join("locks/job1.lock").exists());
    }
}
