-- depends: 0070_tracker_nats_password
-- The invoice photo of a service record, sent with the mechanics' form (/entretien):
-- checked and stripped of its metadata like an inspection's photos (loans/photos.py),
-- shown back to staff only.

CREATE TABLE service_record_photos (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    service_record_id bigint NOT NULL UNIQUE REFERENCES service_records (id) ON DELETE CASCADE,
    content_type      text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
    content           bytea NOT NULL,
    uploaded_by       bigint REFERENCES users (id),
    created_at        timestamptz NOT NULL
);
