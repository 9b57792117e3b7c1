-- depends: 0070_tracker_nats_password
-- Photos of a repair ticket: the fault (staff, when opening or completing it) and the repair
-- (the garage), each checked and stripped of its metadata like an inspection's
-- (loans/photos.py), with who uploaded it. And the quote staff accept: the status update
-- that accepted it keeps the amount read, so who accepted which quote stays on record.

CREATE TABLE repair_ticket_photos (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id     bigint NOT NULL REFERENCES repair_tickets (id) ON DELETE CASCADE,
    tag           text NOT NULL CHECK (tag IN ('fault', 'repair')),
    content_type  text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
    content       bytea NOT NULL,
    caption       text NOT NULL DEFAULT '',
    uploaded_by   bigint REFERENCES users (id) ON DELETE SET NULL,
    author_role   text NOT NULL,
    created_at    timestamptz NOT NULL
);
CREATE INDEX repair_ticket_photos_ticket_idx ON repair_ticket_photos (ticket_id, created_at);
COMMENT ON TABLE repair_ticket_photos IS
    'photos of a repair ticket: the fault or the repair, without metadata (no position)';

ALTER TABLE repair_ticket_updates
    ADD COLUMN accepted_quote_cents integer CHECK (accepted_quote_cents >= 0);
COMMENT ON COLUMN repair_ticket_updates.accepted_quote_cents IS
    'the quote accepted by this status change (sent → accepted), as the staff member read it';
