-- Sharing without one's name, and asking a person's job function once.
-- Portable SQL: it runs unchanged on SQLite and PostgreSQL. Never edit a released migration.

-- 1: the entry is shown without its author's name in the digest and the thread copy, and
-- exported without its author unless the operator asks for authors explicitly.
ALTER TABLE experiments ADD COLUMN is_anonymous INTEGER NOT NULL DEFAULT 0;

-- Whether the one-time question "what is your job function?" was put to the person, and how it
-- ended: NULL never asked, 'asked' (sent, not answered), 'answered', 'dismissed'.
ALTER TABLE profiles ADD COLUMN function_question VARCHAR(16);
