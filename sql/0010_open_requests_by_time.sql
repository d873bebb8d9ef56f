-- Samespot schema, migration 10: the Open311 listing of open requests, newest first.
--
-- FixMyStreet-style clients poll `requests.json?status=open` for a period. Without an index of
-- open requests by time, PostgreSQL read the period's requests newest first and threw away the
-- closed ones: on two million stored requests, a quarter in which almost everything was closed
-- took 337 ms to find nothing (0.07 ms with this index). Tried before migration 9, this index
-- drew intake's candidate read onto it; since migration 9 that read looks at the spot's cells,
-- address and block first, and keeps to their indexes (checked with auto_explain on the same
-- database).
CREATE INDEX service_requests_open_time ON service_requests (requested_at)
    WHERE status IN ('open', 'acknowledged', 'in_progress', 'referred', 'reopened');
