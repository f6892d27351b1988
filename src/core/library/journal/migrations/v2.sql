-- Version 2: stars and ratings, what a job is (tier, mode, palette), lineage and the spend ledger.
ALTER TABLE results ADD COLUMN favourite INTEGER NOT NULL DEFAULT 0;
ALTER TABLE results ADD COLUMN rating INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN model TEXT;
ALTER TABLE jobs ADD COLUMN mode TEXT;
ALTER TABLE jobs ADD COLUMN palette INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN rate_micro_usd INTEGER;
CREATE INDEX IF NOT EXISTS results_favourite ON results(favourite) WHERE favourite = 1;
CREATE TABLE IF NOT EXISTS lineage (
    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    slot INTEGER NOT NULL,
    parent_job TEXT NOT NULL,
    parent_index INTEGER NOT NULL,
    PRIMARY KEY (job_id, slot)
);
CREATE INDEX IF NOT EXISTS lineage_by_parent ON lineage(parent_job, parent_index);
-- What was paid stays paid: no cascade from jobs.
CREATE TABLE IF NOT EXISTS spend (
    job_id TEXT PRIMARY KEY,
    at INTEGER NOT NULL,
    model TEXT NOT NULL,
    images INTEGER NOT NULL,
    micro_usd INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS spend_by_at ON spend(at);
