-- Samespot schema, migration 4: the case lifecycle as city customer-service standards ask —
-- departments and staff, routing, assignment, referred and reopened cases, actions taken,
-- documents, new dates and expedited cases, letters and the outbox, evaluations, and the
-- city's own merges from its history. The rules live in SamespotCore's CaseLifecycle; these
-- tables keep what it decides.

-- Referred (sent to another department or agency) and reopened ("not really fixed") are open.
ALTER TABLE service_requests DROP CONSTRAINT service_requests_status_check;
ALTER TABLE service_requests ADD CONSTRAINT service_requests_status_check
    CHECK (status IN ('open', 'acknowledged', 'in_progress', 'referred', 'reopened', 'closed', 'canceled'));

-- The partial indexes on open cases, with the two new open statuses.
DROP INDEX service_requests_open_parents_cell;
DROP INDEX service_requests_open_parents_address;
DROP INDEX service_requests_open_parents_block;
DROP INDEX service_requests_open_parents_point;
CREATE INDEX service_requests_open_parents_cell ON service_requests (service_code, grid_cell, requested_at)
    WHERE parent_request_id IS NULL AND status IN ('open', 'acknowledged', 'in_progress', 'referred', 'reopened');
CREATE INDEX service_requests_open_parents_address ON service_requests (service_code, address_key)
    WHERE parent_request_id IS NULL AND status IN ('open', 'acknowledged', 'in_progress', 'referred', 'reopened') AND address_key <> '';
CREATE INDEX service_requests_open_parents_block ON service_requests (service_code, block_key)
    WHERE parent_request_id IS NULL AND status IN ('open', 'acknowledged', 'in_progress', 'referred', 'reopened') AND block_key <> '';
CREATE INDEX service_requests_open_parents_point ON service_requests USING gist (point(x_m, y_m))
    WHERE parent_request_id IS NULL AND status IN ('open', 'acknowledged', 'in_progress', 'referred', 'reopened') AND x_m IS NOT NULL;

ALTER TABLE dedup_rules ALTER COLUMN open_statuses SET DEFAULT '{open,acknowledged,in_progress,referred,reopened}';
-- Rules that caught every open status keep doing so.
UPDATE dedup_rules SET open_statuses = '{open,acknowledged,in_progress,referred,reopened}'
WHERE open_statuses @> '{open,acknowledged,in_progress}' AND '{open,acknowledged,in_progress}' @> open_statuses;

CREATE OR REPLACE FUNCTION samespot_lock_and_candidates(
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
              AND r.status IN ('open', 'acknowledged', 'in_progress', 'referred', 'reopened') AND r.status = ANY(open_statuses)
              AND r.requested_at >= clock - make_interval(secs => window_seconds)
              AND (r.grid_cell = ANY(cells)
                   OR (r.address_key <> '' AND r.address_key = spot_address_key)
                   OR (r.block_key <> '' AND r.block_key = spot_block_key))
        ) c ON true;
END
$$;

-- Departments answer cases; each type belongs to one. Priority orders the crews' lists.
CREATE TABLE departments (
    department  text PRIMARY KEY CHECK (department <> ''),
    name        text NOT NULL CHECK (name <> ''),
    active      boolean NOT NULL DEFAULT true
);
INSERT INTO departments (department, name)
SELECT department, department FROM (
    SELECT department FROM service_types WHERE department <> ''
    UNION SELECT department FROM service_requests WHERE department <> '') AS d
ON CONFLICT DO NOTHING;

-- A type's priority and its own deadlines, where the city's (1 and 7 business days) do not fit.
ALTER TABLE service_types
    ADD COLUMN priority integer NOT NULL DEFAULT 0,
    ADD COLUMN acknowledge_days integer CHECK (acknowledge_days BETWEEN 0 AND 60),
    ADD COLUMN respond_days integer CHECK (respond_days BETWEEN 1 AND 365);

-- The people who answer cases: letters are signed with their name and title.
CREATE TABLE staff (
    staff_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL CHECK (name <> ''),
    title       text NOT NULL DEFAULT '',
    department  text NOT NULL REFERENCES departments ON UPDATE CASCADE,
    active      boolean NOT NULL DEFAULT true
);
CREATE INDEX staff_department ON staff (department);

