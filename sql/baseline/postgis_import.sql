-- The reference `scripts/bench import` compares the request importer with: the load a city GIS
-- team would write in PostGIS for the same export. COPY into a staging table; one INSERT … SELECT
-- that types the columns and projects each point (ST_Transform); the ward of every point in every
-- boundary set (ST_Contains on GiST-indexed polygons); the city's parent links by a join; the
-- indexes a map and a period query need. It checks nothing, geocodes nothing (rows without
-- coordinates stay without a point) and keeps no status history or dedup decisions.
-- Run as psql -f postgis_import.sql < FILE (the export is read from psql's standard input);
-- Samespot never needs PostGIS.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS postgis;
DROP TABLE IF EXISTS baseline_import_staging, baseline_import_request_wards, baseline_import_requests, baseline_import_wards CASCADE;

CREATE TABLE baseline_import_wards AS
    SELECT ward_set_id, ward, ST_Transform(ST_SetSRID(ST_GeomFromWKB(geometry), 4326), 26971) AS geom FROM wards;
CREATE INDEX ON baseline_import_wards USING gist (geom);

CREATE TABLE baseline_import_staging (
    sr_number text, sr_type text, sr_short_code text, owner_department text, status text, origin text,
    created_date text, last_modified_date text, closed_date text, street_address text, zip_code text,
    latitude text, longitude text, duplicate text, parent_sr_number text);
\copy baseline_import_staging FROM pstdin WITH (FORMAT csv, HEADER true)

CREATE TABLE baseline_import_requests (
    id            bigserial PRIMARY KEY,
    sr_number     text NOT NULL UNIQUE,
    service_code  text NOT NULL,
    status        text NOT NULL,
    department    text,
    channel       text,
    requested_at  timestamptz NOT NULL,
    closed_at     timestamptz,
    address       text,
    geom          geometry(Point, 26971),
    parent_number text,
    parent_id     bigint REFERENCES baseline_import_requests
);
INSERT INTO baseline_import_requests (sr_number, service_code, status, department, channel, requested_at, closed_at, address, geom,
                                      parent_number)
SELECT sr_number, sr_short_code, status, owner_department, origin,
       created_date::timestamp AT TIME ZONE 'America/Chicago', nullif(closed_date, '')::timestamp AT TIME ZONE 'America/Chicago',
       street_address,
       CASE WHEN latitude <> '' AND longitude <> ''
            THEN ST_Transform(ST_SetSRID(ST_MakePoint(longitude::float8, latitude::float8), 4326), 26971) END,
       nullif(parent_sr_number, '')
FROM baseline_import_staging
ON CONFLICT (sr_number) DO NOTHING;

CREATE TABLE baseline_import_request_wards AS
    SELECT r.id, w.ward_set_id, w.ward
    FROM baseline_import_requests r JOIN baseline_import_wards w ON ST_Contains(w.geom, r.geom);

UPDATE baseline_import_requests c SET parent_id = p.id
FROM baseline_import_requests p WHERE p.sr_number = c.parent_number AND p.id <> c.id;

CREATE INDEX ON baseline_import_requests USING gist (geom);
CREATE INDEX ON baseline_import_requests (requested_at);
CREATE INDEX ON baseline_import_requests (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX ON baseline_import_request_wards (id);
ANALYZE baseline_import_requests;
ANALYZE baseline_import_request_wards;
SELECT count(*) AS requests, count(geom) AS with_a_point, count(parent_id) AS linked FROM baseline_import_requests;
