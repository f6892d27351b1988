-- Version 5: the spend ledger says which results came from the sandbox (nothing was paid for them).
-- A sandbox job's backend is not a URL (the same test as catalog.rs's SANDBOX_BACKEND).
ALTER TABLE spend ADD COLUMN sandbox INTEGER NOT NULL DEFAULT 0;
UPDATE spend SET sandbox = 1
WHERE job_id IN (SELECT id FROM jobs WHERE instr(backend, ':') = 0);
