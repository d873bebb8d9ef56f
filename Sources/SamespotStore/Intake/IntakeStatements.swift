import Foundation
import PostgresNIO
import SamespotCore

// Intake's statements, prepared once per connection (see `PreparedQuery`).

/// Takes the advisory locks of a spot, then reads the clock and the candidate parents: open
/// cases of the type, not themselves merged, in the window, in the spot's cells or at its address
/// or block. One round trip (`samespot_lock_and_candidates`, migration 3): the read's snapshot
/// is taken after the locks are held.
struct LockAndReadCandidates: PreparedQuery {
    typealias Row = (Double, String, Int64?, Double?, Bool?, Double?, Double?, String?, String?, Int?, String?)
    var lockNames: [String]
    var mergeable: Bool
    var serviceCode: String
    var openStatuses: [String]
    var windowSeconds: Double
    var cells: [Int64]
    var addressKey: String
    var blockKey: String
    var timeZone: String

    static var example: LockAndReadCandidates {
        LockAndReadCandidates(lockNames: [], mergeable: false, serviceCode: "", openStatuses: [], windowSeconds: 0, cells: [],
                              addressKey: "", blockKey: "", timeZone: "")
    }
    var query: PostgresQuery {
        """
        SELECT * FROM samespot_lock_and_candidates(\(lockNames)::text[], \(mergeable), \(serviceCode), \(openStatuses)::text[],
                                                   \(windowSeconds), \(cells)::int8[], \(addressKey), \(blockKey), \(timeZone))
        """
    }
    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

/// Locks the chosen parent's row if it is still an open root (see `IntakeStore.insert`): one
/// row when it is. Prepared, as the other two: planned on every intake, this primary-key
/// lookup cost PostgreSQL 0.27 ms of planning for 0.03 ms of work (pg_stat_statements).
struct LockOpenParent: PreparedQuery {
    typealias Row = Int32
    var parentID: Int64
    var openStatuses: [String]

    static var example: LockOpenParent { LockOpenParent(parentID: 0, openStatuses: []) }
    var query: PostgresQuery {
        """
        SELECT 1 FROM service_requests
        WHERE request_id = \(parentID) AND parent_request_id IS NULL AND status = ANY(\(openStatuses)::text[])
        FOR NO KEY UPDATE
        """
    }
    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

/// One case for intake's write, as a row of its JSON input: everything the write stores, and
/// what the batch's lock-and-count step reads. Bound as one `jsonb` parameter (an array of
/// these), so one prepared statement writes one case or a batch of them, and optional values
/// are nulls rather than a statement per combination of them.
struct IntakeRow: Encodable, Sendable {
    var ord: Int32
    var serviceCode: String
    var description: String
    var channel: String
    var department: String
    var requester: PreparedIntake.Requester?
    var address: String
    var addressID: Int64?
    var longitude: Double?
    var latitude: Double?
    var locationPrecision: String
    var x: Double?
    var y: Double?
    var addressKey: String
    var blockKey: String
    var gridCell: Int64?
    var mediaURL: String
    var acknowledgeBy: String
    var respondBy: String
    var staffID: Int64?
    var priority: Int
    var expediteReason: String?
    var idempotencyKey: String?
    /// The fingerprint's SHA-256, as hex (`decode(…, 'hex')` in the write).
    var idempotencyHash: String?
    var actor: String
    var action: String
    var wardSets: [Int64]
    var wards: [String]
    var attributes: [String: [String]]
    var trackingPrefix: String
    /// The instant the transaction read after its locks; the batch stores at its own clock.
    var now: Double
    var parent: IntakeStore.ParentLink?
    // The lone shape's lock-and-count step (`samespot_lock_and_count_candidates`) and its
    // guard; the transaction's shapes read none of them.
    var lockNames: [String] = []
    var mergeable = false
    var openStatuses: [String] = []
    var windowSeconds = 0.0
    var cells: [Int64] = []
    var radius = 0.0
    /// The instants over which the day and tracking year its deadlines and number were computed
    /// for hold: the batch stores it only if PostgreSQL's clock after the locks is in them.
    var validFrom = 0.0
    var validUntil = 0.0

    /// The names the statements read. Spelt out, not `.convertToSnakeCase`: that strategy
    /// would rename the keys of `attributes` too, which are the city's own codes.
    enum CodingKeys: String, CodingKey {
        case ord, serviceCode = "service_code", description, channel, department, requester, address, addressID = "address_id"
        case longitude, latitude, locationPrecision = "location_precision", x, y, addressKey = "address_key", blockKey = "block_key"
        case gridCell = "grid_cell", mediaURL = "media_url", acknowledgeBy = "acknowledge_by", respondBy = "respond_by"
        case staffID = "staff_id", priority, expediteReason = "expedite_reason", idempotencyKey = "idempotency_key"
        case idempotencyHash = "idempotency_hash", actor, action, wardSets = "ward_sets", wards, attributes
        case trackingPrefix = "tracking_prefix", now, parent, lockNames = "lock_names", mergeable, openStatuses = "open_statuses"
        case windowSeconds = "window_seconds", cells, radius, validFrom = "valid_from", validUntil = "valid_until"
    }

