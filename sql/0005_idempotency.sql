-- Samespot schema, migration 5: Idempotency-Key on intake. A client that retries a POST (a
-- timeout, a dropped connection) sends the same key; the case it created is answered again and
-- nothing new is stored. The key is written with the case, in the same statement, so a retry
-- after a crash finds it too, and the unique index settles two copies racing on two instances.

ALTER TABLE service_requests
    -- The caller's scope (its API key) and its key: "17:3f2c…".
    ADD COLUMN idempotency_key text,
    -- SHA-256 of the request as intake read it: the same key with another request is a conflict.
    ADD COLUMN idempotency_hash bytea;
CREATE UNIQUE INDEX service_requests_idempotency ON service_requests (idempotency_key) WHERE idempotency_key IS NOT NULL;
