-- depends: 0040_expire_positions_on_both_back_ends
-- An erasure unlinks a person's loans (docs/PRIVACY.md), yet the activity report counts the
-- people followed in a month: without a link, two loans of one erased person counted as two
-- people, and the funders' figures changed with each erasure. The erasure now gives the
-- person's loans one random key, shared by them and leading to no one.

ALTER TABLE loans ADD COLUMN erased_person_key uuid;
COMMENT ON COLUMN loans.erased_person_key IS
    'set by an erasure: one random key shared by the erased person''s loans, so the report counts them as one person';
ALTER TABLE loans ADD CONSTRAINT loans_erased_person_unlinked
    CHECK (erased_person_key IS NULL OR participant_id IS NULL);