    static func json(_ rows: [IntakeRow]) throws -> String {
        String(decoding: try JSONEncoder().encode(rows), as: UTF8.self)
    }
}

/// Which of intake's writes a statement is; each is prepared on its own (a generic statement's
/// name is its full type, `WriteCases<NewCase>`).
protocol IntakeWriteShape {
    /// With the decision row and the parent's new count and priority.
    static var merged: Bool { get }
    /// The whole of intake for cases no open case could be the parent of, in one statement
    /// (run in a transaction by `LoneCaseWriter`, so its answer waits for the commit): the
    /// locks, the candidates, and the write of those with none.
    static var lone: Bool { get }
}

/// A new case with no parent, in the transaction that read its candidates.
enum NewCase: IntakeWriteShape { static let merged = false; static let lone = false }

/// A case merged into a parent (by the engine, or a caller joining one): with its decision and
/// the parent's new count and priority.
enum MergedCase: IntakeWriteShape { static let merged = true; static let lone = false }

/// One or more cases, each stored only if no case could be its parent (see `LoneCaseWriter`).
enum LoneCases: IntakeWriteShape { static let merged = false; static let lone = true }

/// The case, its requester, first status, wards, answers, the merge with the parent's count and
/// priority, and the audit row, in one statement, for each row of the input. Answers one row
/// per input row, in order: (ord, candidates found, request_id, tracking number, token,
/// parent's number); the case's columns are null when it was not stored.
///
/// With `LoneCases` the statement first takes every row's locks and counts its candidates
/// after them (`samespot_lock_and_count_candidates`, migration 14: VOLATILE, so its read takes a
/// snapshot of its own, after the locks, as the transaction's second statement does), and
/// stores only the rows with none, whose day still holds, and whose Idempotency-Key is new. The
/// locks are held until the statement's own transaction commits, as in the transaction.
///
/// Three shapes, each prepared on its own: a merge step that writes no row still costs its
/// statement. PostgreSQL opens the cases' indexes for an UPDATE and the decisions' for an
/// INSERT when it starts the statement, and fires the case feed's UPDATE trigger on
/// `service_requests` even for no row.
struct WriteCases<Shape: IntakeWriteShape>: PreparedQuery {
    typealias Row = (Int32, Int64, Int64?, String?, String?, String?)
    /// `IntakeRow.json` of the cases.
    var rows: String
    var timeZone: String

    static var example: WriteCases { WriteCases(rows: "[]", timeZone: "") }
    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }

