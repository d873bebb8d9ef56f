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
-- "Already reported" near a spot, whatever the type: open parents by grid cell.
CREATE INDEX service_requests_open_parents_any_cell ON service_requests (grid_cell)
    WHERE parent_request_id IS NULL AND status IN ('open', 'acknowledged', 'in_progress');

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
