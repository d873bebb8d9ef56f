/// What an API key may do. Keys are created with one role (`samespot keys create --role …`);
/// a caller without a key is treated as `public` for the endpoints that allow it.
public enum Role: String, Sendable, CaseIterable, Codable {
    /// Resident apps: Open311 reads and posts, "already reported" nearby, no personal data.
    case `public`
    /// Intake staff: take requests, see matches in a wider radius, join callers, work cases.
    case intake
    /// Public works planners: hotspot clusters, ward summaries, cases (no personal data).
    case planner
    /// A council ward office: summaries, and the requests of its own wards with requester names.
    case wardOffice = "ward_office"
    /// City IT and supervisors: everything, including rules and service definitions.
    case admin

    public var permissions: Set<Permission> {
        let publicSet: Set<Permission> = [.readOpen311, .submitOpen311, .readCity, .geocode, .matches]
        switch self {
        case .public:
            return publicSet
        case .intake:
            return publicSet.union([.intake, .staffMatches, .batchGeocode, .readCases, .workCases, .addNotes, .readRules,
                                    .readDocuments, .recordEvaluations])
        case .planner:
            return publicSet.union([.staffMatches, .batchGeocode, .readCases, .readRules, .clusters, .wardSummaries, .readReports])
        case .wardOffice:
            return publicSet.union([.readCases, .clusters, .wardSummaries, .wardRequests, .addNotes, .readReports])
        case .admin:
            return Set(Permission.allCases)
        }
    }
}

/// One thing an endpoint needs. Endpoints ask for a permission, never for a role, so the
/// matrix above is the one place that says who may do what.
public enum Permission: String, Sendable, CaseIterable {
    case readOpen311, submitOpen311, geocode, matches
    /// The city's public reference: its ward sets and their boundaries, the span of its requests.
    case readCity
    /// The staff radius for matches (1,000 m rather than 250 m).
    case staffMatches
    case batchGeocode
    /// Samespot's own intake (`POST /v1/requests`) and joining a caller to a case.
    case intake
    case readCases
    /// Status changes, merges and unmerges.
    case workCases
    /// Notes on a case (intake staff, and ward offices recording what they did).
    case addNotes
    case readRules, editRules, editServices
    case clusters, wardSummaries
    /// Requests of a ward with requester names: ward offices (their wards) and admins.
    case wardRequests
    /// Files kept with cases (letters from residents among them): intake staff and admins.
    case readDocuments
    /// A resident's evaluation of a closed case, taken by intake staff.
    case recordEvaluations
    /// The customer-service reports, unresolved cases by department, the expedited list.
    case readReports
    /// Departments, staff and the routing table.
    case editOrganisation
    /// The letters' templates.
    case editLetters
    /// The outbox, with residents' addresses: for the mailer and the phone list (admins).
    case sendLetters
}

/// Who is calling: an API key's role and scope. Anonymous callers are `Principal.anonymous`.
public struct Principal: Sendable, Equatable {
    public var keyID: Int64?
    public var role: Role
    /// For ward offices: the wards whose requests (with requester names) they may list.
    public var wards: Set<String>
    public var label: String

    public init(keyID: Int64?, role: Role, wards: Set<String> = [], label: String = "") {
        self.keyID = keyID
        self.role = role
        self.wards = wards
        self.label = label
    }

    public static let anonymous = Principal(keyID: nil, role: .public, label: "anonymous")

    public func can(_ permission: Permission) -> Bool {
        role.permissions.contains(permission)
    }

    /// Whether this caller may see requester names in `ward`: admins everywhere, ward offices
    /// in their own wards, nobody else.
    public func maySeeRequesters(inWard ward: String) -> Bool {
        switch role {
        case .admin: return true
        case .wardOffice: return wards.contains(ward)
        default: return false
        }
    }

    /// The widest "already reported" radius this caller may ask for (FixMyStreet's practice:
    /// 250 m for the public, 1,000 m for staff).
    public var maxMatchRadiusMetres: Double { can(.staffMatches) ? 1_000 : 250 }

    /// The name audit rows record: the role and the key, never a person's details.
    public var actor: String {
        guard let keyID else { return "anonymous" }
        return label.isEmpty ? "\(role.rawValue)#\(keyID)" : "\(role.rawValue)#\(keyID) (\(label))"
    }
}
