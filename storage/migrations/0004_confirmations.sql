-- What the person confirmed of an experiment, and whether they want to see what the bot understood.
-- Portable SQL: it runs unchanged on SQLite and PostgreSQL. Never edit a released migration.

-- The fields the person set themselves (a one-tap correction, or a change in the form), as a
-- comma-separated list of field names, e.g. "failure_mode,outcome". Re-reading an edited message
-- never overwrites them.
ALTER TABLE experiments ADD COLUMN confirmed_fields VARCHAR(200) NOT NULL DEFAULT '';
ALTER TABLE experiments ADD COLUMN confirmed_at VARCHAR(32);

-- 1: after a reply is captured, show its author privately what was understood.
ALTER TABLE profiles ADD COLUMN reply_summaries INTEGER NOT NULL DEFAULT 1;
