import Foundation
import SamespotCore

extension CaseTable {
    /// The ward summary (`WardReportStore.metrics`) counted from memory: the same figures, by
    /// the same definitions, group by group and a total (group nil) last. `now` stands for
    /// PostgreSQL's `now()`: the backlog is counted at the end of the period or now, if sooner.
    /// nil when the table does not keep the ward set.
    public func wardMetrics(setID: Int, wards selected: [String]?, from: Date, to: Date,
                            groupBy: WardReportStore.Grouping, now: Date) -> [WardMetrics]? {
        guard let column = wardSets[setID] else { return nil }
        let start = from.timeIntervalSince1970, end = to.timeIntervalSince1970
        let asOf = min(end, now.timeIntervalSince1970)
        // Which ward numbers count: every ward of the set, or those asked for.
        var counted = [Bool](repeating: selected == nil, count: column.names.count + 1)
        counted[0] = false
        for name in selected ?? [] { if let i = column.index[name] { counted[Int(i) + 1] = true } }

        var groups = [Tally](repeating: Tally(), count: groupBy == .ward ? column.names.count + 1 : codeNames.count)
        for slot in 0..<min(flags.count, column.ward.count) {
            let bits = flags[slot]
            guard bits & Self.present != 0, counted[Int(column.ward[slot])] else { continue }
            let requested = requestedAt[slot], closed = closedAt[slot]
            // In scope: received before the end, and received in the period or open at some time in it.
            guard requested < end, requested >= start || closed.isNaN || closed >= start else { continue }
            var facts = CaseFacts()
            facts.received = requested >= start
            facts.isCase = bits & UInt8(CaseFlags.isCase.rawValue) != 0
            let state = status[slot]
            if facts.received {
                facts.status = Self.statusNumbers.firstIndex(of: state)
                facts.joined = bits & UInt8(CaseFlags.joined.rawValue) != 0
                if facts.isCase {
                    let acknowledgeDue = acknowledgeDueAt[slot], acknowledged = acknowledgedAt[slot]
                    facts.slaTracked = !acknowledgeDue.isNaN
                    facts.acknowledgeBreach = acknowledgeDue < (acknowledged.isNaN ? asOf : acknowledged)
                    facts.respondBreach = respondDueAt[slot] < (closed.isNaN ? asOf : closed)
                    facts.everClosed = bits & UInt8(CaseFlags.everClosed.rawValue) != 0
                    facts.reopened = bits & UInt8(CaseFlags.reopened.rawValue) != 0
                }
            }
            if facts.isCase {
                if closed >= start && closed < end { facts.closeDays = (closed - requested) / 86_400 }
                // Open at the as-of moment; a case closed with no close time recorded is not.
                let endedUnrecorded = closed.isNaN && (state == Self.closedNumber || state == Self.canceledNumber)
                if requested < asOf, closed.isNaN || closed >= asOf, !endedUnrecorded { facts.backlogAge = (asOf - requested) / 86_400 }
            }
            groups[groupBy == .ward ? Int(column.ward[slot]) : Int(code[slot])].add(facts)
        }
        let named = groups.indices.filter { groups[$0].inScope > 0 }.map { key in
            (name: Optional(groupBy == .ward ? column.names[key - 1] : codeNames[key]), tally: groups[key])
        }.sorted { WardReportStore.groupOrder($0.name!, $1.name!) }
        // The total: the groups' counts added, their values put together once (not case by case).
        let all = named + [(name: nil, tally: named.reduce(into: Tally()) { $0.merge($1.tally) })]
        // Each group's percentiles on a core of its own: the selections are most of the work.
        return [WardMetrics](unsafeUninitializedCapacity: all.count) { buffer, initialized in
            // Each iteration writes its own element only.
            nonisolated(unsafe) let results = buffer.baseAddress!
            DispatchQueue.concurrentPerform(iterations: all.count) { i in
                (results + i).initialize(to: all[i].tally.metrics(group: all[i].name))
            }
            initialized = all.count
        }
    }

    /// The statuses a summary counts one by one, numbered as the table stores them.
    static let statusNumbers: [UInt8] = WardReportStore.countedStatuses.map { status in
        UInt8(CaseStatus.allCases.firstIndex(of: status)! + 1)
    }
    static let closedNumber = UInt8(CaseStatus.allCases.firstIndex(of: .closed)! + 1)
    static let canceledNumber = UInt8(CaseStatus.allCases.firstIndex(of: .canceled)! + 1)
}

