-- Named leases held by one replica at a time, e.g. "scheduler": the replica holding it runs the
-- scheduled work of each tick, the others skip it. `holder` is empty and `lease_until` is ''
-- when nobody holds it; a holder that dies loses it when `lease_until` has passed.
-- Portable SQL: it runs unchanged on SQLite and PostgreSQL. Never edit a released migration.
CREATE TABLE leases (
    name         VARCHAR(64) PRIMARY KEY,
    holder       VARCHAR(100) NOT NULL,
    lease_until  VARCHAR(32) NOT NULL,
    taken_at     VARCHAR(32) NOT NULL
);
