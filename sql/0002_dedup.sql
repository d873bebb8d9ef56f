-- Samespot schema, migration 2: duplicate merging.

-- One rule per service type, editable by staff; types without a row use the built-in fallback.
CREATE TABLE dedup_rules (
    service_code    text PRIMARY KEY REFERENCES service_types ON DELETE CASCADE,
    enabled         boolean NOT NULL DEFAULT true,
    match_unit      text NOT NULL CHECK (match_unit IN ('distance', 'address', 'block')),
    radius_m        double precision NOT NULL CHECK (radius_m >= 0 AND radius_m <= 5000),
    window_seconds  double precision NOT NULL CHECK (window_seconds >= 0),
    open_statuses   text[] NOT NULL DEFAULT '{open,acknowledged,in_progress}',
    updated_at      timestamptz NOT NULL DEFAULT now(),
    updated_by      text NOT NULL DEFAULT 'default'
);

-- What the engine matches on: the canonical address, its hundred block, and a 250 m cell of
-- the metric grid (the unit of the advisory locks that keep one parent per spot).
ALTER TABLE service_requests
    ADD COLUMN address_key text NOT NULL DEFAULT '',
    ADD COLUMN block_key   text NOT NULL DEFAULT '',
    ADD COLUMN grid_cell   bigint;

-- Candidate parents: open, not themselves merged, by type and cell / address / block.
CREATE INDEX service_requests_open_parents_cell ON service_requests (service_code, grid_cell, requested_at)
    WHERE parent_request_id IS NULL AND status IN ('open', 'acknowledged', 'in_progress');
CREATE INDEX service_requests_open_parents_address ON service_requests (service_code, address_key)
    WHERE parent_request_id IS NULL AND status IN ('open', 'acknowledged', 'in_progress') AND address_key <> '';
CREATE INDEX service_requests_open_parents_block ON service_requests (service_code, block_key)
    WHERE parent_request_id IS NULL AND status IN ('open', 'acknowledged', 'in_progress') AND block_key <> '';

-- Why each merge happened; kept when staff undo it (reverted_at), for the record.
CREATE TABLE dedup_decisions (
    decision_id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id          bigint NOT NULL REFERENCES service_requests ON DELETE CASCADE,
    parent_request_id   bigint NOT NULL REFERENCES service_requests ON DELETE CASCADE,
    distance_m          double precision,
    age_seconds         double precision NOT NULL,
    same_address        boolean NOT NULL,
    same_block          boolean NOT NULL,
    score               double precision NOT NULL,
    rule                jsonb NOT NULL,
    decided_by          text NOT NULL DEFAULT 'engine',
    decided_at          timestamptz NOT NULL DEFAULT now(),
    reverted_at         timestamptz
);
CREATE INDEX dedup_decisions_request ON dedup_decisions (request_id);
CREATE INDEX dedup_decisions_parent ON dedup_decisions (parent_request_id);

-- Who did what to a case, and when: intake, merges, unmerges, status changes.
CREATE TABLE audit_log (
    audit_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id  bigint REFERENCES service_requests ON DELETE CASCADE,
    action      text NOT NULL,
    actor       text NOT NULL,
    at          timestamptz NOT NULL DEFAULT now(),
    details     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_request ON audit_log (request_id, at);
