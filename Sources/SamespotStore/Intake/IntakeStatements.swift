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
    /// The function's call, also made by intake in one statement (`WriteLoneCase`).
    var call: SQLFragment {
        """
        samespot_lock_and_candidates(\(lockNames)::text[], \(mergeable), \(serviceCode), \(openStatuses)::text[],
                                     \(windowSeconds), \(cells)::int8[], \(addressKey), \(blockKey), \(timeZone))
        """
    }
    var query: PostgresQuery { "SELECT * FROM \(call)" }
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

/// The case, its requester, first status, wards, answers, the merge with the parent's count and
/// priority, and the audit row, in one statement: (request_id, tracking number, token, parent's number).
///
/// Two shapes, each prepared on its own (`WriteCase<NewCase>`, `WriteCase<MergedCase>`): most
/// requests have no parent, and a merge step that writes no row still costs its statement.
/// PostgreSQL opens the cases' indexes for an UPDATE and the decisions' for an INSERT when it
/// starts the statement, and fires the case feed's UPDATE trigger on `service_requests` even
/// for no row.
struct IntakeWrite {
    var intake: PreparedIntake
    var now: Double
    var trackingPrefix: String
    var gridCell: Int64?
    var acknowledgeBy: String
    var respondBy: String
    var attributesJSON: String
    var parent: IntakeStore.ParentLink?
    var timeZone: String

    static var example: IntakeWrite {
        IntakeWrite(intake: PreparedIntake(serviceCode: "", description: "", channel: "", requester: nil, address: "", addressKey: "",
                                         blockKey: "", longitude: nil, latitude: nil, precision: .none, x: nil, y: nil, wards: [],
                                         rule: .disabled("")),
                  now: 0, trackingPrefix: "", gridCell: nil, acknowledgeBy: "", respondBy: "", attributesJSON: "{}", parent: nil, timeZone: "")
    }

