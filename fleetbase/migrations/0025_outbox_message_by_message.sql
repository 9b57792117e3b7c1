-- depends: 0014_partition_creation_blocks_inserts
-- The scheduler sends alert e-mails, queued e-mails and web hooks one by one, each step
-- in a short transaction of its own (claim, send, record), never holding a lock while it
-- talks to the network. Claiming moves the next attempt past a lease, so a process that
-- dies while sending retries later; a message refused over and over is given up (with
-- its reason) and never holds up the others.
ALTER TABLE alerts
    ADD COLUMN mail_failures        integer NOT NULL DEFAULT 0,
    ADD COLUMN mail_next_attempt_at timestamptz,
    ADD COLUMN mail_last_error      text,
    ADD COLUMN mail_failed_at       timestamptz;
DROP INDEX alerts_to_notify_idx;
CREATE INDEX alerts_to_notify_idx ON alerts (id) WHERE notified_at IS NULL AND mail_failed_at IS NULL;

ALTER TABLE mail_outbox
    ADD COLUMN next_attempt_at timestamptz,
    ADD COLUMN failed_at       timestamptz;
DROP INDEX mail_outbox_pending_idx;
CREATE INDEX mail_outbox_pending_idx ON mail_outbox (id) WHERE sent_at IS NULL AND failed_at IS NULL;
