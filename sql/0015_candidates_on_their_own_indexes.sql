-- Samespot schema, migration 15: intake reads a spot's candidates on the index of each of its
-- three conditions, whatever the statistics say.
--
-- The candidates are the type's open roots in the spot's grid cells, OR at its address, OR on
-- its block. Written as one scan with an OR, the read needs PostgreSQL to combine three bitmap
-- index scans; a plan cached while the statistics still saw few open cases (a new city, a
-- storm's first hour, a table that grew less than the tenth that triggers an ANALYZE) instead
-- scanned the cell index by the type alone and filtered every open case of the type. Seen in
-- `samespot bench http` with auto_explain: 2,272 rows read and dropped to find 2, on every
-- intake, and the two candidate reads were half of PostgreSQL's CPU (perf). Here each
-- condition is a query of its own, whose every column is its index's key, and UNION joins
-- them: there is no plan left in which a condition is a filter.
--
-- Two more things keep a stale plan off the spot's keys, and both change here:
-- - The cells were the second key of their index, after the type. PostgreSQL 15 reads a
--   second key's list of values as index keys only when it judges that cheaper than filtering
--   the type's rows, and with stale statistics it did not (2,181 rows read and dropped). Led by
--   the cells, they are the key the scan starts from. The time stays out of the key: the window
--   is applied after the spot's reads (migration 9).
-- - "Open" was written `status IN (the open statuses)`, which is also the condition of other
--   indexes (the open cases by time, by department): a query of open cases may read any of
--   them, and with statistics that saw few open cases the whole of one looked cheaper than the
--   spot's keys (a test found the open cases by time read from end to end). The candidates'
--   indexes and their read now say `status NOT IN ('closed', 'canceled')`, the same cases (the
--   status CHECK of migration 4 allows no other), a condition no other index is made for, so
--   the only indexes the read can use are its own.
DROP INDEX service_requests_open_parents_cell, service_requests_open_parents_address, service_requests_open_parents_block;
CREATE INDEX service_requests_open_parents_cell ON service_requests (grid_cell, service_code)
    WHERE parent_request_id IS NULL AND status NOT IN ('closed', 'canceled');
CREATE INDEX service_requests_open_parents_address ON service_requests (service_code, address_key)
    WHERE parent_request_id IS NULL AND status NOT IN ('closed', 'canceled') AND address_key <> '';
CREATE INDEX service_requests_open_parents_block ON service_requests (service_code, block_key)
    WHERE parent_request_id IS NULL AND status NOT IN ('closed', 'canceled') AND block_key <> '';

-- A LANGUAGE sql STABLE function of one SELECT: PostgreSQL inlines it into the caller's query,
-- so the spot's values are index keys there as if written in place, and both intake paths read
-- candidates by one definition. It is not STRICT, which would stop the inlining.
CREATE FUNCTION samespot_open_roots_near(code text, cells bigint[], spot_address_key text, spot_block_key text)
RETURNS TABLE (request_id bigint, requested_at timestamptz, requested_at_precision text, status text,
               x_m double precision, y_m double precision, address_key text, block_key text,
               child_count integer, description text)
LANGUAGE sql STABLE AS $$
    SELECT r.request_id, r.requested_at, r.requested_at_precision, r.status, r.x_m, r.y_m, r.address_key, r.block_key,
           r.child_count, r.description
    FROM service_requests r
    WHERE r.service_code = code AND r.grid_cell = ANY(cells) AND r.parent_request_id IS NULL
      AND r.status NOT IN ('closed', 'canceled')
    UNION
    SELECT r.request_id, r.requested_at, r.requested_at_precision, r.status, r.x_m, r.y_m, r.address_key, r.block_key,
           r.child_count, r.description
    FROM service_requests r
    WHERE r.service_code = code AND r.address_key = spot_address_key AND r.address_key <> '' AND r.parent_request_id IS NULL
      AND r.status NOT IN ('closed', 'canceled')
    UNION
    SELECT r.request_id, r.requested_at, r.requested_at_precision, r.status, r.x_m, r.y_m, r.address_key, r.block_key,
           r.child_count, r.description
    FROM service_requests r
    WHERE r.service_code = code AND r.block_key = spot_block_key AND r.block_key <> '' AND r.parent_request_id IS NULL
      AND r.status NOT IN ('closed', 'canceled')
$$;

-- The transaction's read (migration 9), unchanged but for where its candidates come from.
CREATE OR REPLACE FUNCTION samespot_lock_and_candidates(
    lock_names text[], mergeable boolean, code text, open_statuses text[], window_seconds double precision,
    cells bigint[], spot_address_key text, spot_block_key text, time_zone text)
RETURNS TABLE (now_epoch double precision, local_day text, request_id bigint, requested_epoch double precision,
               date_only boolean, x_m double precision, y_m double precision, address_key text, block_key text,
               child_count integer, description text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    clock timestamptz;
BEGIN
    PERFORM pg_advisory_xact_lock(k) FROM (
        SELECT DISTINCT hashtextextended(n, 0) AS k FROM unnest(lock_names) AS n ORDER BY 1) AS keys;
    clock := clock_timestamp();
    RETURN QUERY
        WITH around AS MATERIALIZED (
            SELECT * FROM samespot_open_roots_near(code, cells, spot_address_key, spot_block_key) WHERE mergeable
        )
        SELECT extract(epoch FROM clock)::float8, (clock AT TIME ZONE time_zone)::date::text,
               c.request_id, extract(epoch FROM c.requested_at)::float8, c.requested_at_precision = 'day', c.x_m, c.y_m,
               c.address_key, c.block_key, c.child_count, c.description
        FROM (SELECT 1) AS one LEFT JOIN LATERAL (
            SELECT * FROM around a
            WHERE a.status = ANY(open_statuses) AND a.requested_at >= clock - make_interval(secs => window_seconds)
        ) c ON true;
END
$$;

-- The batch's lock-and-count (migration 14), unchanged but for where its candidates come from.
CREATE OR REPLACE FUNCTION samespot_lock_and_count_candidates(spots jsonb, time_zone text)
RETURNS TABLE (ord integer, now_epoch double precision, local_day text, candidates bigint)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    clock timestamptz;
BEGIN
    PERFORM pg_advisory_xact_lock(k) FROM (
        SELECT DISTINCT hashtextextended(n, 0) AS k
        FROM jsonb_to_recordset(spots) AS s(lock_names text[]), unnest(s.lock_names) AS n
        ORDER BY 1) AS keys;
    clock := clock_timestamp();
    RETURN QUERY
        SELECT s.ord, extract(epoch FROM clock)::float8, (clock AT TIME ZONE time_zone)::date::text,
               (SELECT count(*) FROM (
                    -- OFFSET 0 keeps the window's condition out of the spot's reads (see migration 9).
                    SELECT * FROM samespot_open_roots_near(s.service_code, s.cells, s.address_key, s.block_key)
                    WHERE s.mergeable OFFSET 0) AS a
                WHERE a.status = ANY(s.open_statuses)
                  AND a.requested_at >= clock - make_interval(secs => s.window_seconds)
                  AND ((a.x_m - s.x) ^ 2 + (a.y_m - s.y) ^ 2 <= s.radius ^ 2
                       OR (a.address_key <> '' AND a.address_key = s.address_key)
                       OR (a.block_key <> '' AND a.block_key = s.block_key)))
        FROM jsonb_to_recordset(spots) AS s(ord integer, mergeable boolean, service_code text, open_statuses text[],
                                            window_seconds double precision, cells bigint[], address_key text,
                                            block_key text, x double precision, y double precision, radius double precision);
END
$$;