    /// The statement with the merge's steps (`merged`) or without them; or, with `alone`, the
    /// whole of intake for a case with no parent in one statement (see `WriteLoneCase`).
    func query(merged: Bool, alone: LoneCaseGuard? = nil) -> PostgresQuery {
        let intake = self.intake, requester = intake.requester, parent = self.parent
        // With `alone`, the case is stored at PostgreSQL's clock read after the locks, and only
        // if the guard lets it; else at `now`, read by the transaction's earlier statement.
        let locking: SQLFragment = alone.map { guarding in
            """
            spot AS MATERIALIZED (
                -- The candidates a chooser may pick (ParentChooser): within the radius, at the
                -- address or on the block; not every case of the cells the locks cover.
                SELECT min(c.now_epoch) AS now_epoch,
                       count(*) FILTER (WHERE (c.x_m - \(intake.x)::float8) ^ 2 + (c.y_m - \(intake.y)::float8) ^ 2 <= \(intake.rule.radiusMetres)::float8 ^ 2
                                           OR (c.address_key <> '' AND c.address_key = \(intake.addressKey))
                                           OR (c.block_key <> '' AND c.block_key = \(intake.blockKey))) AS candidates
                FROM \(guarding.spot.call) AS c
            ), alone AS (
                -- No case could be its parent, and the clock after the locks is in the day (and the
                -- tracking number's year) its deadlines and number were computed for.
                SELECT now_epoch FROM spot
                WHERE candidates = 0 AND now_epoch >= \(guarding.validFrom) AND now_epoch < \(guarding.validUntil)
            ),
            """
        } ?? ""
        let clock: SQLFragment = alone == nil ? "to_timestamp(\(now))" : "to_timestamp(alone.now_epoch)"
        let types: SQLFragment = alone == nil ? "service_types t" : "service_types t, alone"
        // A retry of a stored request (its Idempotency-Key known) stores nothing here, not even
        // its requester: the transaction then answers it as stored. (Two copies racing may both
        // pass this; the second's case is then not stored, as in the transaction.)
        let storing: SQLFragment = alone == nil ? "" : """
            AND EXISTS (SELECT 1 FROM alone)
            AND NOT EXISTS (SELECT 1 FROM service_requests WHERE idempotency_key = \(intake.idempotency?.key))
            """
        let answer: SQLFragment = alone == nil
            ? "SELECT sr.request_id, sr.service_request_id, sr.token::text, \(unescaped: merged ? "(SELECT service_request_id FROM parent)" : "NULL::text") FROM sr"
            : "SELECT spot.candidates, sr.request_id, sr.service_request_id, sr.token::text FROM spot LEFT JOIN sr ON true"
        let action = switch parent?.kind { case "join": "joined"; case .some: "created_as_duplicate"; case nil: "created" }
        let mergeSteps: SQLFragment = """
            , decision AS (
                INSERT INTO dedup_decisions (request_id, parent_request_id, distance_m, age_seconds, same_address, same_block, score, rule, kind,
                                             explanation, decided_by)
                SELECT sr.request_id, \(parent?.parentID)::int8, \(parent?.distance)::float8, \(parent?.ageSeconds ?? 0), \(parent?.sameAddress ?? false),
                       \(parent?.sameBlock ?? false), \(parent?.score ?? 0), \(parent?.ruleJSON ?? "{}")::jsonb, \(parent?.kind ?? "engine"),
                       -- Bound as text (a bare optional would be sent as binary jsonb, which PostgreSQL refuses).
                       nullif(\(parent?.explanationJSON ?? ""), '')::jsonb,
                       CASE WHEN \(parent?.kind ?? "engine") = 'engine' THEN 'engine' ELSE \(intake.actor) END
                FROM sr
            ), parent AS (
                -- The count is derived from the links, as everywhere (CaseStore.recount): the children there are, plus this one.
                -- Each repeat report raises the parent's priority: the spot most residents report comes first.
                UPDATE service_requests p SET child_count = 1 + (SELECT count(*) FROM service_requests c WHERE c.parent_request_id = p.request_id),
                       priority = priority + 1, updated_at = to_timestamp(\(now))
                WHERE p.request_id = \(parent?.parentID)::int8 AND EXISTS (SELECT 1 FROM sr)
                RETURNING service_request_id
            )
            """
        return """
            WITH \(locking) who AS (
                INSERT INTO requesters (first_name, last_name, email, phone, postal_address, preferred_contact)
                SELECT \(requester?.firstName ?? ""), \(requester?.lastName ?? ""), \(requester?.email ?? ""), \(requester?.phone ?? ""),
                       \(requester?.postalAddress ?? ""), \(requester?.preferredContact ?? "")
                WHERE \(requester != nil) \(storing)
                RETURNING requester_id
            ), sr AS (
                INSERT INTO service_requests (
                    service_request_id, service_code, status, description, channel, department, requester_id,
                    requested_at, updated_at, address, address_id, longitude, latitude, location_precision, x_m, y_m,
                    parent_request_id, source, address_key, block_key, grid_cell, media_url, acknowledge_due_at, respond_due_at,
                    assigned_staff_id, priority, expedited, expedite_reason, idempotency_key, idempotency_hash)
                SELECT \(trackingPrefix) || lpad(nextval('tracking_number_seq')::text, \(TrackingNumber.digits)::int4, '0'), t.service_code, 'open',
                       \(intake.description), \(intake.channel), \(intake.assignment.department), (SELECT requester_id FROM who),
                       \(clock), \(clock), \(intake.address), \(intake.addressID)::int8,
                       \(intake.longitude)::float8, \(intake.latitude)::float8, \(intake.precision.rawValue), \(intake.x)::float8, \(intake.y)::float8,
                       \(parent?.parentID)::int8, 'api', \(intake.addressKey), \(intake.blockKey), \(gridCell)::int8, \(intake.mediaURL),
                       (\(acknowledgeBy)::date + 1)::timestamp AT TIME ZONE \(timeZone),
                       (\(respondBy)::date + 1)::timestamp AT TIME ZONE \(timeZone),
                       \(intake.assignment.staffID)::int8, \(intake.priority)::int4,
                       \(intake.expediteReason != nil), \(intake.expediteReason ?? ""),
                       \(intake.idempotency?.key), \(intake.idempotency.map { ByteBuffer(bytes: $0.hash) })
                FROM \(types) WHERE t.service_code = \(intake.serviceCode)
                -- A copy of this request that stored the same Idempotency-Key first wins; this one stores nothing.
                ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
                RETURNING request_id, service_request_id, token, requested_at
            ), history AS (
                INSERT INTO status_history (request_id, status, changed_at, actor, note, responsible)
                SELECT request_id, 'open', requested_at, \(intake.actor), 'received', \(intake.assignment.department) FROM sr
            ), placed AS (
                INSERT INTO request_wards (request_id, ward_set_id, ward)
                SELECT sr.request_id, w.set_id, nullif(w.ward, '')
                FROM sr, unnest(\(intake.wards.map { Int64($0.setID) })::int8[], \(intake.wards.map { $0.ward ?? "" })::text[]) AS w(set_id, ward)
            ), answers AS (
                INSERT INTO request_attributes (request_id, code, answers)
                SELECT sr.request_id, a.key, ARRAY(SELECT jsonb_array_elements_text(a.value))
                FROM sr, jsonb_each(\(attributesJSON)::jsonb) AS a
            )\(merged ? mergeSteps : "")
            , audit AS (
                INSERT INTO audit_log (request_id, action, actor, details)
                SELECT request_id, \(action), \(intake.actor), jsonb_strip_nulls(jsonb_build_object('parent_request_id', \(parent?.parentID)::int8))
                FROM sr
            )
            \(answer)
            """
    }
}

