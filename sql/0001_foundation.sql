-- Samespot schema, migration 1: the foundation.
-- Column names follow what a city's own data maps to (Open311 GeoReport v2 and Chicago's
-- 311 export): service_code, service_request_id, requested_at, status, address, ward.
-- PostgreSQL is the one source of truth; the service's in-memory indexes load from here.

-- Reference data: the city's address points, street list and named intersections.
CREATE TABLE address_points (
    address_id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    house_number        integer NOT NULL CHECK (house_number >= 0),
    house_number_suffix text NOT NULL DEFAULT '',
    pre_direction       text NOT NULL DEFAULT '',
    street_name         text NOT NULL CHECK (street_name <> ''),
    street_type         text NOT NULL DEFAULT '',
    post_direction      text NOT NULL DEFAULT '',
    full_address        text NOT NULL,
    zip_code            text NOT NULL DEFAULT '',
    longitude           double precision NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    latitude            double precision NOT NULL CHECK (latitude BETWEEN -90 AND 90),
    source              text NOT NULL DEFAULT ''
);
CREATE INDEX address_points_street ON address_points (street_name, pre_direction, street_type, house_number);
CREATE INDEX address_points_full_address ON address_points (full_address);

CREATE TABLE streets (
    street_id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    full_name       text NOT NULL,
    pre_direction   text NOT NULL DEFAULT '',
    street_name     text NOT NULL,
    street_type     text NOT NULL DEFAULT '',
    post_direction  text NOT NULL DEFAULT '',
    min_address     integer,
    max_address     integer
);
CREATE INDEX streets_name ON streets (street_name);

CREATE TABLE intersections (
    intersection_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            text NOT NULL,
    street_1        text NOT NULL,
    street_2        text NOT NULL,
    zip_code        text NOT NULL DEFAULT '',
    longitude       double precision NOT NULL CHECK (longitude BETWEEN -180 AND 180),
    latitude        double precision NOT NULL CHECK (latitude BETWEEN -90 AND 90)
);
CREATE INDEX intersections_streets ON intersections (street_1, street_2);

-- Ward boundary sets: cities redistrict, so wards come in named sets with effective dates,
-- and any request can be placed in any set.
CREATE TABLE ward_sets (
    ward_set_id     integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            text NOT NULL UNIQUE,
    effective_from  date,
    effective_to    date,
    source          text NOT NULL DEFAULT '',
    imported_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (effective_to IS NULL OR effective_from IS NULL OR effective_from <= effective_to)
);

CREATE TABLE wards (
    ward_set_id     integer NOT NULL REFERENCES ward_sets ON DELETE CASCADE,
    ward            text NOT NULL,
    -- Polygon or multipolygon, WKB, longitude/latitude (EPSG:4326).
    geometry        bytea NOT NULL,
    properties      jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (ward_set_id, ward)
);

-- What residents can report, and which department answers it.
CREATE TABLE service_types (
    service_code    text PRIMARY KEY CHECK (service_code <> ''),
    service_name    text NOT NULL,
    description     text NOT NULL DEFAULT '',
    department      text NOT NULL DEFAULT '',
    group_name      text NOT NULL DEFAULT '',
    keywords        text[] NOT NULL DEFAULT '{}',
    -- Public answers round the location of sensitive types to the block.
    sensitive       boolean NOT NULL DEFAULT false,
    -- Calls that are not about a spot (information calls, aircraft noise) are never merged.
    about_a_spot    boolean NOT NULL DEFAULT true,
    active          boolean NOT NULL DEFAULT true
);

-- Residents' personal data lives apart from cases, so no public query can select it by accident.
CREATE TABLE requesters (
    requester_id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    first_name      text NOT NULL DEFAULT '',
    last_name       text NOT NULL DEFAULT '',
    email           text NOT NULL DEFAULT '',
    phone           text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- Tracking numbers for requests taken by Samespot itself (imports keep the city's own).
CREATE SEQUENCE tracking_number_seq;

-- A service request is a case. A duplicate is a case whose parent_request_id names the one
-- case that is being worked; it keeps its own tracking number and requester.
CREATE TABLE service_requests (
    request_id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    service_request_id  text NOT NULL UNIQUE,
    service_code        text NOT NULL REFERENCES service_types,
    status              text NOT NULL DEFAULT 'open'
                        CHECK (status IN ('open', 'acknowledged', 'in_progress', 'closed', 'canceled')),
    status_notes        text NOT NULL DEFAULT '',
    city_status         text NOT NULL DEFAULT '',
    description         text NOT NULL DEFAULT '',
    channel             text NOT NULL DEFAULT '',
    department          text NOT NULL DEFAULT '',
    requester_id        bigint REFERENCES requesters,
    requested_at        timestamptz NOT NULL,
    -- 'day' when the source gave a date without a time of day: order within that day is unknown.
    requested_at_precision text NOT NULL DEFAULT 'time' CHECK (requested_at_precision IN ('time', 'day')),
    updated_at          timestamptz NOT NULL,
    closed_at           timestamptz,
    address             text NOT NULL DEFAULT '',
    address_id          bigint,
    zip_code            text NOT NULL DEFAULT '',
    longitude           double precision CHECK (longitude BETWEEN -180 AND 180),
    latitude            double precision CHECK (latitude BETWEEN -90 AND 90),
    location_precision  text NOT NULL DEFAULT 'none'
                        CHECK (location_precision IN ('address_point', 'interpolated', 'intersection', 'caller', 'street', 'none')),
    -- The point on the city's metric grid (metres), for distances and grid cells.
    x_m                 double precision,
    y_m                 double precision,
    parent_request_id   bigint REFERENCES service_requests,
    child_count         integer NOT NULL DEFAULT 0 CHECK (child_count >= 0),
    priority            integer NOT NULL DEFAULT 0,
    source              text NOT NULL DEFAULT 'api',
    -- The city's own labels, kept only to evaluate Samespot against them.
    city_duplicate      boolean,
    city_parent_id      text NOT NULL DEFAULT '',
    city_ward           text NOT NULL DEFAULT '',
    CHECK ((longitude IS NULL) = (latitude IS NULL)),
    CHECK (parent_request_id IS NULL OR parent_request_id <> request_id)
);
CREATE INDEX service_requests_type_time ON service_requests (service_code, requested_at);
CREATE INDEX service_requests_parent ON service_requests (parent_request_id) WHERE parent_request_id IS NOT NULL;
CREATE INDEX service_requests_open ON service_requests (service_code, requested_at)
    WHERE status IN ('open', 'acknowledged', 'in_progress');
CREATE INDEX service_requests_updated ON service_requests (updated_at);

-- The ward of each request in each boundary set (NULL ward: outside every ward of the set).
CREATE TABLE request_wards (
    request_id      bigint NOT NULL REFERENCES service_requests ON DELETE CASCADE,
    ward_set_id     integer NOT NULL REFERENCES ward_sets ON DELETE CASCADE,
    ward            text,
    PRIMARY KEY (ward_set_id, request_id)
);
CREATE INDEX request_wards_ward ON request_wards (ward_set_id, ward);

-- Every status a case has had, who set it and why: the history customer-service standards ask for.
CREATE TABLE status_history (
    history_id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    request_id      bigint NOT NULL REFERENCES service_requests ON DELETE CASCADE,
    status          text NOT NULL,
    city_status     text NOT NULL DEFAULT '',
    changed_at      timestamptz NOT NULL,
    actor           text NOT NULL DEFAULT 'system',
    note            text NOT NULL DEFAULT ''
);
CREATE INDEX status_history_request ON status_history (request_id, changed_at);
