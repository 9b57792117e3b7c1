-- depends: 0009_loans_rules
-- What maintenance/ needs beyond 0004: plan rules for regulatory dates and a grace
-- margin before "overdue", the default plans per vehicle kind, insurance expiry, the
-- due level last seen per vehicle and task (an alert is raised once per crossing, also
-- across restarts), repair tickets' full workflow (open, quote, final cost, parts,
-- immobilisation), the garages' web hooks and their deliveries, the alert e-mail
-- outbox, and the scheduler's record of which job ran for which time slot.

ALTER TABLE vehicles ADD COLUMN insurance_expires_on date;

-- interval: every_km / every_months since the last service covering the task;
-- controle_technique: French periodic roadworthiness test (first date from the first
-- registration, then every every_months); insurance: vehicles.insurance_expires_on.
ALTER TABLE maintenance_plans
    ADD COLUMN rule      text NOT NULL DEFAULT 'interval'
                         CHECK (rule IN ('interval', 'controle_technique', 'insurance')),
    ADD COLUMN grace_km  double precision NOT NULL DEFAULT 0 CHECK (grace_km >= 0),
    ADD COLUMN grace_days integer NOT NULL DEFAULT 0 CHECK (grace_days >= 0);
COMMENT ON COLUMN maintenance_plans.grace_km IS 'how far past due (km) a task turns from due to overdue';

-- Defaults (editable through the API): typical intervals for the fleet's vehicles, see
-- maintenance/plans.py for where each comes from.
INSERT INTO maintenance_plans (vehicle_kind, task, label, every_km, every_months, soon_km, soon_days,
                               grace_km, grace_days, rule) VALUES
    ('scooter', 'service', 'Révision (vidange, bougie, filtre à air, freins)', 3000, 12, 300, 30, 300, 15, 'interval'),
    ('scooter', 'transmission', 'Courroie et galets de variateur', 10000, 36, 500, 30, 500, 30, 'interval'),
    ('scooter', 'tyres', 'Contrôle des pneus et des freins', 1500, 6, 150, 15, 300, 15, 'interval'),
    ('scooter', 'controle_technique', 'Contrôle technique', NULL, 36, 0, 60, 0, 0, 'controle_technique'),
    ('scooter', 'insurance', 'Assurance', NULL, 12, 0, 30, 0, 0, 'insurance'),
    ('car', 'service', 'Révision (vidange, filtres)', 15000, 12, 1000, 30, 1000, 30, 'interval'),
    ('car', 'timing_belt', 'Courroie de distribution', 120000, 72, 5000, 60, 2000, 30, 'interval'),
    ('car', 'brake_fluid', 'Liquide de frein', NULL, 24, 0, 30, 0, 30, 'interval'),
    ('car', 'controle_technique', 'Contrôle technique', NULL, 24, 0, 60, 0, 0, 'controle_technique'),
    ('car', 'insurance', 'Assurance', NULL, 12, 0, 30, 0, 0, 'insurance'),
    ('ecar', 'service', 'Révision (freins, pneus, filtre d''habitacle, batterie 12 V)', 30000, 24, 1500, 30, 1500, 30, 'interval'),
    ('ecar', 'brake_fluid', 'Liquide de frein', NULL, 24, 0, 30, 0, 30, 'interval'),
    ('ecar', 'controle_technique', 'Contrôle technique', NULL, 24, 0, 60, 0, 0, 'controle_technique'),
    ('ecar', 'insurance', 'Assurance', NULL, 12, 0, 30, 0, 0, 'insurance'),
    ('ebike', 'service', 'Révision (freins, transmission, serrages, diagnostic batterie)', 2000, 12, 200, 30, 300, 30, 'interval'),
    ('ebike', 'chain', 'Chaîne et cassette', 3000, NULL, 300, 0, 500, 0, 'interval');

