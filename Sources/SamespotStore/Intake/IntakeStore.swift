import Foundation
import Logging
import PostgresNIO
import SamespotCore

/// A request ready to be stored: located, keyed and placed, before the dedup decision.
public struct PreparedIntake: Sendable {
    public var serviceCode: String
    public var description: String
    public var channel: String
    public var requester: Requester?
    public var address: String
    public var addressKey: String
    public var blockKey: String
    public var longitude: Double?
    public var latitude: Double?
    public var precision: LocationPrecision
    /// Metres on the city's grid; nil when the location is not precise enough to merge.
    public var x: Double?
    public var y: Double?
    public var wardSetID: Int?
    public var ward: String?

    public struct Requester: Sendable {
        public var firstName: String, lastName: String, email: String, phone: String
        public init(firstName: String, lastName: String, email: String, phone: String) {
            self.firstName = firstName; self.lastName = lastName; self.email = email; self.phone = phone
        }
    }

    public init(serviceCode: String, description: String, channel: String, requester: Requester?, address: String,
                addressKey: String, blockKey: String, longitude: Double?, latitude: Double?, precision: LocationPrecision,
                x: Double?, y: Double?, wardSetID: Int?, ward: String?) {
        self.serviceCode = serviceCode; self.description = description; self.channel = channel
        self.requester = requester; self.address = address; self.addressKey = addressKey; self.blockKey = blockKey
        self.longitude = longitude; self.latitude = latitude; self.precision = precision
        self.x = x; self.y = y; self.wardSetID = wardSetID; self.ward = ward
    }
}

/// What intake stored: the new case's ids and, when merged, its parent and the reasons.
public struct IntakeOutcome: Sendable {
    public var requestID: Int64
    public var serviceRequestID: String
    public var parentRequestID: Int64?
    public var parentServiceRequestID: String?
    public var decision: DedupDecision?
    public var rule: DedupRule
}

/// Stores a new request and decides, in the same transaction, whether it is a duplicate.
///
/// Why this is safe with many instances: before reading candidates, the transaction takes
/// `pg_advisory_xact_lock` on every 250 m cell its rule's radius reaches (and on its address and
/// block keys), for its service type, in ascending key order (so two transactions never wait on
/// each other in a cycle). A second request for the same spot waits on the lock until the first
/// commits; READ COMMITTED gives its next statement a fresh snapshot, so it sees the first case
/// and merges into it. Exactly one parent, whatever the number of instances; requests for other
/// spots or types take other locks and do not wait. SERIALIZABLE with retries would also be
/// correct, but would abort and redo whole intakes under the bursts this is meant for.
public struct IntakeStore: Sendable {
    public static let lockCellMetres = 250.0
    public let database: Database
    public let trackingPrefix: String

    public init(database: Database, trackingPrefix: String = "SS") {
        self.database = database
        self.trackingPrefix = trackingPrefix
    }

    public static func cell(x: Double, y: Double) -> (Int64, Int64) {
        (Int64((x / lockCellMetres).rounded(.down)), Int64((y / lockCellMetres).rounded(.down)))
    }

    public static func cellID(_ c: (Int64, Int64)) -> Int64 { c.0 << 32 ^ (c.1 & 0xFFFF_FFFF) }

    public func rule(for serviceCode: String, on connection: PostgresConnection) async throws -> DedupRule? {
        let rows = try await connection.query("""
            SELECT enabled, match_unit, radius_m, window_seconds, open_statuses FROM dedup_rules WHERE service_code = \(serviceCode)
            """, logger: database.logger)
        for try await (enabled, unit, radius, window, statuses) in rows.decode((Bool, String, Double, Double, [String]).self) {
            return DedupRule(serviceCode: serviceCode, radiusMetres: radius, windowDays: window / 86_400,
                             matchUnit: DedupRule.MatchUnit(rawValue: unit) ?? .distance,
                             openStatuses: Set(statuses.compactMap(CaseStatus.init(rawValue:))), enabled: enabled)
        }
        return nil
    }

