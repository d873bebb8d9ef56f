/// A street as an address names it: "N MAIN ST" is (N, MAIN, ST, "").
public struct StreetName: Sendable, Hashable, Codable {
    public var preDirection: String
    public var name: String
    public var type: String
    public var postDirection: String

    public init(preDirection: String = "", name: String, type: String = "", postDirection: String = "") {
        self.preDirection = preDirection
        self.name = name
        self.type = type
        self.postDirection = postDirection
    }

    /// "N MAIN ST": the parts that are known, in USPS order.
    public var full: String {
        var parts: [String] = []
        if !preDirection.isEmpty { parts.append(preDirection) }
        parts.append(name)
        if !type.isEmpty { parts.append(type) }
        if !postDirection.isEmpty { parts.append(postDirection) }
        return parts.joined(separator: " ")
    }
}

/// Free text read as an address: a house number on a street, a corner of two streets, or a
/// street alone. Units ("APT 4") and ZIP codes are split off: they do not move the point.
public struct ParsedAddress: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case address, intersection, street, empty
    }

    public var kind: Kind
    public var houseNumber: Int?
    /// "1/2" of "12 1/2", "A" of "123A".
    public var houseNumberSuffix: String = ""
    /// 1210 of "1200-1210": the range's end; the range's start is `houseNumber`.
    public var houseNumberRangeEnd: Int?
    public var street: StreetName?
    public var crossStreet: StreetName?
    public var unit: String = ""
    public var zip: String = ""

    public init(kind: Kind, houseNumber: Int? = nil, street: StreetName? = nil, crossStreet: StreetName? = nil) {
        self.kind = kind
        self.houseNumber = houseNumber
        self.street = street
        self.crossStreet = crossStreet
    }

    /// A house number's suffix as written after the number: "A" of "12A", " 1/2" of "12 1/2".
    public static func suffixText(_ suffix: String) -> String {
        suffix.isEmpty ? "" : (suffix.contains("/") ? " \(suffix)" : suffix)
    }

    /// The street without its type ("S WOOD" of "4853 S WOOD ST"): older files often leave the
    /// type out, so the dedup engine's "same street" compares this.
    public var streetKey: String {
        street.map { "\($0.preDirection) \($0.name)" } ?? ""
    }

    /// The canonical text: "123 N MAIN ST", "W MADISON ST & N STATE ST", "N MAIN ST".
    public var normalized: String {
        switch kind {
        case .empty: return ""
        case .intersection: return "\(street?.full ?? "") & \(crossStreet?.full ?? "")"
        case .street: return street?.full ?? ""
        case .address:
            let number = houseNumber.map { "\($0)\(Self.suffixText(houseNumberSuffix))" } ?? ""
            return [number, street?.full ?? ""].filter { !$0.isEmpty }.joined(separator: " ")
        }
    }
}