-- A key may belong to a member of staff, who then signs what it sends.
ALTER TABLE api_keys ADD COLUMN staff_id bigint REFERENCES staff;
CREATE INDEX api_keys_staff ON api_keys (staff_id) WHERE staff_id IS NOT NULL;

-- The routing table: the first rule by position that matches a new case routes it; a case no
-- rule matches goes to its type's department.
CREATE TABLE routing_rules (
    position      integer PRIMARY KEY,
    service_code  text REFERENCES service_types ON DELETE CASCADE,
    group_name    text,
    ward          text,
    department    text NOT NULL REFERENCES departments ON UPDATE CASCADE,
    staff_id      bigint REFERENCES staff,
    updated_by    text NOT NULL DEFAULT 'default'
);
CREATE INDEX routing_rules_service ON routing_rules (service_code) WHERE service_code IS NOT NULL;
CREATE INDEX routing_rules_department ON routing_rules (department);
CREATE INDEX routing_rules_staff ON routing_rules (staff_id) WHERE staff_id IS NOT NULL;

-- Who is responsible now, whether it is expedited and why, and why the response date moved.
ALTER TABLE service_requests
    ADD COLUMN assigned_staff_id bigint REFERENCES staff,
    ADD COLUMN expedited boolean NOT NULL DEFAULT false,
    ADD COLUMN expedite_reason text NOT NULL DEFAULT '',
    ADD COLUMN respond_due_reason text NOT NULL DEFAULT '';
CREATE INDEX service_requests_assigned_staff ON service_requests (assigned_staff_id) WHERE assigned_staff_id IS NOT NULL;
CREATE INDEX service_requests_expedited_open ON service_requests (requested_at)
    WHERE expedited AND status IN ('open', 'acknowledged', 'in_progress', 'referred', 'reopened');
CREATE INDEX service_requests_department_open ON service_requests (department, requested_at)
    WHERE status IN ('open', 'acknowledged', 'in_progress', 'referred', 'reopened');

-- Each status change names who was responsible at the time.
ALTER TABLE status_history ADD COLUMN responsible text NOT NULL DEFAULT '';

-- The resident's request as they made it stays as they made it.
CREATE FUNCTION samespot_keep_original_request() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.description IS DISTINCT FROM OLD.description THEN
        RAISE EXCEPTION 'the request''s original text is kept unchanged; add a note instead'
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER service_requests_keep_original BEFORE UPDATE OF description ON service_requests
    FOR EACH ROW EXECUTE FUNCTION samespot_keep_original_request();

