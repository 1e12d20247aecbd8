-- Rituals, their weekly occurrences, every send claimed before it is made, and skips.
-- Portable SQL: it runs unchanged on SQLite and PostgreSQL. Never edit a released migration.

CREATE TABLE rituals (
    id                 VARCHAR(32) PRIMARY KEY,
    team_id            VARCHAR(32) NOT NULL,
    name               VARCHAR(60) NOT NULL,
    audience_kind      VARCHAR(16) NOT NULL,
    audience           TEXT NOT NULL,
    weekday            INTEGER NOT NULL,
    at_time            VARCHAR(5) NOT NULL,
    tz                 VARCHAR(64) NOT NULL,
    prompt_channel_id  VARCHAR(32),
    dm                 INTEGER NOT NULL,
    per_person_tz      INTEGER NOT NULL,
    prompt_text        TEXT NOT NULL,
    reminder_weekday   INTEGER,
    reminder_time      VARCHAR(5),
    digest_channel_id  VARCHAR(32),
    digest_weekday     INTEGER NOT NULL,
    digest_time        VARCHAR(5) NOT NULL,
    quiet_week_post    INTEGER NOT NULL,
    paused             INTEGER NOT NULL,
    created_by         VARCHAR(32) NOT NULL,
    created_at         VARCHAR(32) NOT NULL,
    updated_at         VARCHAR(32) NOT NULL,
    UNIQUE (team_id, name)
);

-- One row per ritual and ISO week: who was in the audience when it was asked, and when its
-- prompts and reminders were all dealt with (so later runs need not look again).
CREATE TABLE occurrences (
    ritual_id          VARCHAR(32) NOT NULL REFERENCES rituals (id) ON DELETE CASCADE,
    week               VARCHAR(8) NOT NULL,
    audience           TEXT NOT NULL,
    created_at         VARCHAR(32) NOT NULL,
    prompts_done_at    VARCHAR(32),
    reminders_done_at  VARCHAR(32),
    PRIMARY KEY (ritual_id, week)
);

-- Every message the bot sends on a schedule is claimed here first. The key is
-- "<kind>:<ritual>:<week>:<recipient>", so a restart, a doubled timer or a second replica
-- finds the claim and does not send again.
CREATE TABLE sends (
    send_key     VARCHAR(200) PRIMARY KEY,
    ritual_id    VARCHAR(32) NOT NULL,
    week         VARCHAR(8) NOT NULL,
    kind         VARCHAR(16) NOT NULL,
    recipient    VARCHAR(64) NOT NULL,
    status       VARCHAR(16) NOT NULL,
    channel_id   VARCHAR(32),
    ts           VARCHAR(32),
    attempts     INTEGER NOT NULL,
    error        VARCHAR(200),
    claimed_at   VARCHAR(32) NOT NULL,
    finished_at  VARCHAR(32)
);

CREATE INDEX sends_by_message ON sends (channel_id, ts);
CREATE INDEX sends_by_occurrence ON sends (ritual_id, week, kind);

CREATE TABLE skips (
    ritual_id    VARCHAR(32) NOT NULL REFERENCES rituals (id) ON DELETE CASCADE,
    week         VARCHAR(8) NOT NULL,
    user_id      VARCHAR(32) NOT NULL,
    created_at   VARCHAR(32) NOT NULL,
    PRIMARY KEY (ritual_id, week, user_id)
);

-- A digest is rendered once per ritual and week and kept, so a post that failed half-way is
-- resumed with the very same parts, and a failed post can be retried.
CREATE TABLE digests (
    ritual_id    VARCHAR(32) NOT NULL,
    week         VARCHAR(8) NOT NULL,
    parts        TEXT NOT NULL,
    created_at   VARCHAR(32) NOT NULL,
    PRIMARY KEY (ritual_id, week)
);
