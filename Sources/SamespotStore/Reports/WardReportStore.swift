import Foundation
import PostgresNIO
import SamespotCore

/// The figures a council office asks of its ward for a period (or a department of a type),
/// under any ward boundary set.
public struct WardMetrics: Sendable, Equatable {
    /// The ward, or the service code when the figures are by type; nil for the total of them all.
    public var group: String?
    /// Requests received in the period, duplicates included.
    public var opened: Int
    /// Of those, the problems: requests not merged into another.
    public var openedCases: Int
    /// Requests received in the period, by their status now.
    public var byStatus: [String: Int]
    /// Cases (not merged into another) closed in the period.
    public var closed: Int
    /// Days from request to close of the cases closed in the period.
    public var medianDaysToClose: Double?
    public var p90DaysToClose: Double?
    /// Cases still open at the end of the period (or now, if sooner), and how old they were then.
    public var backlog: Int
    public var backlogMedianAgeDays: Double?
    public var backlogMaxAgeDays: Double?
    /// Cases received in the period that had deadlines, and how many missed them.
    public var slaTracked: Int
    public var acknowledgeBreaches: Int
    public var respondBreaches: Int
    /// Requests received in the period that are duplicates of another (merged), and their share.
    public var duplicates: Int
    public var duplicateRate: Double
    /// Of those, callers joined to an existing case at intake ("already reported": deflected).
    public var joins: Int
    /// Cases received in the period that were closed at some time, and those reopened after.
    public var everClosed: Int
    public var reopened: Int
    public var reopenRate: Double

    /// No requests at all.
    public static let zero = WardMetrics(
        group: nil, opened: 0, openedCases: 0, byStatus: [:], closed: 0, medianDaysToClose: nil, p90DaysToClose: nil, backlog: 0,
        backlogMedianAgeDays: nil, backlogMaxAgeDays: nil, slaTracked: 0, acknowledgeBreaches: 0, respondBreaches: 0,
        duplicates: 0, duplicateRate: 0, joins: 0, everClosed: 0, reopened: 0, reopenRate: 0)
}

/// One request in a ward's list, for the ward's council office: with the requester's name and
/// contacts (the office calls people back) and what was done.
public struct WardRequestEntry: Sendable {
    public struct Requester: Sendable { public var firstName: String; public var lastName: String; public var email: String; public var phone: String }
    public struct Action: Sendable { public var at: Date; public var kind: String; public var actor: String; public var text: String }
    public var serviceRequestId: String
    public var serviceCode: String
    public var serviceName: String
    public var status: String
    public var address: String
    public var requestedAt: Date
    public var closedAt: Date?
    public var parentServiceRequestId: String?
    /// nil when the caller left no name (an anonymous report).
    public var requester: Requester?
    public var actions: [Action]
}

public struct WardReportStore: Sendable {
    public enum Grouping: Sendable { case ward, serviceCode }

    public let database: Database
    public init(database: Database) { self.database = database }

    /// The statuses a summary counts one by one (`WardMetrics.byStatus`).
    public static let countedStatuses: [CaseStatus] = [.open, .acknowledged, .inProgress, .closed, .canceled]

    /// The order groups are listed in: numbers as numbers (ward 2 before ward 10), then by name.
    public static func groupOrder(_ a: String, _ b: String) -> Bool {
        (Int(a) ?? .max, a) < (Int(b) ?? .max, b)
    }