    /// The rule for a type with no stored rule: `DedupDefaults` by the type's name.
    public func defaultRule(for serviceCode: String, on connection: PostgresConnection) async throws -> DedupRule {
        for try await name in try await connection.query(
            "SELECT service_name FROM service_types WHERE service_code = \(serviceCode)", logger: database.logger).decode(String.self) {
            return DedupDefaults.rule(serviceCode: serviceCode, serviceName: name)
        }
        return .fallback(serviceCode)
    }

    public func insert(_ intake: PreparedIntake) async throws -> IntakeOutcome {
        do {
            return try await insertInTransaction(intake)
        } catch let error as PostgresTransactionError {
            // Our own refusals come out as themselves, not wrapped in the transaction's error.
            if let own = error.closureError as? StoreError { throw own }
            throw error
        }
    }

    private func insertInTransaction(_ intake: PreparedIntake) async throws -> IntakeOutcome {
        let logger = database.logger
        return try await database.client.withTransaction(logger: logger) { tx in
            let stored = try await rule(for: intake.serviceCode, on: tx)
            let rule = if let stored { stored } else { try await defaultRule(for: intake.serviceCode, on: tx) }
            let mergeable = rule.enabled && intake.precision.isPreciseEnoughToMerge

            // 1. Lock the spot: its cells (within the radius) and its address and block keys.
            var lockNames: [String] = []
            var cells: [Int64] = []
            if mergeable, let x = intake.x, let y = intake.y {
                let reach = Int64((rule.radiusMetres / Self.lockCellMetres).rounded(.up))
                let c = Self.cell(x: x, y: y)
                for dx in -reach...reach { for dy in -reach...reach { cells.append(Self.cellID((c.0 + dx, c.1 + dy))) } }
                lockNames += cells.map { "\(intake.serviceCode)|cell|\($0)" }
            }
            if mergeable, !intake.addressKey.isEmpty { lockNames.append("\(intake.serviceCode)|address|\(intake.addressKey)") }
            if mergeable, !intake.blockKey.isEmpty { lockNames.append("\(intake.serviceCode)|block|\(intake.blockKey)") }
            if !lockNames.isEmpty {
                try await tx.query("""
                    SELECT count(pg_advisory_xact_lock(k)) FROM (
                        SELECT DISTINCT hashtextextended(n, 0) AS k FROM unnest(\(lockNames)::text[]) AS n ORDER BY 1) AS keys
                    """, logger: logger).drain()
            }

            // 2. The candidates: open parents of the type, in the window, at the spot.
            // The request's time is read *after* the locks: a transaction that began earlier but
            // waited for the lock must not look older than the case it waited for.
            var now = 0.0
            for try await t in try await tx.query("SELECT extract(epoch FROM clock_timestamp())::float8", logger: logger).decode(Double.self) { now = t }
            var decision: DedupDecision?
            if mergeable {
                let openStatuses = rule.openStatuses.map(\.rawValue)
                let rows = try await tx.query("""
                    SELECT request_id, extract(epoch FROM requested_at)::float8, requested_at_precision = 'day', x_m, y_m,
                           address_key, block_key
                    FROM service_requests
                    WHERE service_code = \(intake.serviceCode) AND parent_request_id IS NULL
                      AND status = ANY(\(openStatuses)::text[])
                      AND requested_at >= to_timestamp(\(now)) - make_interval(secs => \(rule.windowSeconds))
                      AND (grid_cell = ANY(\(cells)::bigint[])
                           OR (address_key <> '' AND address_key = \(intake.addressKey))
                           OR (block_key <> '' AND block_key = \(intake.blockKey)))
                    """, logger: logger)
                var candidates: [DedupCase] = []
                for try await (id, at, dateOnly, x, y, addressKey, blockKey) in rows.decode(
                    (Int64, Double, Bool, Double?, Double?, String, String).self) {
                    candidates.append(DedupCase(id: Int(id), serviceCode: intake.serviceCode, requestedAt: at, dateOnly: dateOnly,
                                                closedAt: nil, x: x, y: y, addressKey: addressKey, blockKey: blockKey))
                }
                let me = DedupCase(id: -1, serviceCode: intake.serviceCode, requestedAt: now, dateOnly: false, closedAt: nil,
                                   x: intake.x, y: intake.y, addressKey: intake.addressKey, blockKey: intake.blockKey)
                decision = DedupScorer.decide(me, candidates: candidates, rule: rule)
            }

            // 3. The case itself, its requester, its first status, its ward.
            var requesterID: Int64?
            if let r = intake.requester {
                for try await id in try await tx.query("""
                    INSERT INTO requesters (first_name, last_name, email, phone)
                    VALUES (\(r.firstName), \(r.lastName), \(r.email), \(r.phone)) RETURNING requester_id
                    """, logger: logger).decode(Int64.self) { requesterID = id }
            }
            let parentID = decision.map { Int64($0.parentID) }
            let gridCell = intake.x.flatMap { x in intake.y.map { y in Self.cellID(Self.cell(x: x, y: y)) } }
            let year = Calendar(identifier: .gregorian).component(.year, from: Date(timeIntervalSince1970: now)) % 100
            let prefix = "\(trackingPrefix)\(year < 10 ? "0" : "")\(year)-"
            var requestID: Int64 = 0, tracking = ""
            for try await (id, number) in try await tx.query("""
                INSERT INTO service_requests (
                    service_request_id, service_code, status, description, channel, department, requester_id,
                    requested_at, updated_at, address, longitude, latitude, location_precision, x_m, y_m,
                    parent_request_id, source, address_key, block_key, grid_cell)
                SELECT \(prefix) || lpad(nextval('tracking_number_seq')::text, 8, '0'), \(intake.serviceCode), 'open',
                       \(intake.description), \(intake.channel), t.department, \(requesterID), to_timestamp(\(now)), to_timestamp(\(now)),
                       \(intake.address), \(intake.longitude), \(intake.latitude), \(intake.precision.rawValue), \(intake.x), \(intake.y),
                       \(parentID), 'api', \(intake.addressKey), \(intake.blockKey), \(gridCell)
                FROM service_types t WHERE t.service_code = \(intake.serviceCode)
                RETURNING request_id, service_request_id
                """, logger: logger).decode((Int64, String).self) {
                requestID = id; tracking = number
            }
            guard requestID != 0 else { throw StoreError.notFound("unknown service_code \(intake.serviceCode)") }
            try await tx.query("""
                INSERT INTO status_history (request_id, status, changed_at, actor, note)
                VALUES (\(requestID), 'open', to_timestamp(\(now)), 'intake', 'received')
                """, logger: logger)
            if let setID = intake.wardSetID {
                try await tx.query("INSERT INTO request_wards (request_id, ward_set_id, ward) VALUES (\(requestID), \(setID), \(intake.ward))",
                                   logger: logger)
            }

            // 4. The merge: the decision, the parent's count and priority (a repeat is an escalation), the audit.
            var parentTracking: String?
            if let d = decision, let parentID {
                let ruleJSON = String(decoding: try JSONEncoder().encode(d.rule), as: UTF8.self)
                try await tx.query("""
                    INSERT INTO dedup_decisions (request_id, parent_request_id, distance_m, age_seconds, same_address, same_block, score, rule)
                    VALUES (\(requestID), \(parentID), \(d.distanceMetres), \(d.ageSeconds), \(d.sameAddress), \(d.sameBlock), \(d.score), \(ruleJSON)::jsonb)
                    """, logger: logger)
                for try await number in try await tx.query("""
                    UPDATE service_requests SET child_count = child_count + 1, priority = priority + 1, updated_at = now()
                    WHERE request_id = \(parentID) RETURNING service_request_id
                    """, logger: logger).decode(String.self) { parentTracking = number }
            }
            let details = decision.map { "{\"parent_request_id\": \($0.parentID)}" } ?? "{}"
            try await tx.query("""
                INSERT INTO audit_log (request_id, action, actor, details)
                VALUES (\(requestID), \(decision == nil ? "created" : "created_as_duplicate"), 'intake', \(details)::jsonb)
                """, logger: logger)
            return IntakeOutcome(requestID: requestID, serviceRequestID: tracking, parentRequestID: parentID,
                                 parentServiceRequestID: parentTracking, decision: decision, rule: rule)
        }
    }
}

extension PostgresRowSequence {
    /// Reads the rows to the end, so a query's error surfaces here.
    func drain() async throws { for try await _ in self {} }
}
