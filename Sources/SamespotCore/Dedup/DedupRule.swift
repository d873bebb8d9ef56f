/// How one service type's duplicates are found: what counts as the same spot, for how long an
/// open case keeps catching repeats, and which statuses count as open.
public struct DedupRule: Sendable, Equatable, Codable {
    /// What "the same spot" means for this type.
    public enum MatchUnit: String, Sendable, Codable, CaseIterable {
        /// Within `radiusMetres` of the open case (measured on the city's metric grid).
        case distance
        /// The same address (house number and street), e.g. garbage carts.
        case address
        /// The same hundred block of the same street, e.g. Chicago's pothole crews.
        case block
    }

    public var serviceCode: String
    public var radiusMetres: Double
    public var windowSeconds: Double
    public var matchUnit: MatchUnit
    public var openStatuses: Set<CaseStatus>
    /// Off for types that are not about a spot (information calls, aircraft noise): never merged.
    public var enabled: Bool

    public init(serviceCode: String, radiusMetres: Double, windowDays: Double, matchUnit: MatchUnit,
                openStatuses: Set<CaseStatus> = Set(CaseStatus.openStatuses), enabled: Bool = true) {
        self.enabled = enabled
        self.serviceCode = serviceCode
        self.radiusMetres = radiusMetres
        self.windowSeconds = windowDays * 86_400
        self.matchUnit = matchUnit
        self.openStatuses = openStatuses
    }

    public var windowDays: Double { windowSeconds / 86_400 }

    /// Who stored a rule that `samespot rules fit` fitted (others were set by staff by hand).
    public static let fittedActor = "fitted"

    /// A rule that merges nothing.
    public static func disabled(_ serviceCode: String) -> DedupRule {
        DedupRule(serviceCode: serviceCode, radiusMetres: 0, windowDays: 0, matchUnit: .address, enabled: false)
    }

    /// The default for a type with no rule of its own: Snap Send Solve's 25 m and 14 days.
    public static func fallback(_ serviceCode: String) -> DedupRule {
        DedupRule(serviceCode: serviceCode, radiusMetres: 25, windowDays: 14, matchUnit: .distance)
    }
}

/// A request as the dedup engine sees it: type, time, place, and the keys of its address.
public struct DedupCase: Sendable, Equatable {
    /// Ids grow in order of arrival (a replay's positions, the case table's sequence at intake).
    public var id: Int
    public var serviceCode: String
    /// Local seconds (see `CityTimestamp.localSeconds`).
    public var requestedAt: Double
    /// The source gave a date without a time of day.
    public var dateOnly: Bool
    /// When the case stopped being open, if it has.
    public var closedAt: Double?
    /// Metres on the city's grid; nil when the location is not precise enough to merge.
    public var x: Double?
    public var y: Double?
    /// "4853 S WOOD ST"; empty when unknown.
    public var addressKey: String
    /// "4800 S WOOD ST"; empty when unknown.
    public var blockKey: String
    /// The house number and the street it is on ("S WOOD ST"), for the learned scorer's side of
    /// the street and number gap; nil and empty when unknown.
    public var houseNumber: Int?
    public var streetKey: String
    /// What the resident said (a description, or the type's "nature" answer); empty when none.
    public var description: String

    public init(id: Int, serviceCode: String, requestedAt: Double, dateOnly: Bool, closedAt: Double?,
                x: Double?, y: Double?, addressKey: String, blockKey: String,
                houseNumber: Int? = nil, streetKey: String = "", description: String = "") {
        self.houseNumber = houseNumber
        self.streetKey = streetKey
        self.description = description
        self.id = id
        self.serviceCode = serviceCode
        self.requestedAt = requestedAt
        self.dateOnly = dateOnly
        self.closedAt = closedAt
        self.x = x
        self.y = y
        self.addressKey = addressKey
        self.blockKey = blockKey
    }

    /// Metres to `other` on the city's grid; nil when either has no point.
    public func metres(to other: DedupCase) -> Double? {
        guard let x1 = x, let y1 = y, let x2 = other.x, let y2 = other.y else { return nil }
        return ((x1 - x2) * (x1 - x2) + (y1 - y2) * (y1 - y2)).squareRoot()
    }

    /// Both at one known address, or on one known hundred block.
    public func sharesAddress(with other: DedupCase) -> Bool { !addressKey.isEmpty && addressKey == other.addressKey }
    public func sharesBlock(with other: DedupCase) -> Bool { !blockKey.isEmpty && blockKey == other.blockKey }
}

/// Why a request became a child of a parent: stored with the merge and shown to staff.
public struct DedupDecision: Sendable, Equatable, Codable {
    public var parentID: Int
    public var distanceMetres: Double?
    public var ageSeconds: Double
    public var sameAddress: Bool
    public var sameBlock: Bool
    /// The rule's score, or the learned model's probability when the model decided.
    public var score: Double
    /// The rule that decided, or, when the model did, the search limits it used.
    public var rule: DedupRule
    /// The learned model's reasons (nil when a rule decided).
    public var explanation: LearnedDedupDecision?

    public init(parentID: Int, distanceMetres: Double?, ageSeconds: Double, sameAddress: Bool, sameBlock: Bool, score: Double, rule: DedupRule,
                explanation: LearnedDedupDecision? = nil) {
        self.parentID = parentID; self.distanceMetres = distanceMetres; self.ageSeconds = ageSeconds
        self.sameAddress = sameAddress; self.sameBlock = sameBlock; self.score = score; self.rule = rule
        self.explanation = explanation
    }

    /// The model's choice as a decision, with the facts staff see beside its reasons.
    public init(_ learned: LearnedDedupDecision, request: DedupCase, parent: DedupCase, limits: DedupRule) {
        self.init(parentID: learned.parentID, distanceMetres: request.metres(to: parent), ageSeconds: max(0, request.requestedAt - parent.requestedAt),
                  sameAddress: request.sharesAddress(with: parent), sameBlock: request.sharesBlock(with: parent),
                  score: learned.probability, rule: limits, explanation: learned)
    }
}