    /// Metrics per ward (or per type within the given wards), plus a total row (key nil).
    /// - Parameters:
    ///   - wards: the wards to count; nil for every ward of the set.
    ///   - from, to: the period, `to` excluded.
    public func metrics(setID: Int, wards: [String]?, from: Date, to: Date, groupBy: Grouping) async throws -> [WardMetrics] {
        let key = groupBy == .ward ? "s.ward" : "s.service_code"
        let rows = try await database.client.query("""
            WITH scope AS (
                SELECT r.request_id, r.service_code, r.status, r.requested_at, r.closed_at, r.parent_request_id,
                       r.ever_closed, r.reopened, r.acknowledged_at, r.acknowledge_due_at, r.respond_due_at, w.ward,
                       r.requested_at >= \(from) AND r.requested_at < \(to) AS received,
                       r.parent_request_id IS NULL AS is_case
                FROM service_requests r
                JOIN request_wards w ON w.request_id = r.request_id AND w.ward_set_id = \(setID)
                WHERE w.ward IS NOT NULL AND (\(wards)::text[] IS NULL OR w.ward = ANY(\(wards)::text[]))
                  AND r.requested_at < \(to)
                  AND (r.requested_at >= \(from) OR r.closed_at IS NULL OR r.closed_at >= \(from))
            ), as_of AS (
                SELECT least(\(to)::timestamptz, now()) AS t
            ), joined AS (
                -- Callers joined to a case at intake ("already reported"); a reverted join no longer counts.
                -- All of them, from their own small index (migration 11): asking only for the scope's
                -- duplicates made PostgreSQL keep the scope whole, and lose its parallel scan.
                SELECT d.request_id FROM dedup_decisions d WHERE d.kind = 'join' AND d.reverted_at IS NULL
            )
            SELECT \(unescaped: key),
                   count(*) FILTER (WHERE received)::int,
                   count(*) FILTER (WHERE received AND is_case)::int,
                   count(*) FILTER (WHERE received AND s.status = 'open')::int,
                   count(*) FILTER (WHERE received AND s.status = 'acknowledged')::int,
                   count(*) FILTER (WHERE received AND s.status = 'in_progress')::int,
                   count(*) FILTER (WHERE received AND s.status = 'closed')::int,
                   count(*) FILTER (WHERE received AND s.status = 'canceled')::int,
                   count(*) FILTER (WHERE is_case AND s.closed_at >= \(from) AND s.closed_at < \(to))::int,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM s.closed_at - s.requested_at) / 86400)
                       FILTER (WHERE is_case AND s.closed_at >= \(from) AND s.closed_at < \(to)),
                   percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM s.closed_at - s.requested_at) / 86400)
                       FILTER (WHERE is_case AND s.closed_at >= \(from) AND s.closed_at < \(to)),
                   count(*) FILTER (WHERE is_case AND s.requested_at < a.t AND (s.closed_at IS NULL OR s.closed_at >= a.t)
                                    AND NOT (s.closed_at IS NULL AND s.status IN ('closed', 'canceled')))::int,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM a.t - s.requested_at) / 86400)
                       FILTER (WHERE is_case AND s.requested_at < a.t AND (s.closed_at IS NULL OR s.closed_at >= a.t)
                               AND NOT (s.closed_at IS NULL AND s.status IN ('closed', 'canceled'))),
                   (max(extract(epoch FROM a.t - s.requested_at) / 86400)
                       FILTER (WHERE is_case AND s.requested_at < a.t AND (s.closed_at IS NULL OR s.closed_at >= a.t)
                               AND NOT (s.closed_at IS NULL AND s.status IN ('closed', 'canceled'))))::float8,
                   count(*) FILTER (WHERE received AND is_case AND s.acknowledge_due_at IS NOT NULL)::int,
                   count(*) FILTER (WHERE received AND is_case AND s.acknowledge_due_at < coalesce(s.acknowledged_at, a.t))::int,
                   count(*) FILTER (WHERE received AND is_case AND s.respond_due_at < coalesce(s.closed_at, a.t))::int,
                   count(*) FILTER (WHERE received AND NOT is_case)::int,
                   count(*) FILTER (WHERE received AND j.request_id IS NOT NULL)::int,
                   count(*) FILTER (WHERE received AND is_case AND s.ever_closed)::int,
                   count(*) FILTER (WHERE received AND is_case AND s.reopened)::int
            FROM scope s CROSS JOIN as_of a
            LEFT JOIN joined j ON j.request_id = s.request_id
            GROUP BY GROUPING SETS ((\(unescaped: key)), ())
            ORDER BY 1 NULLS LAST
            """, logger: database.logger)
        var result: [WardMetrics] = []
        for try await row in rows {
            let c = row.makeRandomAccess()
            func int(_ i: Int) throws -> Int { try c[i].decode(Int.self) }
            let opened = try int(1), duplicates = try int(17), everClosed = try int(19), reopened = try int(20)
            var byStatus: [String: Int] = [:]
            for (i, status) in Self.countedStatuses.enumerated() { byStatus[status.rawValue] = try int(3 + i) }
            result.append(WardMetrics(
                group: try c[0].decode(String?.self), opened: opened, openedCases: try int(2), byStatus: byStatus, closed: try int(8),
                medianDaysToClose: try c[9].decode(Double?.self), p90DaysToClose: try c[10].decode(Double?.self),
                backlog: try int(11), backlogMedianAgeDays: try c[12].decode(Double?.self), backlogMaxAgeDays: try c[13].decode(Double?.self),
                slaTracked: try int(14), acknowledgeBreaches: try int(15), respondBreaches: try int(16),
                duplicates: duplicates, duplicateRate: opened > 0 ? Double(duplicates) / Double(opened) : 0,
                joins: try int(18), everClosed: everClosed, reopened: reopened,
                reopenRate: everClosed > 0 ? Double(reopened) / Double(everClosed) : 0))
        }
        // The database's collation would put ward 10 before ward 2.
        let groups = result.filter { $0.group != nil }.sorted { Self.groupOrder($0.group!, $1.group!) }
        return groups + result.filter { $0.group == nil }
    }

