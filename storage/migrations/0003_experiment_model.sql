-- The model or version behind an experiment's tool ("GPT-5" behind "ChatGPT"), kept apart from
-- the product so a model update never splits a tool in the digest. Nullable: entries stored
-- before keep working with no model.
-- Portable SQL: it runs unchanged on SQLite and PostgreSQL. Never edit a released migration.

ALTER TABLE experiments ADD COLUMN model VARCHAR(80);
