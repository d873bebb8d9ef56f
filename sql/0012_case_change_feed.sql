-- Samespot schema, migration 12: a feed of changed cases, so each instance can keep the cases
-- in memory (ward summaries and hotspot maps over a big city's year read them there) and know
-- exactly which ones changed since it last looked.
--
-- Every statement that writes service_requests or request_wards notes the ids it touched, with
-- its transaction id. A reader takes the xmin of its own snapshot as its cursor and asks next
-- time for every note with a transaction id at or above it: a transaction still running when
-- the reader looked has an id at or above that xmin, so a late commit is never skipped (a note
-- may be read twice; reading a case again is harmless).
--
-- A statement that touches many rows (an import, a purge, a ward set placed again) notes no
-- ids: it moves the epoch on, and every reader loads the cases again, which is cheaper than
-- reading a million notes. So do TRUNCATE and a ward set's removal.

CREATE TABLE case_changes (
    xid        xid8 NOT NULL DEFAULT pg_current_xact_id(),
    request_id bigint NOT NULL
);
CREATE INDEX case_changes_xid ON case_changes (xid);

-- One row: the epoch readers compare with the one their cases were loaded at, and the horizon
-- below which notes may go. A note goes only once its transaction had ended before a snapshot
-- taken a whole lifetime ago (the xmin kept here): a transaction that ran long and committed a
-- moment ago keeps its notes, however old their time, until every reader has had a lifetime to
-- read them (CaseFeedStore.prune).
CREATE TABLE case_feed (
    epoch          bigint NOT NULL,
    prune_horizon  xid8 NOT NULL,
    horizon_at     timestamptz NOT NULL,
    one            boolean PRIMARY KEY DEFAULT true CHECK (one)
);
INSERT INTO case_feed (epoch, prune_horizon, horizon_at) VALUES (1, pg_snapshot_xmin(pg_current_snapshot()), now());

-- The threshold is where reading notes one by one would cost a reader more than loading again.
CREATE FUNCTION note_case_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT count(*) FROM (SELECT 1 FROM changed LIMIT 10001) n) > 10000 THEN
        UPDATE case_feed SET epoch = epoch + 1;
    ELSE
        INSERT INTO case_changes (request_id) SELECT DISTINCT request_id FROM changed;
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION note_all_cases_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE case_feed SET epoch = epoch + 1;
    RETURN NULL;
END $$;

-- A trigger with a transition table takes one event; hence one per event. A case's wards are
-- inserted at intake with the case itself (noted by the first trigger), or by the placement of
-- many cases in a set, which moves the epoch on itself (WardSetStore): a trigger on their insert
-- would cost every intake a second call and note nothing new.
CREATE TRIGGER service_requests_inserted_feed AFTER INSERT ON service_requests
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION note_case_changes();
CREATE TRIGGER service_requests_updated_feed AFTER UPDATE ON service_requests
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION note_case_changes();
CREATE TRIGGER service_requests_deleted_feed AFTER DELETE ON service_requests
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION note_case_changes();
CREATE TRIGGER service_requests_truncated_feed AFTER TRUNCATE ON service_requests
    FOR EACH STATEMENT EXECUTE FUNCTION note_all_cases_changed();

CREATE TRIGGER request_wards_updated_feed AFTER UPDATE ON request_wards
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION note_case_changes();
CREATE TRIGGER request_wards_deleted_feed AFTER DELETE ON request_wards
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION note_case_changes();
CREATE TRIGGER request_wards_truncated_feed AFTER TRUNCATE ON request_wards
    FOR EACH STATEMENT EXECUTE FUNCTION note_all_cases_changed();

-- Whether a caller joined a case at intake is read with the case; the join is written in the
-- statement that inserts the request, and undone with the unmerge that updates it, so the notes
-- above already cover it. Ward sets added or removed change which sets a reader keeps.
CREATE TRIGGER ward_sets_changed_feed AFTER INSERT OR UPDATE OR DELETE ON ward_sets
    FOR EACH STATEMENT EXECUTE FUNCTION note_all_cases_changed();
