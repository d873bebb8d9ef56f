import Foundation
import PostgresNIO
import SamespotCore

/// How the customer-service report groups its rows.
public enum LifecycleGrouping: String, Sendable, CaseIterable {
    case type, department, employee, ward
}

/// One row of the customer-service report: requests received in the period by one group, and
/// how they were handled. Timings, deadlines and open/closed count cases (a merged duplicate
/// follows its case and is counted once, under duplicates).
public struct LifecycleMetrics: Sendable, Equatable {
    public var key: String
    public var label: String
    /// Every request received, duplicates included.
    public var received: Int
    public var cases: Int
    public var duplicatesMerged: Int
    public var open: Int
    public var closed: Int
    public var actionsTaken: Int
    public var acknowledgeHoursMedian: Double?
    public var acknowledgeHoursP90: Double?
    public var closeDaysMedian: Double?
    public var closeDaysP90: Double?
    public var acknowledgeBreaches: Int
    public var respondBreaches: Int
    /// Cases whose response date was moved, with a reason.
    public var newDates: Int
    public var expedited: Int
    public var evaluations: Int
    public var evaluationAverage: Double?
}

/// An open case on a department's list (unresolved cases, the city manager's expedited list).
public struct OpenCaseEntry: Sendable, Equatable {
    public var serviceRequestID: String
    public var serviceCode: String
    public var serviceName: String
    public var status: CaseStatus
    public var address: String
    public var department: String
    public var responsible: String?
    public var priority: Int
    public var requestedAt: Date
    public var respondDueAt: Date?
    public var overdue: Bool
    public var expedited: Bool
    public var expediteReason: String
    public var childCount: Int
}

/// The reports customer-service standards ask for, set-based in PostgreSQL.
public struct LifecycleReportStore: Sendable {
    public let database: Database
    public init(database: Database) { self.database = database }

