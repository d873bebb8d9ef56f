-- Samespot schema, migration 3: the public API — keys and roles, Open311 service definitions,
-- tokens, notes, joins at intake, and the customer-service deadlines.

-- API keys: only a SHA-256 of each key is kept; the key itself is shown once, when created.
CREATE TABLE api_keys (
    key_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The key's first characters, so staff can tell keys apart in a list without the secret.
    key_prefix  text NOT NULL,
    key_hash    bytea NOT NULL UNIQUE CHECK (length(key_hash) = 32),
    role        text NOT NULL CHECK (role IN ('public', 'intake', 'planner', 'ward_office', 'admin')),
    -- A ward office sees requester names in these wards only.
    wards       text[] NOT NULL DEFAULT '{}',
    label       text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz,
    CHECK (role = 'ward_office' OR wards = '{}')
);

-- Open311 service definitions: the questions a type asks (attribute[code] on POST).
CREATE TABLE service_attributes (
    service_code         text NOT NULL REFERENCES service_types ON DELETE CASCADE,
    code                 text NOT NULL CHECK (code <> ''),
    variable             boolean NOT NULL DEFAULT true,
    datatype             text NOT NULL CHECK (datatype IN ('string', 'number', 'datetime', 'text', 'singlevaluelist', 'multivaluelist')),
    required             boolean NOT NULL DEFAULT false,
    datatype_description text NOT NULL DEFAULT '',
    position             integer NOT NULL DEFAULT 0,
    description          text NOT NULL DEFAULT '',
    -- [{"key": "…", "name": "…"}] for the list types.
    allowed_values       jsonb NOT NULL DEFAULT '[]',
    PRIMARY KEY (service_code, code)
);

-- The answers a request gave to its type's questions.
CREATE TABLE request_attributes (
    request_id  bigint NOT NULL REFERENCES service_requests ON DELETE CASCADE,
    code        text NOT NULL,
    answers     text[] NOT NULL,
    PRIMARY KEY (request_id, code)
);

ALTER TABLE service_requests
    -- Open311 tokens: a client can ask for its request by token (GET tokens/{token}).
    ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid(),
    ADD COLUMN media_url text NOT NULL DEFAULT '',
    -- The customer-service standard: acknowledged within 1 business day, answered within 7.
    ADD COLUMN acknowledged_at timestamptz,
    ADD COLUMN acknowledge_due_at timestamptz,
    ADD COLUMN respond_due_at timestamptz;
CREATE UNIQUE INDEX service_requests_token ON service_requests (token);
CREATE INDEX service_requests_requested ON service_requests (requested_at);
-- "Already reported" near a spot: open parents, nearest first, by a GiST index on their point
-- on the city's metric grid (PostgreSQL's own point type: no PostGIS needed). Nearest-first
-- stays fast however many open cases a busy neighbourhood has.
CREATE INDEX service_requests_open_parents_point ON service_requests USING gist (point(x_m, y_m))
    WHERE parent_request_id IS NULL AND status IN ('open', 'acknowledged', 'in_progress') AND x_m IS NOT NULL;

-- Imported cases: acknowledged when the city's file shows them past "open".
UPDATE service_requests SET acknowledged_at = coalesce(closed_at, updated_at) WHERE status <> 'open';

-- How a child came to its parent: the engine at intake, staff by hand, or a caller joined to a
-- case at intake ("already reported": a deflected duplicate).
ALTER TABLE dedup_decisions
    ADD COLUMN kind text NOT NULL DEFAULT 'engine' CHECK (kind IN ('engine', 'staff', 'join'));
UPDATE dedup_decisions SET kind = 'staff' WHERE decided_by <> 'engine';

-- Notes on a case: internal ones for staff, public ones also shown to residents (Open311 notes).
CREATE TABLE case_notes (
    note_id     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id  bigint NOT NULL REFERENCES service_requests ON DELETE CASCADE,
    author      text NOT NULL,
    body        text NOT NULL CHECK (body <> ''),
    public      boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX case_notes_request ON case_notes (request_id, created_at);

-- The city's holidays: no business day, so no deadline falls on one.
CREATE TABLE holidays (
    day   date PRIMARY KEY,
    name  text NOT NULL DEFAULT ''
);

-- Covered by service_requests_open_parents_cell (service_code first, open parents only): one
-- index less for every intake to maintain.
DROP INDEX IF EXISTS service_requests_open;

-- Intake's lock and candidate read in one round trip. The locks come first, in ascending key
-- order (two intakes never wait on each other in a cycle); the candidate query is a statement of
-- its own in this VOLATILE function, so under READ COMMITTED it takes its snapshot after the locks
-- and sees the case of whichever intake held them before. The clock is read after the locks too.
CREATE FUNCTION samespot_lock_and_candidates(
    lock_names text[], mergeable boolean, code text, open_statuses text[], window_seconds double precision,
    cells bigint[], spot_address_key text, spot_block_key text, time_zone text)
RETURNS TABLE (now_epoch double precision, local_day text, request_id bigint, requested_epoch double precision,
               date_only boolean, x_m double precision, y_m double precision, address_key text, block_key text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    clock timestamptz;
BEGIN
    PERFORM pg_advisory_xact_lock(k) FROM (
        SELECT DISTINCT hashtextextended(n, 0) AS k FROM unnest(lock_names) AS n ORDER BY 1) AS keys;
    clock := clock_timestamp();
    RETURN QUERY
        SELECT extract(epoch FROM clock)::float8, (clock AT TIME ZONE time_zone)::date::text,
               c.request_id, extract(epoch FROM c.requested_at)::float8, c.requested_at_precision = 'day', c.x_m, c.y_m,
               c.address_key, c.block_key
        FROM (SELECT 1) AS one LEFT JOIN LATERAL (
            SELECT r.request_id, r.requested_at, r.requested_at_precision, r.x_m, r.y_m, r.address_key, r.block_key
            FROM service_requests r
            WHERE mergeable AND r.service_code = code AND r.parent_request_id IS NULL
              -- Written out (not only the rule's list) so the cached plan can use the partial
              -- indexes on open cases.
              AND r.status IN ('open', 'acknowledged', 'in_progress') AND r.status = ANY(open_statuses)
              AND r.requested_at >= clock - make_interval(secs => window_seconds)
              AND (r.grid_cell = ANY(cells)
                   OR (r.address_key <> '' AND r.address_key = spot_address_key)
                   OR (r.block_key <> '' AND r.block_key = spot_block_key))
        ) c ON true;
END
$$;
