-- What the weekly digest learns from, beyond the entry itself:
-- `caught`: how a failure was caught ('review', 'test', 'customer', 'not_yet', 'chance'), or NULL.
-- `next_try`: "next I'll try…", recalled privately in the person's next prompt ('' when unsaid).
-- `replications`: "I tried it too" from the digest's thread, one vote per reader per entry
-- (changeable): `reproduced` is 1 for "same for me", 0 for "could not reproduce".
-- `digest_pins`: the entry an admin chose to lead a ritual's week in the digest.
-- Portable SQL: it runs unchanged on SQLite and PostgreSQL. Never edit a released migration.

ALTER TABLE experiments ADD COLUMN caught VARCHAR(16);
ALTER TABLE experiments ADD COLUMN next_try TEXT NOT NULL DEFAULT '';

CREATE TABLE replications (
    experiment_id  VARCHAR(64) NOT NULL,
    user_id        VARCHAR(64) NOT NULL,
    reproduced     INTEGER NOT NULL,
    updated_at     VARCHAR(32) NOT NULL,
    PRIMARY KEY (experiment_id, user_id)
);

CREATE TABLE digest_pins (
    ritual_id      VARCHAR(64) NOT NULL,
    week           VARCHAR(16) NOT NULL,
    experiment_id  VARCHAR(64) NOT NULL,
    pinned_by      VARCHAR(64) NOT NULL,
    pinned_at      VARCHAR(32) NOT NULL,
    PRIMARY KEY (ritual_id, week)
);
