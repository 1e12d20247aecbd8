-- What became of a message the bot follows, kept whatever order Slack's events arrive in.
-- Portable SQL: it runs unchanged on SQLite and PostgreSQL. Never edit a released migration.
--
-- A deletion leaves a tombstone (deleted = 1) that outlives the experiment, so the message
-- arriving late or again is not captured. `edited_ts` is the newest edit applied or seen
-- (Slack's `message.edited.ts`), so an older edit arriving later changes nothing. An edit of a
-- reply that is not captured yet keeps its text in `pending_text` (and its author, so forgetting
-- the person removes it) until the reply is captured with it.
CREATE TABLE message_changes (
    channel_id    VARCHAR(32) NOT NULL,
    message_ts    VARCHAR(32) NOT NULL,
    deleted       INTEGER NOT NULL DEFAULT 0,
    edited_ts     VARCHAR(32),
    pending_text  TEXT,
    user_id       VARCHAR(32),
    updated_at    VARCHAR(32) NOT NULL,
    PRIMARY KEY (channel_id, message_ts)
);

CREATE INDEX message_changes_by_user ON message_changes (user_id);
CREATE INDEX message_changes_by_age ON message_changes (updated_at);
