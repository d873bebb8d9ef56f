import Foundation
import Hummingbird
import SamespotCore
import SamespotService
import SamespotStore

/// The customer-service reports, each in JSON and CSV: requests received in a period by type,
/// department, employee or ward, and how they were handled (`/v1/reports/cases`); open cases by
/// department, most urgent first (`/v1/reports/unresolved`); and the expedited cases the city
/// manager's office follows (`/v1/reports/expedited`).
struct ReportRoutes {
    let reports: ReportService
    let wardSets: WardSetResolver
    let clock: CityClock

    struct CasesAnswer: Encodable {
        var from: String
        var to: String
        var by: String
        var wardSet: String?
        var rows: [Row]
        struct Row: Encodable {
            var key: String
            var label: String
            var received: Int
            var cases: Int
            var duplicatesMerged: Int
            var open: Int
            var closed: Int
            var actionsTaken: Int
            var acknowledgeHoursMedian: Double?
            var acknowledgeHoursP90: Double?
            var closeDaysMedian: Double?
            var closeDaysP90: Double?
            var acknowledgeBreaches: Int
            var respondBreaches: Int
            var newDates: Int
            var expedited: Int
            var evaluations: Int
            var evaluationAverage: Double?
        }
    }

    struct OpenCasesAnswer: Encodable {
        var count: Int
        var cases: [Entry]
        struct Entry: Encodable {
            var serviceRequestId: String
            var serviceCode: String
            var serviceName: String
            var status: String
            var address: String
            var department: String
            var responsible: String?
            var priority: Int
            var requestedAt: String
            var respondDueAt: String?
            var overdue: Bool
            var expedited: Bool
            var expediteReason: String
            var childCount: Int
        }
    }

    func register(on api: APIRouter) {
        for csv in [false, true] {
            let ext = csv ? ".csv" : ""
            api.get("/v1/reports/cases\(ext)") { request, context in
                _ = try context.require(.readReports)
                let query = QueryParameters(request)
                let to = try query.date("to", clock: clock, endOfDay: true) ?? Date()
                let from = try query.date("from", clock: clock) ?? to.addingTimeInterval(-365 * 86_400)
                let byName = try query.string("by") ?? "type"
                guard let by = LifecycleGrouping(rawValue: byName) else {
                    throw APIError.badRequest("by must be one of \(LifecycleGrouping.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                let set = by == .ward ? try wardSets.resolve(try query.string("ward_set")) : nil
                let rows = try await reports.customerService(from: from, to: to, groupBy: by, wardSetID: set?.id).map(Self.row)
                if csv {
                    return CSVResponse.make(header: Self.caseColumns, rows: rows.map(Self.cells), filename: "samespot-cases-by-\(by.rawValue).csv")
                }
                return try JSONResponse.encode(CasesAnswer(from: clock.w3c(from), to: clock.w3c(to), by: by.rawValue, wardSet: set?.name, rows: rows))
            }
            api.get("/v1/reports/unresolved\(ext)") { request, context in
                _ = try context.require(.readReports)
                let query = QueryParameters(request)
                let entries = try await reports.unresolved(department: try query.string("department"),
                                                           limit: try query.int("limit", in: 1...10_000) ?? 1_000)
                return try answer(entries, csv: csv, filename: "samespot-unresolved.csv")
            }
            api.get("/v1/reports/expedited\(ext)") { request, context in
                _ = try context.require(.readReports)
                let entries = try await reports.expedited(limit: try QueryParameters(request).int("limit", in: 1...10_000) ?? 1_000)
                return try answer(entries, csv: csv, filename: "samespot-expedited.csv")
            }
        }
    }

    private func answer(_ entries: [OpenCaseEntry], csv: Bool, filename: String) throws -> Response {
        let list = entries.map {
            OpenCasesAnswer.Entry(
                serviceRequestId: $0.serviceRequestID, serviceCode: $0.serviceCode, serviceName: $0.serviceName, status: $0.status.rawValue,
                address: $0.address, department: $0.department, responsible: $0.responsible, priority: $0.priority,
                requestedAt: clock.w3c($0.requestedAt), respondDueAt: $0.respondDueAt.map(clock.w3c), overdue: $0.overdue,
                expedited: $0.expedited, expediteReason: $0.expediteReason, childCount: $0.childCount)
        }
        guard csv else { return try JSONResponse.encode(OpenCasesAnswer(count: list.count, cases: list)) }
        return CSVResponse.make(
            header: ["service_request_id", "service_code", "service_name", "status", "address", "department", "responsible", "priority",
                     "requested_at", "respond_due_at", "overdue", "expedited", "expedite_reason", "child_count"],
            rows: list.map {
                [$0.serviceRequestId, $0.serviceCode, $0.serviceName, $0.status, $0.address, $0.department, $0.responsible ?? "",
                 String($0.priority), $0.requestedAt, $0.respondDueAt ?? "", String($0.overdue), String($0.expedited), $0.expediteReason,
                 String($0.childCount)]
            }, filename: filename)
    }

    static let caseColumns = [
        "key", "label", "received", "cases", "duplicates_merged", "open", "closed", "actions_taken", "acknowledge_hours_median",
        "acknowledge_hours_p90", "close_days_median", "close_days_p90", "acknowledge_breaches", "respond_breaches", "new_dates",
        "expedited", "evaluations", "evaluation_average",
    ]

    static func row(_ m: LifecycleMetrics) -> CasesAnswer.Row {
        CasesAnswer.Row(key: m.key, label: m.label, received: m.received, cases: m.cases, duplicatesMerged: m.duplicatesMerged, open: m.open,
                        closed: m.closed, actionsTaken: m.actionsTaken, acknowledgeHoursMedian: m.acknowledgeHoursMedian,
                        acknowledgeHoursP90: m.acknowledgeHoursP90, closeDaysMedian: m.closeDaysMedian, closeDaysP90: m.closeDaysP90,
                        acknowledgeBreaches: m.acknowledgeBreaches, respondBreaches: m.respondBreaches, newDates: m.newDates,
                        expedited: m.expedited, evaluations: m.evaluations, evaluationAverage: m.evaluationAverage)
    }

    static func cells(_ r: CasesAnswer.Row) -> [String] {
        let n = CSVResponse.number
        return [r.key, r.label, String(r.received), String(r.cases), String(r.duplicatesMerged), String(r.open), String(r.closed),
                String(r.actionsTaken), n(r.acknowledgeHoursMedian, 2), n(r.acknowledgeHoursP90, 2), n(r.closeDaysMedian, 2),
                n(r.closeDaysP90, 2), String(r.acknowledgeBreaches), String(r.respondBreaches), String(r.newDates), String(r.expedited),
                String(r.evaluations), n(r.evaluationAverage, 2)]
    }
}
