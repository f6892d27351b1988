-- Version 8: the agent that asked for a job through `wan-studio mcp` (its client's name), so the
-- window can say so; NULL for the window's and the command line's jobs.
ALTER TABLE jobs ADD COLUMN agent TEXT;
