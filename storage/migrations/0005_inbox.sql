-- The inbox: every request that must not be lost, written down before Slack gets its answer.
-- Portable SQL: it runs unchanged on SQLite and PostgreSQL. Never edit a released migration.

-- `id` names the request (`event:<event_id>`, `command:<trigger_id>`), so a redelivery is one row.
-- `status` is pending, done or failed; a pending row is free to take when `lease_until` is empty
-- or past, so a row taken by a worker that died is taken again once its lease runs out.
CREATE TABLE inbox (
    id           VARCHAR(200) PRIMARY KEY,
    kind         VARCHAR(16) NOT NULL,
    -- Whose request it is, so forget-me can remove it (a pending one too).
    user_id      VARCHAR(32),
    body         TEXT NOT NULL,
    status       VARCHAR(16) NOT NULL,
    attempts     INTEGER NOT NULL,
    received_at  VARCHAR(32) NOT NULL,
    lease_until  VARCHAR(32),
    finished_at  VARCHAR(32),
    last_error   TEXT
);

CREATE INDEX inbox_due ON inbox (status, lease_until, received_at);

CREATE INDEX inbox_finished ON inbox (finished_at);
