/// Where a case is in its life. Open311 clients see only `open` or `closed`
/// (see `open311Status`): a custom status such as "Duplicate-Closed" breaks their linking.
///
/// `open` is the stored name of *received*: the name every Open311 client and the city's own
/// files already use, so it stays; `label` gives the word staff read.
public enum CaseStatus: String, Sendable, CaseIterable, Codable {
    case open
    case acknowledged
    case inProgress = "in_progress"
    /// Sent to another department or agency, which now answers it.
    case referred
    /// Closed once, opened again (a resident says it is "not really fixed").
    case reopened
    case closed
    /// Closed without the work: the request cannot be met, and the resident is told why.
    case canceled

    /// The GeoReport v2 status: only `open` and `closed` exist there.
    public var open311Status: String { isOpen ? "open" : "closed" }

    public var isOpen: Bool {
        switch self {
        case .open, .acknowledged, .inProgress, .referred, .reopened: return true
        case .closed, .canceled: return false
        }
    }

    /// The word staff and residents read.
    public var label: String {
        switch self {
        case .open: return "received"
        case .inProgress: return "in progress"
        default: return rawValue
        }
    }

    /// Every open status, as stored: the SQL that selects open cases spells out this list.
    public static let openStatuses: [CaseStatus] = allCases.filter(\.isOpen)

    /// The statuses an Open311 status name stands for: `open` is every open status; `closed` is
    /// closed and canceled. nil for any other name.
    public static func open311Group(named name: String) -> [CaseStatus]? {
        switch name.lowercased() {
        case "open": return allCases.filter(\.isOpen)
        case "closed": return allCases.filter { !$0.isOpen }
        default: return nil
        }
    }
}

/// A status label from a city's own system ("Completed - Dup", "Open") read as
/// Samespot's status plus the city's duplicate mark, which older files carry in the status.
public struct CityStatus: Sendable, Equatable {
    public var status: CaseStatus
    public var markedDuplicate: Bool

    public init(status: CaseStatus, markedDuplicate: Bool) {
        self.status = status
        self.markedDuplicate = markedDuplicate
    }

    /// nil when the label is not one Samespot knows; the importer then reports the line.
    public init?(label: String) {
        let words = label.lowercased().split(whereSeparator: { !$0.isLetter }).map(String.init)
        guard let first = words.first else { return nil }
        let duplicate = words.contains("dup") || words.contains("duplicate")
        switch first {
        case "open", "new", "pending", "submitted": status = .open
        case "acknowledged", "received": status = .acknowledged
        case "in", "assigned", "inprogress", "started": status = .inProgress
        case "referred", "transferred": status = .referred
        case "reopened": status = .reopened
        case "completed", "complete", "closed", "resolved", "done": status = .closed
        case "canceled", "cancelled", "withdrawn", "rejected": status = .canceled
        default: return nil
        }
        markedDuplicate = duplicate
    }
}
