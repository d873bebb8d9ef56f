-- Samespot schema, migration 6: Idempotency-Key on every other POST (notes, status changes,
-- merges, assignments, …). Intake keeps its key on the case itself (migration 5), written in
-- the case's own transaction. Here a key is claimed before the change runs and its answer
-- stored after: a retry is answered from this table, a copy racing the original (on any
-- instance) is told to come back (409, Retry-After), and a failed request frees its key.

CREATE TABLE idempotent_posts (
    -- The caller's scope (its API key) and its key: "key17:3f2c…".
    scope_key text PRIMARY KEY,
    -- SHA-256 of the method, path and body: the same key with another request is a conflict.
    request_hash bytea NOT NULL,
    claimed_at timestamptz NOT NULL DEFAULT now(),
    -- The first answer; NULL while the first request is being answered.
    status smallint,
    content_type text,
    body bytea
);
-- Keys are kept a day (pruned as new ones are claimed).
CREATE INDEX idempotent_posts_claimed_at ON idempotent_posts (claimed_at);
