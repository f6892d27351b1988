//! Copying results home: each link downloaded (resumed across attempts), decoded a few at a
//! time, written with its thumbnail, and journalled before the next.

use std::sync::Arc;
use std::time::Duration;

use super::{Event, Inner};
use crate::core::api::client::{DownloadError, Progress, backoff};
use crate::core::job::ErrorCode;
use crate::core::library;
use crate::core::library::journal::{JobRecord, JobState, JournalError, ResultRecord};
use crate::core::references::LoadedImage;

/// How often a running download reports its progress.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

impl Inner {
    /// Copies every result home that is not there yet.
    pub(super) async fn download_all(
        &self,
        job_id: &str,
        urls: &[String],
    ) -> Result<(), JournalError> {
        let id = job_id.to_owned();
        let Some(job) = self.db(move |j| j.get(&id)).await? else {
            return Ok(());
        };
        // Only the lease holder writes into this job's folders: anything half-written there was
        // left by a driver that was killed, whatever its age.
        let folders = [
            self.cfg.paths.library().join(&job.id),
            self.cfg.paths.thumbnails().join(&job.id),
        ];
        let swept = tokio::task::spawn_blocking(move || {
            folders
                .iter()
                .map(|d| crate::core::imaging::sweep_partials(d, Duration::ZERO))
                .sum::<usize>()
        })
        .await
        .unwrap_or(0);
        if swept > 0 {
            tracing::info!(job = %job.id, swept, "removed files half-written by a killed driver");
        }
        let count = u32::try_from(urls.len()).unwrap_or(u32::MAX);
        for (index, url) in urls.iter().enumerate() {
            let index = u32::try_from(index).unwrap_or(u32::MAX);
            if job
                .results
                .iter()
                .any(|r| r.index == index && library::is_stored(r))
            {
                continue;
            }
            let downloaded = tokio::select! {
                // The journal keeps the job downloading; the next engine copies what is missing.
                () = self.stopped() => return Ok(()),
                d = self.download_one(&job, index, count, url) => d,
            };
            match downloaded {
                Ok(record) => {
                    self.db(move |j| j.add_result(&record)).await?;
                    self.emit(job_id).await;
                }
                Err(_) if self.stopping() => return Ok(()),
                Err(Fetch::Download(msg)) => {
                    let err = ErrorCode::DownloadFailed.body(&format!(
                            "Result {} could not be copied home: {msg}. Resume to try again (result links expire after about a day).",
                            index + 1
                        ),
                    );
                    self.set_state(job_id, JobState::DownloadFailed, Some(&err))
                        .await?;
                    return Ok(());
                }
                Err(Fetch::Store(msg)) => {
                    let err = ErrorCode::StorageFailed.body(&format!(
                            "Result {} was downloaded but could not be saved: {msg}. Free some disk space, then Resume (result links expire after about a day).",
                            index + 1
                        ),
                    );
                    self.set_state(job_id, JobState::DownloadFailed, Some(&err))
                        .await?;
                    return Ok(());
                }
            }
        }
        self.set_state(job_id, JobState::Completed, None).await?;
        tracing::info!(job = %job_id, results = urls.len(), "completed");
        Ok(())
    }

    async fn download_one(
        &self,
        job: &JobRecord,
        index: u32,
        count: u32,
        url: &str,
    ) -> Result<ResultRecord, Fetch> {
        let bytes = self.fetch(job, index, count, url).await?;
        // At most a few decodes at once, however many results arrive together.
        let permit = self
            .decoders
            .acquire()
            .await
            .map_err(|e| Fetch::Download(format!("the decoder pool closed: {e}")))?;
        let request = job.request.clone();
        let (bytes, decoded) = tokio::task::spawn_blocking(move || {
            let decoded = library::decode_result(&request, &bytes);
            (bytes, decoded)
        })
        .await
        .map_err(|e| Fetch::Download(format!("the worker stopped: {e}")))?;
        drop(permit);
        let decoded = decoded.map_err(|e| Fetch::Download(e.to_string()))?;
        // A window shows it now, while the files are written.
        self.send(Event::Thumbnail {
            job_id: job.id.clone(),
            index,
            image: LoadedImage {
                source_dims: decoded.dims,
                pixels: Arc::clone(&decoded.thumbnail),
                note: None,
            },
        });
        let paths = self.cfg.paths.clone();
        let job = job.clone();
        let written = tokio::task::spawn_blocking(move || {
            library::write_result(&paths, &job, index, &bytes, &decoded)
        })
        .await
        .map_err(|e| Fetch::Download(format!("the worker stopped: {e}")))?
        .map_err(|e| match e {
            // Writing to this machine failed: a full disk, a read-only folder.
            crate::core::imaging::ImagingError::Io { .. } => Fetch::Store(e.to_string()),
            other => Fetch::Download(other.to_string()),
        });
        if let Some(trouble) = library::provenance::take_signing_trouble(&self.cfg.paths) {
            self.send(Event::Notice(trouble));
        }
        written
    }

    /// One result's bytes, tried up to the configured attempts, telling the front ends how far it
    /// got at most every [`PROGRESS_EVERY`].
    async fn fetch(
        &self,
        job: &JobRecord,
        index: u32,
        count: u32,
        url: &str,
    ) -> Result<Vec<u8>, Fetch> {
        let attempts = self.cfg.download_attempts.max(1);
        let mut attempt = 0;
        // Kept across attempts: a download cut halfway continues from where it stopped.
        let mut bytes = Vec::new();
        loop {
            attempt += 1;
            let mut last_told: Option<std::time::Instant> = None;
            let mut tell = |progress: Progress| {
                let now = std::time::Instant::now();
                let finished = progress.total == Some(progress.done);
                if finished || last_told.is_none_or(|t| now.duration_since(t) >= PROGRESS_EVERY) {
                    last_told = Some(now);
                    self.send(Event::Download {
                        job_id: job.id.clone(),
                        index,
                        count,
                        progress,
                    });
                }
            };
            match self
                .client
                .download_into_with(url, &mut bytes, &mut tell)
                .await
            {
                Ok(()) => return Ok(bytes),
                Err(DownloadError::Transient(msg)) if attempt < attempts => {
                    let wait = backoff(self.cfg.poll_interval, attempt);
                    tracing::warn!(job = %job.id, index, "download failed, retrying in {wait:?}: {msg}");
                    tokio::time::sleep(wait).await;
                }
                Err(DownloadError::Transient(msg) | DownloadError::Permanent(msg)) => {
                    return Err(Fetch::Download(msg));
                }
            }
        }
    }
}

/// Why a result did not come home.
pub(super) enum Fetch {
    /// It could not be downloaded, or what came is not the image it should be.
    Download(String),
    /// It came, but this machine could not save it.
    Store(String),
}