    /// The wards a set has, in the set's order (numbers as numbers).
    public func wards(setID: Int) async throws -> [String] {
        var wards: [String] = []
        for try await ward in try await database.client.query(
            "SELECT ward FROM wards WHERE ward_set_id = \(setID)", logger: database.logger).decode(String.self) {
            wards.append(ward)
        }
        return wards.sorted(by: Self.groupOrder)
    }

    /// The requests of one ward received in a period, newest first, with requester and actions.
    public func requests(setID: Int, ward: String, from: Date, to: Date, limit: Int, offset: Int) async throws -> [WardRequestEntry] {
        let logger = database.logger
        var entries: [WardRequestEntry] = []
        var ids: [Int64] = []
        for try await row in try await database.client.query("""
            SELECT r.request_id, r.service_request_id, r.service_code, t.service_name, r.status, r.address, r.requested_at, r.closed_at,
                   p.service_request_id, q.first_name, q.last_name, q.email, q.phone
            FROM service_requests r
            JOIN request_wards w ON w.request_id = r.request_id AND w.ward_set_id = \(setID) AND w.ward = \(ward)
            JOIN service_types t ON t.service_code = r.service_code
            LEFT JOIN service_requests p ON p.request_id = r.parent_request_id
            LEFT JOIN requesters q ON q.requester_id = r.requester_id
            WHERE r.requested_at >= \(from) AND r.requested_at < \(to)
            ORDER BY r.requested_at DESC, r.request_id DESC
            LIMIT \(limit) OFFSET \(offset)
            """, logger: logger) {
            let c = row.makeRandomAccess()
            ids.append(try c[0].decode(Int64.self))
            let first = try c[9].decode(String?.self)
            entries.append(WardRequestEntry(
                serviceRequestId: try c[1].decode(String.self), serviceCode: try c[2].decode(String.self),
                serviceName: try c[3].decode(String.self), status: try c[4].decode(String.self), address: try c[5].decode(String.self),
                requestedAt: try c[6].decode(Date.self), closedAt: try c[7].decode(Date?.self),
                parentServiceRequestId: try c[8].decode(String?.self),
                requester: try first.map { _ in
                    WardRequestEntry.Requester(firstName: try c[9].decode(String.self), lastName: try c[10].decode(String.self),
                                               email: try c[11].decode(String.self), phone: try c[12].decode(String.self))
                },
                actions: []))
        }
        guard !ids.isEmpty else { return [] }
        var actions: [Int64: [WardRequestEntry.Action]] = [:]
        for try await (id, at, kind, actor, text) in try await database.client.query("""
            SELECT request_id, changed_at, 'status: ' || status, actor, note FROM status_history WHERE request_id = ANY(\(ids)::bigint[])
            UNION ALL
            SELECT request_id, created_at, CASE WHEN public THEN 'public note' ELSE 'note' END, author, body
            FROM case_notes WHERE request_id = ANY(\(ids)::bigint[])
            ORDER BY 2
            """, logger: logger).decode((Int64, Date, String, String, String).self) {
            actions[id, default: []].append(.init(at: at, kind: kind, actor: actor, text: text))
        }
        for (i, id) in ids.enumerated() { entries[i].actions = actions[id] ?? [] }
        return entries
    }
}
