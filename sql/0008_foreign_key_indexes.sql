-- Samespot schema, migration 8: every foreign key has an index that serves it.
--
-- Deleting a case cascades to the rows that point at it; without an index led by the pointing
-- column, each cascaded delete scans the whole table. Deleting a million benchmark rows ran for
-- more than four minutes this way before it was cancelled (issue #20).

-- request_wards was keyed (ward_set_id, request_id): a case's rows could only be found by
-- scanning. Keyed by the case first, the key serves the cascade and the per-case reads, and
-- request_wards_ward (ward_set_id, ward) still serves the ward set's foreign key and the ward
-- listings, so intake writes no extra index.
ALTER TABLE request_wards DROP CONSTRAINT request_wards_pkey;
ALTER TABLE request_wards ADD PRIMARY KEY (request_id, ward_set_id);

-- Purging a case's requester (retention) looks for the cases that still name them.
CREATE INDEX service_requests_requester ON service_requests (requester_id) WHERE requester_id IS NOT NULL;
