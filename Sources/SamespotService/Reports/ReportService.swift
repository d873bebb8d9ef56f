import Foundation
import SamespotCore
import SamespotStore

/// The reports staff and council offices read: the customer-service report by type,
/// department, employee or ward; unresolved cases by department; the city manager's list of
/// expedited cases; and the ward summaries.
public struct ReportService: Sendable {
    public let lifecycle: LifecycleReportStore
    public let wards: WardReportStore
    public let indexes: CityIndexes
    /// The cases in memory, when this instance keeps them: ward summaries are counted there.
    public let mirror: CaseMirror?

    public init(lifecycle: LifecycleReportStore, wards: WardReportStore, indexes: CityIndexes, mirror: CaseMirror? = nil) {
        self.lifecycle = lifecycle
        self.wards = wards
        self.indexes = indexes
        self.mirror = mirror
    }

    public func customerService(from: Date, to: Date, groupBy: LifecycleGrouping, wardSetID: Int?) async throws -> [LifecycleMetrics] {
        guard from < to else { throw Refused(.invalid, "to must be after from") }
        return try await lifecycle.report(from: from, to: to, groupBy: groupBy, wardSetID: wardSetID ?? indexes.snapshot.wardSet?.id)
    }

    public func unresolved(department: String?, limit: Int) async throws -> [OpenCaseEntry] {
        try await lifecycle.openCases(department: department, expeditedOnly: false, limit: limit)
    }

    public func expedited(limit: Int) async throws -> [OpenCaseEntry] {
        try await lifecycle.openCases(department: nil, expeditedOnly: true, limit: limit)
    }

    public func wardMetrics(setID: Int, wards selected: [String]?, from: Date, to: Date,
                            groupBy: WardReportStore.Grouping) async throws -> [WardMetrics] {
        // A pass over the cases in memory (a big city's year in tens of milliseconds); PostgreSQL
        // counts them while they are being loaded.
        if let counted = await mirror?.read({ $0.wardMetrics(setID: setID, wards: selected, from: from, to: to, groupBy: groupBy, now: Date()) }),
           let counted {
            return counted
        }
        return try await wards.metrics(setID: setID, wards: selected, from: from, to: to, groupBy: groupBy)
    }

    public func wardRequests(setID: Int, ward: String, from: Date, to: Date, limit: Int, offset: Int) async throws -> [WardRequestEntry] {
        try await wards.requests(setID: setID, ward: ward, from: from, to: to, limit: limit, offset: offset)
    }
}
