-- Samespot schema, migration 14: intake stores several lone cases in one statement.
--
-- A statement's fixed cost dwarfs its rows here: an INSERT into service_requests opens and
-- locks the table and its 16 indexes (past PostgreSQL's 16 fast-path lock slots, so through
-- the shared lock table) before it writes a row. Measured with pgbench on the benchmark
-- database (8 clients, prepared): one case row per statement 3,300-4,000 rows/s; ten
-- statements in one transaction 5,300; ten rows in one statement 18,000-19,400. Intake writes
-- seven tables, so when requests arrive faster than one statement finishes, the reports that
-- wait are written together (IntakeStore's LoneCaseWriter).
--
-- This function is the batch's first step: it takes the advisory locks of every spot in the
-- batch, all in one ascending order (as samespot_lock_and_candidates does for one spot, so
-- batches and single intakes never wait on each other in a cycle), then reads the clock and,
-- for each spot, counts the open cases a parent chooser may pick (ParentChooser's contract:
-- the type's open roots in the window, within the radius, at the address or on the block).
-- It is VOLATILE PL/pgSQL so that its read takes a snapshot after the locks are held: a
-- second report of a spot waits for the first to commit, then sees it.
--
-- Each element of `spots` is one intake: {ord, lock_names, mergeable, service_code,
-- open_statuses, window_seconds, cells, address_key, block_key, x, y, radius}. The batch
-- never holds two intakes whose locks meet, so none of them can be a candidate of another.
CREATE FUNCTION samespot_lock_and_count_candidates(spots jsonb, time_zone text)
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
                    -- The spot's own conditions first, on the spot's indexes; OFFSET 0 keeps the
                    -- window's condition out of them (see migration 9).
                    SELECT r.requested_at, r.status, r.x_m, r.y_m, r.address_key, r.block_key
                    FROM service_requests r
                    WHERE s.mergeable AND r.service_code = s.service_code AND r.parent_request_id IS NULL
                      AND r.status IN ('open', 'acknowledged', 'in_progress', 'referred', 'reopened')
                      AND (r.grid_cell = ANY(s.cells)
                           OR (r.address_key <> '' AND r.address_key = s.address_key)
                           OR (r.block_key <> '' AND r.block_key = s.block_key))
                    OFFSET 0) AS a
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
