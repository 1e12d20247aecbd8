-- Emoji reactions on messages that are entries (a reply captured in a prompt's thread), for the
-- digest's "most reacted" entry: one row per person, message and emoji, deleted when the
-- reaction is removed, and by forget-me. Only who reacted is kept; it is counted per entry.
-- Portable SQL: it runs unchanged on SQLite and PostgreSQL. Never edit a released migration.

CREATE TABLE reactions (
    team_id     VARCHAR(64) NOT NULL,
    channel_id  VARCHAR(64) NOT NULL,
    message_ts  VARCHAR(32) NOT NULL,
    user_id     VARCHAR(64) NOT NULL,
    reaction    VARCHAR(100) NOT NULL,
    reacted_at  VARCHAR(32) NOT NULL,
    PRIMARY KEY (channel_id, message_ts, user_id, reaction)
);

CREATE INDEX reactions_by_user ON reactions (user_id);
