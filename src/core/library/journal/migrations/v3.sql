-- Version 3: the library's columns as plain columns, a key per job that never changes (seq); the search index is made after.
DROP TRIGGER IF EXISTS prompts_insert;
DROP TRIGGER IF EXISTS prompts_delete;
DROP TRIGGER IF EXISTS prompts_update;
DROP TABLE IF EXISTS prompts;
ALTER TABLE jobs ADD COLUMN seq INTEGER;
ALTER TABLE jobs ADD COLUMN prompt TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN negative TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN asked INTEGER NOT NULL DEFAULT 1;
UPDATE jobs SET
    seq = rowid,
    prompt = COALESCE(json_extract(request, '$.prompt'), ''),
    negative = COALESCE(json_extract(request, '$.negative_prompt'), ''),
    asked = MAX(1, COALESCE(json_extract(request, '$.n'), 1));
CREATE UNIQUE INDEX IF NOT EXISTS jobs_by_seq ON jobs(seq);
