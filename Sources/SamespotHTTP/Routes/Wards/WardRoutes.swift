import Foundation
import Hummingbird
import SamespotCore
import SamespotService
import SamespotStore

/// Ward reports for council offices, under any boundary set (election years compare maps):
/// `GET /v1/wards/summary` (every ward), `GET /v1/wards/{ward}/summary` (one ward, by type,
/// with its hotspots), each also as `.csv`; and `GET /v1/wards/{ward}/requests` — the ward's
/// requests with requester names, for that ward's office (and admins) only.
struct WardRoutes {
    let reports: ReportService
    let boundaries: WardBoundaryService
    let clusters: ClusterService
    let indexes: CityIndexes
    let wardSets: WardSetResolver
    let clock: CityClock

    struct Period { var set: WardSetInfo; var from: Date; var to: Date }

    struct AllWards: Encodable {
        var wardSet: String
        var from: String
        var to: String
        var wards: [WardMetricsAnswer]
        var city: WardMetricsAnswer?
    }

    struct OneWard: Encodable {
        struct TypeMetrics: Encodable { var serviceName: String; var metrics: WardMetricsAnswer }
        struct HotspotSummary: Encodable {
            var count: Int; var reports: Int; var centroid: [Double]; var topTypes: [String]
        }
        var wardSet: String
        var ward: String
        var from: String
        var to: String
        var totals: WardMetricsAnswer
        var byType: [TypeMetrics]
        var hotspots: [HotspotSummary]
    }

    struct RequestList: Encodable {
        var wardSet: String
        var ward: String
        var from: String
        var to: String
        var page: Int
        var pageSize: Int
        var count: Int
        var requests: [WardRequestAnswer]
    }

    func register(on api: APIRouter) {
        // The map itself is public: a base layer for every map, and what residents see on the
        // city's own site. Simplified by default to ~10 m (a tenth of the bytes); 0 keeps all.
        api.get("/v1/wards/boundaries") { request, context in
            _ = try context.require(.readCity)
            let query = QueryParameters(request)
            let set = try wardSets.resolve(try query.string("ward_set"))
            let tolerance = try query.double("tolerance", in: 0...0.01) ?? 0.0001
            return Response(status: .ok, headers: [.contentType: "application/geo+json; charset=utf-8", .cacheControl: "private, max-age=300"],
                            body: .init(byteBuffer: ByteBuffer(bytes: try await boundaries.featureCollection(set: set, tolerance: tolerance))))
        }

        for csv in [false, true] {
            let ext = csv ? ".csv" : ""
            api.get("/v1/wards/summary\(ext)") { request, context in
                _ = try context.require(.wardSummaries)
                let period = try period(request)
                let rows = try await reports.wardMetrics(setID: period.set.id, wards: nil, from: period.from, to: period.to, groupBy: .ward)
                let wards = rows.filter { $0.group != nil }.sorted { Self.wardOrder($0.group!, $1.group!) }
                let city = rows.first { $0.group == nil }
                if csv {
                    return CSVResponse.make(header: ["ward"] + Self.metricColumns, rows: (wards + (city.map { [$0] } ?? [])).map {
                        [$0.group ?? "city"] + Self.metricCells($0)
                    }, filename: "wards-\(period.set.name)-\(clock.day(period.from)).csv")
                }
                return try JSONResponse.encode(AllWards(wardSet: period.set.name, from: clock.w3c(period.from), to: clock.w3c(period.to),
                                                        wards: wards.map(WardMetricsAnswer.init), city: city.map(WardMetricsAnswer.init)))
            }
            api.get("/v1/wards/{ward}/summary\(ext)") { request, context in
                _ = try context.require(.wardSummaries)
                let ward = try context.parameters.require("ward")
                let period = try period(request)
                try await checkWard(ward, in: period.set)
                let rows = try await reports.wardMetrics(setID: period.set.id, wards: [ward], from: period.from, to: period.to, groupBy: .serviceCode)
                let names = indexes.catalog.types
                let byType = rows.filter { $0.group != nil }.sorted { ($0.opened, $1.group!) > ($1.opened, $0.group!) }
                let totals = rows.first { $0.group == nil } ?? .zero
                if csv {
                    return CSVResponse.make(header: ["service_code", "service_name"] + Self.metricColumns,
                                            rows: byType.map { [$0.group!, names[$0.group!]?.name ?? ""] + Self.metricCells($0) }
                                                + [["total", ""] + Self.metricCells(totals)],
                                            filename: "ward-\(ward)-\(period.set.name)-\(clock.day(period.from)).csv")
                }
                // Hotspots of the ward's problems in the period: 50 m, 3 requests.
                let map = try await clusters.hotspots(ClusterFilter(from: period.from, to: period.to, wardSetID: period.set.id, ward: ward),
                                                      eps: 50, minPoints: 3, limit: 5)
                let hotspots = map.hotspots.map {
                    OneWard.HotspotSummary(count: $0.count, reports: $0.reports, centroid: [$0.centroidLongitude, $0.centroidLatitude],
                                           topTypes: $0.topTypes.map(\.serviceCode))
                }
                return try JSONResponse.encode(OneWard(
                    wardSet: period.set.name, ward: ward, from: clock.w3c(period.from), to: clock.w3c(period.to), totals: WardMetricsAnswer(metrics: totals),
                    byType: byType.map { .init(serviceName: names[$0.group!]?.name ?? $0.group!, metrics: WardMetricsAnswer(metrics: $0)) }, hotspots: hotspots))
            }
            api.get("/v1/wards/{ward}/requests\(ext)") { request, context in
                let principal = try context.require(.wardRequests)
                let ward = try context.parameters.require("ward")
                guard principal.maySeeRequesters(inWard: ward) else {
                    throw APIError.forbidden("this key serves wards \(principal.wards.sorted().joined(separator: ", ")); it may not list ward \(ward.prefix(20))'s requests")
                }
                let period = try period(request)
                try await checkWard(ward, in: period.set)
                let query = QueryParameters(request)
                let pageSize = try query.int("page_size", in: 1...5_000) ?? (csv ? 5_000 : 100)
                let page = try query.int("page", in: 1...1_000_000) ?? 1
                let entries = try await reports.wardRequests(setID: period.set.id, ward: ward, from: period.from, to: period.to,
                                                         limit: pageSize, offset: (page - 1) * pageSize)
                if csv {
                    return CSVResponse.make(
                        header: ["service_request_id", "service_code", "service_name", "status", "address", "requested_at", "closed_at",
                                 "parent_service_request_id", "first_name", "last_name", "email", "phone", "actions"],
                        rows: entries.map { e in
                            [e.serviceRequestId, e.serviceCode, e.serviceName, e.status, e.address, clock.w3c(e.requestedAt),
                             e.closedAt.map(clock.w3c) ?? "", e.parentServiceRequestId ?? "", e.requester?.firstName ?? "",
                             e.requester?.lastName ?? "", e.requester?.email ?? "", e.requester?.phone ?? "",
                             e.actions.map { "\(clock.w3c($0.at)) \($0.kind) (\($0.actor))\($0.text.isEmpty ? "" : ": \($0.text)")" }.joined(separator: "; ")]
                        }, filename: "ward-\(ward)-requests-\(clock.day(period.from)).csv")
                }
                return try JSONResponse.encode(RequestList(wardSet: period.set.name, ward: ward, from: clock.w3c(period.from),
                                                           to: clock.w3c(period.to), page: page, pageSize: pageSize,
                                                           count: entries.count, requests: entries.map(WardRequestAnswer.init)))
            }
        }
    }