-- What was done on a case ("crew filled the hole"), listed in its record and counted in reports.
CREATE TABLE case_actions (
    action_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id  bigint NOT NULL REFERENCES service_requests ON DELETE CASCADE,
    description text NOT NULL CHECK (description <> ''),
    actor       text NOT NULL,
    taken_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX case_actions_request ON case_actions (request_id, taken_at);

-- Files attached to a case: the record of original correspondence, photos, reports.
CREATE TABLE case_documents (
    document_id   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id    bigint NOT NULL REFERENCES service_requests ON DELETE CASCADE,
    file_name     text NOT NULL CHECK (file_name <> ''),
    -- Read from the file's own bytes, not from what the uploader claimed.
    content_type  text NOT NULL,
    byte_size     integer NOT NULL CHECK (byte_size > 0),
    sha256        bytea NOT NULL CHECK (length(sha256) = 32),
    content       bytea NOT NULL,
    description   text NOT NULL DEFAULT '',
    uploaded_by   text NOT NULL,
    uploaded_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (byte_size = length(content))
);
CREATE INDEX case_documents_request ON case_documents (request_id);

-- How a resident is written to: their chosen channel, else e-mail, else phone, else post.
ALTER TABLE requesters
    ADD COLUMN postal_address text NOT NULL DEFAULT '',
    ADD COLUMN preferred_contact text NOT NULL DEFAULT '' CHECK (preferred_contact IN ('', 'email', 'phone', 'postal'));

-- The letters' wording, editable by an admin; Mustache templates (swift-mustache).
CREATE TABLE letter_templates (
    kind        text PRIMARY KEY CHECK (kind IN ('acknowledgement', 'referral', 'new_date', 'resolution')),
    subject     text NOT NULL CHECK (subject <> ''),
    body        text NOT NULL CHECK (body <> ''),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text NOT NULL DEFAULT 'default'
);
INSERT INTO letter_templates (kind, subject, body) VALUES
('acknowledgement', 'Your request {{tracking}} has been received',
$t$Dear {{resident}},

Thank you for your request about {{service_name}}{{#address}} at {{address}}{{/address}}, received on {{received_on}}. Its tracking number is {{tracking}}.
{{#merged}}
Other residents reported the same problem; your request is being handled with request {{case_tracking}}, and you will hear as it moves.
{{/merged}}
{{department}}{{#responsible}} ({{responsible}}){{/responsible}} is responsible for it. You can expect a response by {{respond_by}}.

{{signature}}$t$),
('referral', 'Your request {{tracking}} has been referred',
$t$Dear {{resident}},

Thank you for your request {{tracking}} about {{service_name}}{{#address}} at {{address}}{{/address}}. It has been referred to {{department}}{{#responsible}} ({{responsible}}){{/responsible}}, who will answer it.{{#note}} {{note}}{{/note}}
You can expect a response by {{respond_by}}.

{{signature}}$t$),
('new_date', 'A new date for your request {{tracking}}',
$t$Dear {{resident}},

Thank you for your patience with your request {{tracking}} about {{service_name}}{{#address}} at {{address}}{{/address}}. We cannot give you a full response by the date we gave you: {{reason}}.
You can now expect a response by {{respond_by}}.

{{signature}}$t$),
('resolution', 'Your request {{tracking}} has been {{outcome}}',
$t$Dear {{resident}},

Thank you for your request {{tracking}} about {{service_name}}{{#address}} at {{address}}{{/address}}.
{{#resolved}}
The work is done.{{#note}} {{note}}{{/note}}
{{/resolved}}
{{^resolved}}
We cannot carry out this request: {{reason}}.
{{/resolved}}
If the problem is still there, reply quoting {{tracking}} and we will reopen it.

{{signature}}$t$);

-- Letters waiting for the mailer, by channel: e-mail, post, and the phone call list.
CREATE TABLE outbox (
    message_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The resident's own request, and the case the letter is about (its parent, for a merged one).
    request_id        bigint NOT NULL REFERENCES service_requests ON DELETE CASCADE,
    about_request_id  bigint NOT NULL REFERENCES service_requests ON DELETE CASCADE,
    requester_id      bigint NOT NULL REFERENCES requesters ON DELETE CASCADE,
    kind              text NOT NULL,
    channel           text NOT NULL CHECK (channel IN ('email', 'phone', 'postal')),
    subject           text NOT NULL,
    body              text NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    sent_at           timestamptz,
    sent_by           text NOT NULL DEFAULT ''
);
CREATE INDEX outbox_unsent ON outbox (channel, created_at) WHERE sent_at IS NULL;
CREATE INDEX outbox_request ON outbox (request_id);
CREATE INDEX outbox_about ON outbox (about_request_id);
CREATE INDEX outbox_requester ON outbox (requester_id);

-- A resident's evaluation of how a closed case was handled.
CREATE TABLE case_evaluations (
    request_id   bigint PRIMARY KEY REFERENCES service_requests ON DELETE CASCADE,
    rating       smallint NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment      text NOT NULL DEFAULT '',
    recorded_by  text NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now()
);

-- The city's own merges, read from its history's parent links ('city').
ALTER TABLE dedup_decisions DROP CONSTRAINT dedup_decisions_kind_check;
ALTER TABLE dedup_decisions ADD CONSTRAINT dedup_decisions_kind_check CHECK (kind IN ('engine', 'staff', 'join', 'city'));

-- Every type's department exists as a department, however the type arrived (an import, an
-- admin's edit, an older tool writing SQL).
CREATE FUNCTION samespot_type_department() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.department <> '' THEN
        INSERT INTO departments (department, name) VALUES (NEW.department, NEW.department) ON CONFLICT DO NOTHING;
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER service_types_department BEFORE INSERT OR UPDATE OF department ON service_types
    FOR EACH ROW EXECUTE FUNCTION samespot_type_department();

-- FixMyStreet's servicerequestupdates asks what changed in a window of time.
CREATE INDEX status_history_changed ON status_history (changed_at);
CREATE INDEX case_notes_public_created ON case_notes (created_at) WHERE public;
CREATE INDEX dedup_decisions_decided ON dedup_decisions (decided_at) WHERE reverted_at IS NULL;
