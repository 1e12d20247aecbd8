-- Indexes for the digest's questions about the past, so a digest never reads a team's history:
-- "was this tool named before this week?" and "did this person share before this week?" are
-- each answered by one index seek (EXISTS), and "in which week was each model first named?" by
-- a scan of the entries that name a model only.
-- Portable SQL: it runs unchanged on SQLite and PostgreSQL. Never edit a released migration.
CREATE INDEX experiments_tool_history ON experiments (team_id, tool, is_private, week);
CREATE INDEX experiments_sharer_history ON experiments (team_id, user_id, is_private, week);
CREATE INDEX experiments_model_history ON experiments (team_id, model, tool, is_private, week);
