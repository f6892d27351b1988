-- Version 7: batches. A batch is a job file expanded; each of its jobs keeps the batch's id and
-- its number, unique together, so no number is ever journalled (and sent) twice.
CREATE TABLE IF NOT EXISTS batches (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    jobs INTEGER NOT NULL,
    micro_usd INTEGER NOT NULL,
    cancelled INTEGER NOT NULL DEFAULT 0
);
ALTER TABLE jobs ADD COLUMN batch_id TEXT;
ALTER TABLE jobs ADD COLUMN batch_job INTEGER;
CREATE UNIQUE INDEX IF NOT EXISTS jobs_batch_number ON jobs (batch_id, batch_job) WHERE batch_id IS NOT NULL;
-- The numbers sent, kept when a job is deleted (as the spend ledger is): a job file run again
-- never sends a number it sent before, even one whose results were thrown away.
CREATE TABLE IF NOT EXISTS batch_sent (
    batch_id TEXT NOT NULL,
    number INTEGER NOT NULL,
    job_id TEXT NOT NULL,
    PRIMARY KEY (batch_id, number)
);