/// Which shape of `IntakeWrite` a statement is; each is prepared on its own (a generic
/// statement's name is its full type, `WriteCase<NewCase>`).
protocol IntakeWriteShape { static var merged: Bool { get } }

/// A new case with no parent: most requests.
enum NewCase: IntakeWriteShape { static let merged = false }

/// A case merged into a parent (by the engine, or a caller joining one): with its decision and
/// the parent's new count and priority.
enum MergedCase: IntakeWriteShape { static let merged = true }

/// Intake's write in one of its shapes (see `IntakeWrite`).
struct WriteCase<Shape: IntakeWriteShape>: PreparedQuery {
    typealias Row = (Int64, String, String, String?)
    var write: IntakeWrite
    static var example: WriteCase { WriteCase(write: .example) }
    var query: PostgresQuery { write.query(merged: Shape.merged) }
    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

/// What lets intake store a case in one statement (`WriteLoneCase`): the spot's locks and
/// candidates, and the instants at which the day and year computed beforehand still hold.
struct LoneCaseGuard {
    var spot: LockAndReadCandidates
    var validFrom: Double
    var validUntil: Double
}

/// The whole of intake for a case with no parent, in one statement and so one round trip, with
/// no BEGIN or COMMIT of its own: the spot's locks, its candidates read after them (the
/// function is VOLATILE, so its read takes a snapshot of its own, after the locks, as the
/// transaction's second statement does), and, only when there is none, the case written as
/// `WriteCase<NewCase>` writes it. The locks are held until the statement's transaction
/// commits, as they are in the transaction. Answers one row: the candidates found, and the case
/// stored (nulls when nothing was: a candidate, the day's turn, or an Idempotency-Key's copy).
struct WriteLoneCase: PreparedQuery {
    typealias Row = (Int64, Int64?, String?, String?)
    var write: IntakeWrite
    var alone: LoneCaseGuard

    static var example: WriteLoneCase {
        WriteLoneCase(write: .example, alone: LoneCaseGuard(spot: .example, validFrom: 0, validUntil: 0))
    }
    var query: PostgresQuery { write.query(merged: false, alone: alone) }
    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}
