-- depends: 0003_loans
-- The signatures drawn on the tablet at an état des lieux (the participant's and the
-- coordinator's), as the PNG images the receipt prints. A drawn signature is the person's
-- personal data: erasing the participant deletes theirs (loans.participant_repository).

CREATE TABLE inspection_signatures (
    inspection_id  bigint NOT NULL REFERENCES inspections (id) ON DELETE CASCADE,
    signer         text NOT NULL CHECK (signer IN ('participant', 'staff')),
    content        bytea NOT NULL,
    created_at     timestamptz NOT NULL,
    PRIMARY KEY (inspection_id, signer)
);
COMMENT ON TABLE inspection_signatures IS
    'PNG images of the signatures drawn at a check-out or check-in (printed on its receipt)';
