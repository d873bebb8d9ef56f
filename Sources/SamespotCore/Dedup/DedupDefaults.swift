/// Starting rules by what a service type is about, from cities' published practice, used until
/// staff store a rule of their own (PUT /v1/rules/{code}) or fit one (`samespot rules fit`).
public enum DedupDefaults {
    struct Entry: Sendable {
        var keywords: [String]
        var make: @Sendable (String) -> DedupRule
        var source: String
    }

    /// Calls that are not about a spot to fix (an information call is filed at the call centre,
    /// aircraft noise at the airport): never merged, never a hotspot, never "already reported".
    static let notAboutAPlace = ["INFORMATION ONLY", "NOISE", "INFORMATION CALL", "INFORMATION REQUEST"]

    public static func isAboutAPlace(serviceName: String) -> Bool {
        let name = serviceName.uppercased()
        return !notAboutAPlace.contains { name.contains($0) }
    }

    static let entries: [Entry] = [
        Entry(keywords: notAboutAPlace, make: { .disabled($0) }, source: "calls that are not about a place"),
        // Chicago: a pothole request within about four addresses of an open one on the same block.
        Entry(keywords: ["POT HOLE", "POTHOLE"],
              make: { DedupRule(serviceCode: $0, radiusMetres: 60, windowDays: 30, matchUnit: .block) }, source: "Chicago CDOT, same block"),
        // Austin: traffic-signal calls within 150 ft and 3 hours.
        Entry(keywords: ["TRAFFIC SIGNAL"],
              make: { DedupRule(serviceCode: $0, radiusMetres: 46, windowDays: 3.0 / 24, matchUnit: .distance) }, source: "Austin, 150 ft and 3 h"),
        // Carts, bins, baiting and building complaints belong to one address.
        Entry(keywords: ["CART", "RECYCL", "GARBAGE", "RODENT", "RAT", "BUILDING", "PLUMBING", "SANITATION", "RESTAURANT", "BUSINESS"],
              make: { DedupRule(serviceCode: $0, radiusMetres: 0, windowDays: 7, matchUnit: .address) }, source: "address-level services"),
        // Lights out: one crew fixes a run of lights.
        Entry(keywords: ["LIGHT"],
              make: { DedupRule(serviceCode: $0, radiusMetres: 50, windowDays: 14, matchUnit: .distance) }, source: "street and alley lights"),
    ]

    /// The family a type belongs to by its name ("lights", "address-level services", …), or
    /// "other": the learned scorer's middle level between a type and the whole city, the same
    /// across files that name one kind of request differently ("Pot Hole in Street",
    /// "Pothole in Street Complaint").
    public static func group(serviceName: String) -> String {
        let name = serviceName.uppercased()
        return entries.first { $0.keywords.contains(where: { name.contains($0) }) }?.source ?? "other"
    }

    /// Each type's default rule, its name looked up in `names` (code → name; the code itself
    /// when it has none there).
    public static func rules(names: [String: String]) -> @Sendable (String) -> DedupRule {
        { rule(serviceCode: $0, serviceName: names[$0] ?? $0) }
    }

    /// The default rule for a type, by its name; Snap Send Solve's 25 m and 14 days otherwise.
    public static func rule(serviceCode: String, serviceName: String) -> DedupRule {
        let name = serviceName.uppercased()
        for entry in entries where entry.keywords.contains(where: { name.contains($0) }) {
            return entry.make(serviceCode)
        }
        return .fallback(serviceCode)
    }
}
