-- The references the HTTP benchmark compares with. Intake: the whole intake written as one
-- PL/pgSQL function over PostGIS (transform, ward by ST_Contains, advisory lock, candidate by
-- ST_DWithin, INSERT), called by pgbench with no HTTP, no geocoding and no audit trail.
-- Matches: the open cases as PostGIS points, and the nearest-first query within a radius
-- (`baseline_open_cases`, queried by pgbench at the matches phase's rate).
-- Only `samespot bench http` loads it, into its own benchmark database; Samespot never needs PostGIS.
CREATE EXTENSION IF NOT EXISTS postgis;

DROP TABLE IF EXISTS baseline_wards, baseline_requests, baseline_points, baseline_inserts, baseline_open_cases CASCADE;

CREATE TABLE baseline_wards AS
    SELECT ward, ST_SetSRID(ST_GeomFromWKB(geometry), 4326) AS geom
    FROM wards WHERE ward_set_id = (SELECT max(ward_set_id) FROM ward_sets);
CREATE INDEX ON baseline_wards USING gist (geom);

CREATE TABLE baseline_requests (
    id            bigserial PRIMARY KEY,
    service_code  text NOT NULL,
    geom          geometry(Point, 26971) NOT NULL,
    ward          text,
    parent_id     bigint,
    status        text NOT NULL DEFAULT 'open',
    requested_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX ON baseline_requests USING gist (geom) WHERE parent_id IS NULL AND status = 'open';

-- The points pgbench draws from: around the city's real address points, over a few types.
CREATE TABLE baseline_points AS
    SELECT row_number() OVER () AS id,
           (ARRAY['SGA', 'GRAF', 'SFD', 'SKA', 'PHF', 'SCB', 'SIE', 'SFB'])[1 + (random() * 7)::int] AS code,
           longitude + (random() - 0.5) * 0.0008 AS lon, latitude + (random() - 0.5) * 0.0006 AS lat
    FROM address_points;
ALTER TABLE baseline_points ADD PRIMARY KEY (id);

-- pgbench's single-row INSERT: the commit ceiling of this machine.
CREATE TABLE baseline_inserts (id bigserial PRIMARY KEY, v integer NOT NULL);

CREATE OR REPLACE FUNCTION baseline_intake(code text, lon float8, lat float8) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    here    geometry := ST_SetSRID(ST_MakePoint(lon, lat), 4326);
    metric  geometry := ST_Transform(ST_SetSRID(ST_MakePoint(lon, lat), 4326), 26971);
    w       text;
    parent  bigint;
    new_id  bigint;
BEGIN
    SELECT ward INTO w FROM baseline_wards WHERE ST_Contains(geom, here) LIMIT 1;
    PERFORM pg_advisory_xact_lock(hashtextextended(code || '|' || floor(ST_X(metric) / 250) || '|' || floor(ST_Y(metric) / 250), 0));
    SELECT r.id INTO parent FROM baseline_requests r
    WHERE r.service_code = code AND r.parent_id IS NULL AND r.status = 'open'
      AND r.requested_at > clock_timestamp() - interval '14 days' AND ST_DWithin(r.geom, metric, 25)
    ORDER BY ST_Distance(r.geom, metric) LIMIT 1;
    INSERT INTO baseline_requests (service_code, geom, ward, parent_id) VALUES (code, metric, w, parent)
    RETURNING id INTO new_id;
    RETURN new_id;
END
$$;

-- "Already reported": the open cases that are not merged into another, as a GIS team would keep
-- them (a PostGIS point in the city's projection, a GiST index), copied from the cases stored now.
CREATE TABLE baseline_open_cases AS
    SELECT request_id, service_request_id, service_code, status, requested_at, address,
           ST_SetSRID(ST_MakePoint(x_m, y_m), 26971)::geometry(Point, 26971) AS geom
    FROM service_requests
    WHERE parent_request_id IS NULL AND status IN ('open', 'acknowledged', 'in_progress', 'referred', 'reopened') AND x_m IS NOT NULL;
CREATE INDEX ON baseline_open_cases USING gist (geom);
ANALYZE baseline_open_cases;
