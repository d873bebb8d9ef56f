-- Samespot schema, migration 9: intake's candidate read stays on the spot's indexes at a big
-- city's scale.
--
-- The candidates are the type's open parents in the spot's grid cells, at its address or on its
-- block, received within the rule's window. The window's condition (requested_at >= now minus
-- the window) invited the planner to read the newest requests by time instead: statistics are
-- refreshed only after a tenth of a table changes, so on a table of two million requests the
-- newest days always lie past the planner's picture, and it took them for a handful of rows.
-- Measured with `samespot bench http` on a two-million-request city: every intake read all the
-- requests of the window, intake slowed as they grew (from 615 to 161 req/s within a few
-- minutes, p50 5.8 s). The spot's conditions are now read first, on their own (MATERIALIZED
-- keeps the window's condition out of them), and the window is applied to what they found: a
-- few open cases of one type around one spot.
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
            SELECT r.request_id, r.requested_at, r.requested_at_precision, r.x_m, r.y_m, r.address_key, r.block_key,
                   r.child_count, r.description, r.status
            FROM service_requests r
            WHERE mergeable AND r.service_code = code AND r.parent_request_id IS NULL
              AND r.status IN ('open', 'acknowledged', 'in_progress', 'referred', 'reopened')
              AND (r.grid_cell = ANY(cells)
                   OR (r.address_key <> '' AND r.address_key = spot_address_key)
                   OR (r.block_key <> '' AND r.block_key = spot_block_key))
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
