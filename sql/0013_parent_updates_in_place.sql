-- Samespot schema, migration 13: a merge updates its parent in place.
--
-- Each report merged at intake raises its parent's count, priority and update time. PostgreSQL
-- can write such an update beside the old row on the same page, touching none of the table's
-- indexes (a "HOT" update), only when no indexed column changes and the page has room. The
-- index on updated_at ruled that out: every merge wrote a new entry in all 17 of
-- service_requests' indexes (148,416 updates in a benchmark, 1 of them in place).
--
-- The index served only Open311's updated_after/updated_before filter, which the cases kept in
-- memory now answer (CaseTable.newestRequestIDs); without them PostgreSQL reads the listing's
-- time order and filters. Pages are left a tenth empty, so the updated row fits beside the old
-- one (tables only; the existing pages keep what they hold until rewritten).
DROP INDEX service_requests_updated;
ALTER TABLE service_requests SET (fillfactor = 90);
