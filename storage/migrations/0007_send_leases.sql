-- A claim on a send is held by a lease its owner renews while the send is in progress, so a
-- second replica never takes over a send whose owner is alive. `claimed_at` stays the time of
-- the first claim: the earliest moment the message could have reached Slack.
ALTER TABLE sends ADD COLUMN lease_until VARCHAR(32);

-- 1 when an attempt may have reached Slack without the bot knowing (a crash, a timeout, a 5xx,
-- a cancelled call): the next attempt looks for the message by its metadata before posting.
ALTER TABLE sends ADD COLUMN maybe_posted INTEGER NOT NULL DEFAULT 0;

-- A send waiting for a retry may have been answered by a 5xx after Slack accepted it.
UPDATE sends SET maybe_posted = 1 WHERE status IN ('retry', 'claimed');
