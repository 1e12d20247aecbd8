-- Experiments, people's profiles, and the Events API envelopes already processed.
-- Portable SQL: it runs unchanged on SQLite and PostgreSQL. Never edit a released migration.

CREATE TABLE processed_events (
    event_id     VARCHAR(64) PRIMARY KEY,
    event_type   VARCHAR(64) NOT NULL,
    received_at  VARCHAR(32) NOT NULL
);

CREATE TABLE profiles (
    team_id       VARCHAR(32) NOT NULL,
    user_id       VARCHAR(32) NOT NULL,
    job_function  VARCHAR(32),
    tz_override   VARCHAR(64),
    dm_prompts    INTEGER NOT NULL DEFAULT 1,
    paused_until  VARCHAR(10),
    created_at    VARCHAR(32) NOT NULL,
    updated_at    VARCHAR(32) NOT NULL,
    PRIMARY KEY (team_id, user_id)
);

CREATE TABLE experiments (
    id             VARCHAR(32) PRIMARY KEY,
    team_id        VARCHAR(32) NOT NULL,
    user_id        VARCHAR(32) NOT NULL,
    source         VARCHAR(16) NOT NULL,
    -- What makes a capture idempotent: "msg:<channel>:<ts>" for a thread reply,
    -- "view:<view_id>" for a form, "cmd:<trigger_id>" for a slash command.
    source_key     VARCHAR(200) NOT NULL UNIQUE,
    tool           VARCHAR(80),
    work           TEXT NOT NULL,
    summary        TEXT NOT NULL,
    surprise       TEXT NOT NULL,
    failure        TEXT NOT NULL,
    outcome        VARCHAR(16),
    failure_mode   VARCHAR(32),
    job_function   VARCHAR(32),
    is_private     INTEGER NOT NULL DEFAULT 0,
    channel_id     VARCHAR(32),
    message_ts     VARCHAR(32),
    permalink      TEXT,
    echo_channel_id VARCHAR(32),
    echo_ts        VARCHAR(32),
    ritual_id      VARCHAR(32),
    week           VARCHAR(8) NOT NULL,
    created_at     VARCHAR(32) NOT NULL,
    updated_at     VARCHAR(32) NOT NULL
);

CREATE INDEX experiments_by_user ON experiments (team_id, user_id, created_at);
CREATE INDEX experiments_by_week ON experiments (team_id, week);
CREATE INDEX experiments_by_message ON experiments (channel_id, message_ts);
