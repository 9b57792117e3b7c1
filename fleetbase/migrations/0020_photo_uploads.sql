-- depends: 0014_partition_creation_blocks_inserts
-- Photos arrive on their own (POST /api/v1/photos: one checked image per request) and
-- wait here until an inspection names them; naming one moves it into
-- inspection_photos, so an inspection's photos stay its own (deleted with it) and no
-- copy is left here. An upload nothing claimed is deleted after a day.

CREATE TABLE photo_uploads (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    content_type  text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
    content       bytea NOT NULL,
    uploaded_by   bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL
);
CREATE INDEX photo_uploads_created_idx ON photo_uploads (created_at);
COMMENT ON TABLE photo_uploads IS
    'photos uploaded and not yet named by an inspection (moved into inspection_photos when they are)';
