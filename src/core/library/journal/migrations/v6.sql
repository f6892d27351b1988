-- Version 6: the seed sent and the size as an artist reads it (filled job by job after).
ALTER TABLE jobs ADD COLUMN seed INTEGER;
ALTER TABLE jobs ADD COLUMN size TEXT NOT NULL DEFAULT '';