-- The due level of each vehicle × task last acted upon, so a crossing raises its
-- alert once, whatever the number of readings or scheduler restarts.
CREATE TABLE maintenance_due_state (
    vehicle_id  bigint NOT NULL REFERENCES vehicles (id),
    task        text NOT NULL,
    level       text NOT NULL CHECK (level IN ('ok', 'due_soon', 'due', 'overdue')),
    changed_at  timestamptz NOT NULL,
    PRIMARY KEY (vehicle_id, task)
);

-- Repair tickets: 'open' (ready, not yet sent to the garage) joins the workflow
-- draft → open → sent → accepted → in_progress → done, or cancelled.
ALTER TABLE repair_tickets
    DROP CONSTRAINT repair_tickets_status_check,
    ADD CONSTRAINT repair_tickets_status_check CHECK (status IN
        ('draft', 'open', 'sent', 'accepted', 'in_progress', 'done', 'cancelled')),
    ADD COLUMN immobilised       boolean NOT NULL DEFAULT false,
    ADD COLUMN immobilised_since timestamptz,
    ADD COLUMN quote_cents       integer CHECK (quote_cents >= 0),
    ADD COLUMN final_cost_cents  integer CHECK (final_cost_cents >= 0),
    ADD COLUMN parts             jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN tasks             text[] NOT NULL DEFAULT '{}',
    ADD COLUMN closed_at         timestamptz,
    ADD COLUMN service_record_id bigint REFERENCES service_records (id);
COMMENT ON COLUMN repair_tickets.tasks IS 'maintenance tasks the repair covers (reset when it is done)';
CREATE INDEX repair_tickets_vehicle_idx ON repair_tickets (vehicle_id, status);

-- An update is a status change, a comment, or a change of quote / cost / parts.
ALTER TABLE repair_ticket_updates
    ADD COLUMN kind text NOT NULL DEFAULT 'status' CHECK (kind IN ('status', 'comment', 'costs', 'edit')),
    ADD COLUMN author_role text;
CREATE INDEX repair_ticket_updates_ticket_idx ON repair_ticket_updates (ticket_id, at);

ALTER TABLE garages
    ADD COLUMN webhook_url    text CHECK (webhook_url ~ '^https?://'),
    ADD COLUMN webhook_secret text,
    ADD CONSTRAINT garages_webhook_secret_check CHECK (webhook_url IS NULL OR webhook_secret IS NOT NULL);

-- One row per event to deliver to a garage's system; the idempotency key stays the
-- same over retries so the receiver can drop a delivery it already processed.
CREATE TABLE webhook_deliveries (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    garage_id        bigint NOT NULL REFERENCES garages (id),
    ticket_id        bigint REFERENCES repair_tickets (id),
    event            text NOT NULL,
    idempotency_key  uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
    body             text NOT NULL,
    status           text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL,
    last_error       text,
    delivered_at     timestamptz,
    created_at       timestamptz NOT NULL
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';

-- E-mails to send (ticket notices to garages); alerts have their own flag below.
CREATE TABLE mail_outbox (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recipients  text[] NOT NULL,
    subject     text NOT NULL,
    body        text NOT NULL,
    created_at  timestamptz NOT NULL,
    attempts    integer NOT NULL DEFAULT 0,
    last_error  text,
    sent_at     timestamptz
);
CREATE INDEX mail_outbox_pending_idx ON mail_outbox (id) WHERE sent_at IS NULL;

-- The alert e-mail outbox: an alert is e-mailed once, by the scheduler, after the
-- transaction that opened it committed. Alerts older than this migration are not sent.
ALTER TABLE alerts ADD COLUMN notified_at timestamptz;
UPDATE alerts SET notified_at = created_at;
CREATE INDEX alerts_to_notify_idx ON alerts (id) WHERE notified_at IS NULL;

-- Which scheduled job ran for which time slot: inserted in the job's own transaction,
-- so a slot's work commits once, whichever process ran it.
CREATE TABLE scheduler_job_runs (
    job          text NOT NULL,
    slot         timestamptz NOT NULL,
    started_at   timestamptz NOT NULL,
    finished_at  timestamptz,
    runner       text NOT NULL,
    outcome      jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (job, slot)
);
