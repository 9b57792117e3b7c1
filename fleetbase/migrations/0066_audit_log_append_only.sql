-- depends: 0065_retention_of_everything_positional
-- The audit log is append-only in the database: an UPDATE, DELETE or TRUNCATE of
-- audit_log fails whoever runs it, the service's own role included. Entries are kept
-- FLEET_AUDIT_RETENTION_DAYS (365 by default) and then removed by `expire_audit_log`,
-- the scheduler's retention job: only a DELETE inside that function, which sets the
-- transaction-local `fleet.audit_expiry_before` to its cutoff and clears it after, passes
-- the trigger, and only for entries older than that cutoff. (The role that owns the table
-- could still drop the trigger: the migrations' role, which docs/PRIVACY.md names.)

CREATE FUNCTION audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
    expiry_before text := current_setting('fleet.audit_expiry_before', true);
BEGIN
    IF TG_OP = 'DELETE' AND coalesce(expiry_before, '') <> '' THEN
        IF OLD.at < expiry_before::timestamptz THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Entries go only past FLEET_AUDIT_RETENTION_DAYS, through expire_audit_log().';
END
$fn$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- Remove the entries older than `keep_days` days before `as_of`; how many went.
CREATE FUNCTION expire_audit_log(keep_days integer, as_of timestamptz DEFAULT now()) RETURNS integer
LANGUAGE plpgsql AS $fn$
DECLARE
    cutoff timestamptz := as_of - make_interval(days => keep_days);
    removed integer;
BEGIN
    IF keep_days < 1 THEN
        RAISE EXCEPTION 'expire_audit_log: keep_days must be at least 1' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    PERFORM set_config('fleet.audit_expiry_before', cutoff::text, true);
    DELETE FROM audit_log WHERE at < cutoff;
    GET DIAGNOSTICS removed = ROW_COUNT;
    PERFORM set_config('fleet.audit_expiry_before', '', true);
    RETURN removed;
END
$fn$;

CREATE INDEX audit_log_at_idx ON audit_log (at);
