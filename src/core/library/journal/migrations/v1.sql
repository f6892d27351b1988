-- Version 1: jobs and the results copied home.
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    backend TEXT NOT NULL,
    request TEXT NOT NULL,
    state TEXT NOT NULL,
    task_id TEXT,
    remote_status TEXT,
    error TEXT,
    result_urls TEXT NOT NULL DEFAULT '[]',
    submitted_at INTEGER,
    finished_at INTEGER,
    dismissed INTEGER NOT NULL DEFAULT 0,
    retry_of TEXT
);
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs(state);
CREATE INDEX IF NOT EXISTS jobs_by_created ON jobs(created_at);
CREATE TABLE IF NOT EXISTS results (
    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    path TEXT NOT NULL,
    thumbnail TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    PRIMARY KEY (job_id, idx)
);
