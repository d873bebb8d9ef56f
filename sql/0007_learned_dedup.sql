-- Samespot schema, migration 7: the learned duplicate scorer at intake.
--
-- A model is fitted on the city's labelled history (`samespot rules model … --apply`) and
-- stored here; the active one is loaded by every instance with the service catalog and picks
-- the parent for every type whose rule staff have not set by hand. Each of its merges keeps the
-- model's explanation (the probability, the threshold, each feature's part in the log-odds).

CREATE TABLE dedup_models (
    model_id    bigserial PRIMARY KEY,
    model       jsonb NOT NULL,
    -- What it was fitted on and how it scored, for the record (rows, pairs, periods, F1).
    summary     text NOT NULL DEFAULT '',
    fitted_at   timestamptz NOT NULL DEFAULT now(),
    fitted_by   text NOT NULL,
    active      boolean NOT NULL DEFAULT false
);
-- At most one model is in force.
CREATE UNIQUE INDEX dedup_models_one_active ON dedup_models (active) WHERE active;

ALTER TABLE dedup_decisions ADD COLUMN explanation jsonb;

-- The candidates now come with what the model needs of them: their reports so far and their
-- description (the arrival order is the request id).
DROP FUNCTION samespot_lock_and_candidates(text[], boolean, text, text[], double precision, bigint[], text, text, text);
CREATE FUNCTION samespot_lock_and_candidates(
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
        SELECT extract(epoch FROM clock)::float8, (clock AT TIME ZONE time_zone)::date::text,
               c.request_id, extract(epoch FROM c.requested_at)::float8, c.requested_at_precision = 'day', c.x_m, c.y_m,
               c.address_key, c.block_key, c.child_count, c.description
        FROM (SELECT 1) AS one LEFT JOIN LATERAL (
            SELECT r.request_id, r.requested_at, r.requested_at_precision, r.x_m, r.y_m, r.address_key, r.block_key,
                   r.child_count, r.description
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