    /// Requests received in [from, to), grouped; `wardSetID` places them for `.ward`.
    public func report(from: Date, to: Date, groupBy: LifecycleGrouping, wardSetID: Int?) async throws -> [LifecycleMetrics] {
        let key: String, label: String, join: String
        switch groupBy {
        case .type:
            key = "r.service_code"; label = "t.service_name"; join = ""
        case .department:
            key = "r.department"; label = "coalesce(nullif(d.name, ''), nullif(r.department, ''), '(no department)')"; join = "LEFT JOIN departments d ON d.department = r.department"
        case .employee:
            key = "coalesce(s.staff_id::text, '')"; label = "coalesce(s.name || CASE WHEN s.title <> '' THEN ', ' || s.title ELSE '' END, '(no one yet)')"
            join = "LEFT JOIN staff s ON s.staff_id = r.assigned_staff_id"
        case .ward:
            key = "coalesce(w.ward, '')"; label = "coalesce('Ward ' || w.ward, '(outside every ward)')"
            join = "LEFT JOIN request_wards w ON w.request_id = r.request_id AND w.ward_set_id = $3"
        }
        var binds = PostgresBindings()
        binds.append(from)
        binds.append(to)
        binds.append(wardSetID ?? 0)
        // Keys and labels are fixed SQL chosen above; every value is a bind.
        let sql = """
            WITH g AS (
                SELECT \(key) AS key, \(label) AS label, r.request_id, r.parent_request_id IS NULL AS is_case, r.status, r.requested_at,
                       r.acknowledged_at, r.closed_at, r.acknowledge_due_at, r.respond_due_at, r.respond_due_reason, r.expedited
                FROM service_requests r JOIN service_types t USING (service_code) \(join)
                WHERE r.requested_at >= $1 AND r.requested_at < $2
            )
            SELECT g.key, min(g.label),
                   count(*)::int,
                   count(*) FILTER (WHERE g.is_case)::int,
                   count(*) FILTER (WHERE NOT g.is_case)::int,
                   count(*) FILTER (WHERE g.is_case AND g.status IN ('open', 'acknowledged', 'in_progress', 'referred', 'reopened'))::int,
                   count(*) FILTER (WHERE g.is_case AND g.status IN ('closed', 'canceled'))::int,
                   coalesce(sum((SELECT count(*) FROM case_actions a WHERE a.request_id = g.request_id)), 0)::int,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM g.acknowledged_at - g.requested_at) / 3600)
                       FILTER (WHERE g.is_case AND g.acknowledged_at IS NOT NULL),
                   percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM g.acknowledged_at - g.requested_at) / 3600)
                       FILTER (WHERE g.is_case AND g.acknowledged_at IS NOT NULL),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM g.closed_at - g.requested_at) / 86400)
                       FILTER (WHERE g.is_case AND g.closed_at IS NOT NULL),
                   percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM g.closed_at - g.requested_at) / 86400)
                       FILTER (WHERE g.is_case AND g.closed_at IS NOT NULL),
                   count(*) FILTER (WHERE g.is_case AND g.acknowledge_due_at IS NOT NULL
                                    AND coalesce(g.acknowledged_at, now()) > g.acknowledge_due_at)::int,
                   count(*) FILTER (WHERE g.is_case AND g.respond_due_at IS NOT NULL
                                    AND coalesce(g.closed_at, now()) > g.respond_due_at)::int,
                   count(*) FILTER (WHERE g.is_case AND g.respond_due_reason <> '')::int,
                   count(*) FILTER (WHERE g.is_case AND g.expedited)::int,
                   count(e.request_id)::int,
                   avg(e.rating)::float8
            FROM g LEFT JOIN case_evaluations e ON e.request_id = g.request_id
            GROUP BY g.key
            ORDER BY count(*) DESC, g.key
            """
        var result: [LifecycleMetrics] = []
        for try await row in try await database.client.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: database.logger) {
            let c = row.makeRandomAccess()
            result.append(LifecycleMetrics(
                key: try c[0].decode(String.self), label: try c[1].decode(String.self), received: try c[2].decode(Int.self),
                cases: try c[3].decode(Int.self), duplicatesMerged: try c[4].decode(Int.self), open: try c[5].decode(Int.self),
                closed: try c[6].decode(Int.self), actionsTaken: try c[7].decode(Int.self),
                acknowledgeHoursMedian: try c[8].decode(Double?.self), acknowledgeHoursP90: try c[9].decode(Double?.self),
                closeDaysMedian: try c[10].decode(Double?.self), closeDaysP90: try c[11].decode(Double?.self),
                acknowledgeBreaches: try c[12].decode(Int.self), respondBreaches: try c[13].decode(Int.self),
                newDates: try c[14].decode(Int.self), expedited: try c[15].decode(Int.self), evaluations: try c[16].decode(Int.self),
                evaluationAverage: try c[17].decode(Double?.self)))
        }
        return result
    }

    /// Open cases (not merged ones: they follow their case), by department, most urgent first:
    /// expedited, then priority, then the oldest. `expeditedOnly` gives the city manager's list.
    public func openCases(department: String?, expeditedOnly: Bool, limit: Int) async throws -> [OpenCaseEntry] {
        var result: [OpenCaseEntry] = []
        let rows = try await database.client.query("""
            SELECT r.service_request_id, r.service_code, t.service_name, r.status, r.address, r.department,
                   s.name || CASE WHEN s.title <> '' THEN ', ' || s.title ELSE '' END, r.priority, r.requested_at, r.respond_due_at,
                   r.respond_due_at IS NOT NULL AND now() > r.respond_due_at, r.expedited, r.expedite_reason, r.child_count
            FROM service_requests r JOIN service_types t USING (service_code)
            LEFT JOIN staff s ON s.staff_id = r.assigned_staff_id
            WHERE r.parent_request_id IS NULL AND r.status IN ('open', 'acknowledged', 'in_progress', 'referred', 'reopened')
              AND (\(department)::text IS NULL OR r.department = \(department)::text)
              AND (NOT \(expeditedOnly) OR r.expedited)
            ORDER BY r.department, r.expedited DESC, r.priority DESC, r.requested_at, r.request_id
            LIMIT \(limit)
            """, logger: database.logger)
        for try await row in rows {
            let c = row.makeRandomAccess()
            result.append(OpenCaseEntry(
                serviceRequestID: try c[0].decode(String.self), serviceCode: try c[1].decode(String.self),
                serviceName: try c[2].decode(String.self), status: CaseStatus(rawValue: try c[3].decode(String.self)) ?? .open,
                address: try c[4].decode(String.self), department: try c[5].decode(String.self), responsible: try c[6].decode(String?.self),
                priority: try c[7].decode(Int.self), requestedAt: try c[8].decode(Date.self), respondDueAt: try c[9].decode(Date?.self),
                overdue: try c[10].decode(Bool.self), expedited: try c[11].decode(Bool.self), expediteReason: try c[12].decode(String.self),
                childCount: try c[13].decode(Int.self)))
        }
        return result
    }
}
