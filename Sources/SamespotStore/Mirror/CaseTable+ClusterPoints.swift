import Foundation
import SamespotCore

extension CaseTable {
    /// The points a hotspot map clusters (`ClusterPointStore.points`), picked from memory by the
    /// same filter; `spotTypes` are the service codes about a place (the catalog's), which the
    /// points' `codes` list in order. Tracking numbers are not kept here: a map that lists its
    /// clusters' cases reads them from PostgreSQL.
    public func clusterPoints(_ filter: ClusterFilter, spotTypes: Set<String>) -> ClusterPoints {
        var points = ClusterPoints()
        points.codes = spotTypes.sorted()
        // Each code of the table: its position among the map's codes, or -1 (not drawn).
        var position = [Int32](repeating: -1, count: codeNames.count)
        let asked = filter.serviceCodes.map(Set.init)
        for (i, name) in points.codes.enumerated() {
            if let code = codeIndex[name], asked?.contains(name) ?? true { position[Int(code)] = Int32(i) }
        }
        let statusAllowed = Self.statusMask(filter.statuses)
        var wards: [UInt16]?, ward: UInt16 = 0
        if let name = filter.ward {
            // A ward of a set this table does not keep, or a name the set lacks, draws nothing.
            guard let setID = filter.wardSetID, let column = wardSets[setID], let index = column.index[name] else { return points }
            wards = column.ward; ward = index + 1
        }
        let start = filter.from?.timeIntervalSince1970 ?? -.infinity, end = filter.to?.timeIntervalSince1970 ?? .infinity
        let needed = UInt8(CaseFlags.mappable.rawValue) | Self.present | (filter.includeDuplicates ? 0 : UInt8(CaseFlags.isCase.rawValue))
        // A map of the last weeks passes over the blocks of slots received before them
        // (`SlotTimeSpans`); a map of every request reads every block, as before.
        for block in 0..<requestedSpans.blockCount where requestedSpans.mayHold(block, from: start, through: end) {
            for slot in SlotTimeSpans.slots(of: block, within: flags.count) where flags[slot] & needed == needed {
                let at = position[Int(code[slot])]
                guard at >= 0, statusAllowed[Int(status[slot])] else { continue }
                let requested = requestedAt[slot]
                guard requested >= start, requested < end else { continue }
                if let wards, slot >= wards.count || wards[slot] != ward { continue }
                points.x.append(x[slot]); points.y.append(y[slot])
                points.code.append(at)
                points.reports.append(childCount[slot] + 1)
            }
        }
        return points
    }
}
