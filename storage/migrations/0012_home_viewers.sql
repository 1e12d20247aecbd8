-- People who have opened their App Home, and when they last did: a change to their entries
-- republishes Home only for them, whichever replica handles the change.
-- Portable SQL: it runs unchanged on SQLite and PostgreSQL. Never edit a released migration.
CREATE TABLE home_viewers (
    team_id VARCHAR(32) NOT NULL,
    user_id VARCHAR(32) NOT NULL,
    last_opened_at VARCHAR(32) NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