    /// The set (`ward_set`, default the one in use) and period (`from`, `to`; default the
    /// 365 days to now). A date alone is the city's day: `to=2021-01-31` includes the 31st.
    private func period(_ request: Request) throws -> Period {
        let query = QueryParameters(request)
        let set = try wardSets.resolve(try query.string("ward_set"))
        let to = try query.date("to", clock: clock, endOfDay: true) ?? Date()
        let from = try query.date("from", clock: clock) ?? to.addingTimeInterval(-365 * 86_400)
        guard from < to else { throw APIError.badRequest("from must be before to") }
        return Period(set: set, from: from, to: to)
    }

    private func checkWard(_ ward: String, in set: WardSetInfo) async throws {
        guard indexes.snapshot.allWardSets.first(where: { $0.info.id == set.id })?.index.wards.contains(ward) ?? false else {
            throw APIError.notFound("ward \(ward.prefix(20)) is not in ward set \(set.name)")
        }
    }

    static func wardOrder(_ a: String, _ b: String) -> Bool { (Int(a) ?? .max, a) < (Int(b) ?? .max, b) }

    static let metricColumns = [
        "opened", "opened_cases", "closed", "median_days_to_close", "p90_days_to_close", "backlog", "backlog_median_age_days",
        "backlog_max_age_days", "sla_tracked", "acknowledge_breaches", "respond_breaches", "duplicates", "duplicate_rate", "joins",
        "ever_closed", "reopened", "reopen_rate", "now_open", "now_acknowledged", "now_in_progress", "now_referred", "now_reopened",
        "now_closed", "now_canceled",
    ]

    static func metricCells(_ m: WardMetrics) -> [String] {
        let n = CSVResponse.number
        return [String(m.opened), String(m.openedCases), String(m.closed), n(m.medianDaysToClose, 2), n(m.p90DaysToClose, 2),
                String(m.backlog), n(m.backlogMedianAgeDays, 2), n(m.backlogMaxAgeDays, 2), String(m.slaTracked),
                String(m.acknowledgeBreaches), String(m.respondBreaches), String(m.duplicates), n(m.duplicateRate, 4), String(m.joins),
                String(m.everClosed), String(m.reopened), n(m.reopenRate, 4)]
            + CaseStatus.allCases.map { String(m.byStatus[$0.rawValue] ?? 0) }
    }
}

/// Ward sets by name, from the instance's loaded sets: the one in use when none is named.
struct WardSetResolver {
    let indexes: CityIndexes

    func resolve(_ name: String?) throws -> WardSetInfo {
        let snapshot = indexes.snapshot
        let known = snapshot.allWardSets.map(\.info)
        if let name {
            guard let set = known.first(where: { $0.name == name }) else {
                throw APIError.notFound("no ward set named \(name.prefix(40)) (known: \(known.map(\.name).joined(separator: ", ")))")
            }
            return set
        }
        guard let set = snapshot.wardSet else { throw APIError.notFound("no ward sets are loaded; import one with samespot import wards") }
        return set
    }
}