    var query: PostgresQuery {
        // The lone shape stores at PostgreSQL's clock read after the locks, and only the rows
        // its guard lets through; the transaction's shapes at the `now` it read after its locks.
        let storing: SQLFragment = Shape.lone ? """
            spot AS MATERIALIZED (
                SELECT * FROM samespot_lock_and_count_candidates(\(rows)::jsonb, \(timeZone))
            ), storing AS (
                -- No case could be its parent, the clock after the locks is in the day (and the
                -- tracking number's year) its deadlines and number were computed for, and it is
                -- not a retry of a stored request (the transaction answers that one as stored).
                SELECT i.*, spot.now_epoch AS stored_at FROM input i JOIN spot USING (ord)
                WHERE spot.candidates = 0 AND spot.now_epoch >= i.valid_from AND spot.now_epoch < i.valid_until
                  AND (i.idempotency_key IS NULL OR NOT EXISTS (
                       SELECT 1 FROM service_requests WHERE idempotency_key = i.idempotency_key))
            ),
            """ : "storing AS (SELECT i.*, i.now AS stored_at FROM input i),"
        let answer: SQLFragment = Shape.lone
            ? "SELECT i.ord, spot.candidates, s.request_id, s.service_request_id, s.token::text, NULL::text FROM input i JOIN spot USING (ord) LEFT JOIN stored s USING (ord) ORDER BY i.ord"
            : "SELECT i.ord, 0::int8, s.request_id, s.service_request_id, s.token::text, \(unescaped: Shape.merged ? "(SELECT service_request_id FROM parent)" : "NULL::text") FROM input i LEFT JOIN stored s USING (ord) ORDER BY i.ord"
        let mergeSteps: SQLFragment = """
            , decision AS (
                INSERT INTO dedup_decisions (request_id, parent_request_id, distance_m, age_seconds, same_address, same_block, score, rule, kind,
                                             explanation, decided_by)
                SELECT s.request_id, (s.parent->>'id')::int8, (s.parent->>'distance')::float8, (s.parent->>'age_seconds')::float8,
                       (s.parent->>'same_address')::boolean, (s.parent->>'same_block')::boolean, (s.parent->>'score')::float8,
                       (s.parent->>'rule')::jsonb, s.parent->>'kind', (s.parent->>'explanation')::jsonb,
                       CASE WHEN s.parent->>'kind' = 'engine' THEN 'engine' ELSE s.actor END
                FROM stored s
            ), parent AS (
                -- The count is derived from the links, as everywhere (CaseStore.recount): the children there are, plus this one.
                -- Each repeat report raises the parent's priority: the spot most residents report comes first.
                UPDATE service_requests p SET child_count = 1 + (SELECT count(*) FROM service_requests c WHERE c.parent_request_id = p.request_id),
                       priority = p.priority + 1, updated_at = to_timestamp(s.stored_at)
                FROM stored s WHERE p.request_id = (s.parent->>'id')::int8
                RETURNING p.service_request_id
            )
            """
        return """
            WITH input AS MATERIALIZED (
                SELECT * FROM jsonb_to_recordset(\(rows)::jsonb) AS i(
                    ord int4, service_code text, description text, channel text, department text, requester jsonb,
                    address text, address_id int8, longitude float8, latitude float8, location_precision text, x float8, y float8,
                    address_key text, block_key text, grid_cell int8, media_url text, acknowledge_by date, respond_by date,
                    staff_id int8, priority int4, expedite_reason text, idempotency_key text, idempotency_hash text, actor text,
                    action text, ward_sets int8[], wards text[], attributes jsonb, tracking_prefix text, now float8, parent jsonb,
                    valid_from float8, valid_until float8)
            ), \(storing) numbered AS MATERIALIZED (
                -- Its tracking number and requester id drawn here, so each step below finds its row.
                SELECT s.*, s.tracking_prefix || lpad(nextval('tracking_number_seq')::text, \(TrackingNumber.digits)::int4, '0') AS number,
                       CASE WHEN s.requester IS NOT NULL THEN nextval('requesters_requester_id_seq') END AS requester_id
                FROM storing s JOIN service_types t ON t.service_code = s.service_code
            ), sr AS (
                INSERT INTO service_requests (
                    service_request_id, service_code, status, description, channel, department, requester_id,
                    requested_at, updated_at, address, address_id, longitude, latitude, location_precision, x_m, y_m,
                    parent_request_id, source, address_key, block_key, grid_cell, media_url, acknowledge_due_at, respond_due_at,
                    assigned_staff_id, priority, expedited, expedite_reason, idempotency_key, idempotency_hash)
                SELECT n.number, n.service_code, 'open', n.description, n.channel, n.department, n.requester_id,
                       to_timestamp(n.stored_at), to_timestamp(n.stored_at), n.address, n.address_id,
                       n.longitude, n.latitude, n.location_precision, n.x, n.y,
                       (n.parent->>'id')::int8, 'api', n.address_key, n.block_key, n.grid_cell, n.media_url,
                       (n.acknowledge_by + 1)::timestamp AT TIME ZONE \(timeZone),
                       (n.respond_by + 1)::timestamp AT TIME ZONE \(timeZone),
                       n.staff_id, n.priority, n.expedite_reason IS NOT NULL, coalesce(n.expedite_reason, ''),
                       n.idempotency_key, decode(n.idempotency_hash, 'hex')
                FROM numbered n
                -- A copy of this request that stored the same Idempotency-Key first wins; this one stores nothing.
                ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
                RETURNING request_id, service_request_id, token, requested_at
            ), stored AS (
                SELECT n.*, sr.request_id, sr.service_request_id, sr.token, sr.requested_at
                FROM sr JOIN numbered n ON n.number = sr.service_request_id
            ), who AS (
                -- Only for a case stored: a copy that lost to another with its Idempotency-Key
                -- leaves no name behind. (The case's foreign key is checked at the statement's end.)
                INSERT INTO requesters (requester_id, first_name, last_name, email, phone, postal_address, preferred_contact)
                OVERRIDING SYSTEM VALUE
                SELECT s.requester_id, s.requester->>'first_name', s.requester->>'last_name', s.requester->>'email', s.requester->>'phone',
                       s.requester->>'postal_address', s.requester->>'preferred_contact'
                FROM stored s WHERE s.requester_id IS NOT NULL
            ), history AS (
                INSERT INTO status_history (request_id, status, changed_at, actor, note, responsible)
                SELECT request_id, 'open', requested_at, actor, 'received', department FROM stored
            ), placed AS (
                INSERT INTO request_wards (request_id, ward_set_id, ward)
                SELECT s.request_id, w.set_id, nullif(w.ward, '')
                FROM stored s, unnest(s.ward_sets, s.wards) AS w(set_id, ward)
            ), answers AS (
                INSERT INTO request_attributes (request_id, code, answers)
                SELECT s.request_id, a.key, ARRAY(SELECT jsonb_array_elements_text(a.value))
                FROM stored s, jsonb_each(s.attributes) AS a
            )\(Shape.merged ? mergeSteps : "")
            , audit AS (
                INSERT INTO audit_log (request_id, action, actor, details)
                SELECT request_id, action, actor, jsonb_strip_nulls(jsonb_build_object('parent_request_id', (parent->>'id')::int8))
                FROM stored
            )
            \(answer)
            """
    }
}
