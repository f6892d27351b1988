-- Version 4: the queue's count of older finished jobs read from an index, not a scan of every job.
CREATE INDEX IF NOT EXISTS jobs_live ON jobs(dismissed, state);
