-- Emoji reactions on messages that are entries (a reply captured in a prompt's thread), for the
-- digest's "most reacted" entry: one row per person, message and emoji. `present` is 0 once the
-- reaction was removed, and `event_ts` is Slack's time of the event that set it, so events
-- handled out of order end as Slack's last one says. Forget-me deletes the rows.
-- Portable SQL: it runs unchanged on SQLite and PostgreSQL. Never edit a released migration.

CREATE TABLE reactions (
    team_id     VARCHAR(64) NOT NULL,
    channel_id  VARCHAR(64) NOT NULL,
    message_ts  VARCHAR(32) NOT NULL,
    user_id     VARCHAR(64) NOT NULL,
    reaction    VARCHAR(100) NOT NULL,
    present     INTEGER NOT NULL,
    event_ts    VARCHAR(32) NOT NULL,
    updated_at  VARCHAR(32) NOT NULL,
    PRIMARY KEY (channel_id, message_ts, user_id, reaction)
);

CREATE INDEX reactions_by_user ON reactions (user_id);