/// What one case in a summary's scope adds to its group.
struct CaseFacts {
    var received = false, isCase = false, joined = false
    /// Index into `WardReportStore.countedStatuses`.
    var status: Int?
    var slaTracked = false, acknowledgeBreach = false, respondBreach = false, everClosed = false, reopened = false
    /// Set for a case closed in the period.
    var closeDays: Double?
    /// Set for a case open at the as-of moment.
    var backlogAge: Double?
}

/// The counts of one group, added case by case, and the values its percentiles are taken of.
struct Tally {
    var inScope = 0, opened = 0, openedCases = 0, closed = 0, backlog = 0, slaTracked = 0, acknowledgeBreaches = 0, respondBreaches = 0
    var duplicates = 0, joins = 0, everClosed = 0, reopened = 0
    var byStatus = [Int](repeating: 0, count: WardReportStore.countedStatuses.count)
    var closeDays: [Double] = []
    var backlogAges: [Double] = []

    mutating func merge(_ other: Tally) {
        inScope += other.inScope; opened += other.opened; openedCases += other.openedCases; closed += other.closed
        backlog += other.backlog; slaTracked += other.slaTracked; acknowledgeBreaches += other.acknowledgeBreaches
        respondBreaches += other.respondBreaches; duplicates += other.duplicates; joins += other.joins
        everClosed += other.everClosed; reopened += other.reopened
        for i in byStatus.indices { byStatus[i] += other.byStatus[i] }
        closeDays += other.closeDays; backlogAges += other.backlogAges
    }

    @inline(__always) mutating func add(_ facts: CaseFacts) {
        inScope += 1
        if facts.received {
            opened += 1
            if facts.isCase { openedCases += 1 } else { duplicates += 1 }
            if let status = facts.status { byStatus[status] += 1 }
            if facts.joined { joins += 1 }
            if facts.slaTracked { slaTracked += 1 }
            if facts.acknowledgeBreach { acknowledgeBreaches += 1 }
            if facts.respondBreach { respondBreaches += 1 }
            if facts.everClosed { everClosed += 1 }
            if facts.reopened { reopened += 1 }
        }
        if let days = facts.closeDays { closed += 1; closeDays.append(days) }
        if let age = facts.backlogAge { backlog += 1; backlogAges.append(age) }
    }

    func metrics(group: String?) -> WardMetrics {
        var closeDays = closeDays, ages = backlogAges
        var statuses: [String: Int] = [:]
        for (i, status) in WardReportStore.countedStatuses.enumerated() { statuses[status.rawValue] = byStatus[i] }
        return WardMetrics(
            group: group, opened: opened, openedCases: openedCases, byStatus: statuses, closed: closed,
            medianDaysToClose: Self.percentile(0.5, of: &closeDays), p90DaysToClose: Self.percentile(0.9, of: &closeDays),
            backlog: backlog, backlogMedianAgeDays: Self.percentile(0.5, of: &ages), backlogMaxAgeDays: ages.max(),
            slaTracked: slaTracked, acknowledgeBreaches: acknowledgeBreaches, respondBreaches: respondBreaches,
            duplicates: duplicates, duplicateRate: opened > 0 ? Double(duplicates) / Double(opened) : 0,
            joins: joins, everClosed: everClosed, reopened: reopened,
            reopenRate: everClosed > 0 ? Double(reopened) / Double(everClosed) : 0)
    }

    /// PostgreSQL's `percentile_cont`: linear between the values of the two ranks around the
    /// fraction. Found by selection, not a sort: a big city's year has two million close times,
    /// and sorting them took most of a summary. `values` is left reordered.
    static func percentile(_ fraction: Double, of values: inout [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let position = fraction * Double(values.count - 1)
        let below = Int(position.rounded(.down))
        let low = Selection.select(rank: below, in: &values, by: <)
        guard position > Double(below) else { return low }
        // After the selection every value past `below` is at least `low`; the next rank is their least.
        let high = values[(below + 1)...].min()!
        return low + (position - Double(below)) * (high - low)
    }
}
