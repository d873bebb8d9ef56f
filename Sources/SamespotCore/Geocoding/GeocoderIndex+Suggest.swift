/// One completion of what staff have typed so far: a canonical address (or corner, or street)
/// the city's table holds, and where it is when the spot is known.
public struct AddressSuggestion: Sendable, Equatable, Codable {
    public var address: String
    /// `address_point`, `interpolated`, `snapped`, `intersection`, or `street` (no spot yet).
    public var method: GeocodeResult.Method
    public var longitude: Double?
    public var latitude: Double?
    public var addressID: Int64?
}

extension GeocoderIndex {
    /// Completions for a partly typed address, best first: "4853 s wo" → 4853 S WOOD ST,
    /// 4853 S WOLCOTT AVE …; "madison & sta" → W MADISON ST & N STATE ST; "hals" → the streets.
    ///
    /// The last word may be unfinished, so street names are matched by prefix; the words before
    /// it are read as the normaliser reads them ("street" → ST, "63" → 63RD). With a number, only
    /// streets where the geocoder can place that number are offered, each with its point. What
    /// the full geocoder already places exactly comes first, so a finished address is never lost.
    public func suggest(_ input: String, limit: Int = 8) -> [AddressSuggestion] {
        var tokens = AddressNormalizer.tokenize(input)
        if let comma = tokens.firstIndex(of: ",") { tokens = Array(tokens[..<comma]) }
        tokens.removeAll { $0 == "#" }
        guard !tokens.isEmpty, limit > 0 else { return [] }
        var found: [AddressSuggestion] = []
        let full = geocode(input)
        if full.precision.isPreciseEnoughToMerge, let matched = full.matched {
            found.append(AddressSuggestion(address: matched, method: full.method, longitude: full.longitude,
                                           latitude: full.latitude, addressID: full.addressID))
        }
        let cornerWords: Set<String> = ["&", "AND", "AT", "/", "@"]
        if !AddressNormalizer.startsWithNumber(tokens), let split = tokens.firstIndex(where: cornerWords.contains), split > 0 {
            found += cornerSuggestions(first: Array(tokens[..<split]), second: Array(tokens[(split + 1)...]))
        } else {
            found += streetSuggestions(tokens)
        }
        var seen = Set<String>()
        return Array(found.filter { seen.insert($0.address).inserted }.prefix(limit))
    }

    /// "1200 W 63" and "hals": streets whose name starts with what was typed.
    private func streetSuggestions(_ tokens: [String]) -> [AddressSuggestion] {
        var words = tokens[...]
        var number: (value: Int, suffix: String)?
        if let first = words.first, let n = AddressNormalizer.houseNumber(first), n.rangeEnd == nil {
            number = (n.value, n.suffix)
            words = words.dropFirst()
            if let next = words.first, AddressNormalizer.isFraction(next) {
                number?.suffix = next
                words = words.dropFirst()
            }
        }
        // A directional counts as one only when a name follows it: "N" alone may begin "NORTH AVE".
        var direction: String?
        if words.count > 1, let d = USPS.directionals[words[words.startIndex]] {
            direction = d
            words = words.dropFirst()
        }
        let prefixes = Self.namePrefixes(Array(words))
        guard !prefixes.isEmpty || number != nil else { return [] }

        var ranked: [(rank: Int, suggestion: AddressSuggestion)] = []
        for street in streets.values.joined() {
            if let direction, street.name.preDirection != direction { continue }
            let text = Self.nameAfterDirection(street.name)
            guard prefixes.isEmpty || prefixes.contains(where: text.hasPrefix) else { continue }
            // Exactly the typed name first, then longer names it begins.
            let exactName = prefixes.contains { text == $0 || street.name.name == $0 } ? 0 : 1
            if let number {
                guard let spot = locate(number.value, suffix: number.suffix, on: street) else { continue }
                let methodRank = spot.method == .addressPoint ? 0 : (spot.method == .learned || spot.method == .interpolated ? 1 : 2)
                ranked.append((exactName * 4 + methodRank, AddressSuggestion(
                    address: "\(number.value)\(spot.method == .addressPoint ? spot.suffixText : ParsedAddress.suffixText(number.suffix)) \(street.name.full)",
                    method: spot.method, longitude: spot.longitude, latitude: spot.latitude, addressID: spot.id)))
            } else {
                ranked.append((exactName, AddressSuggestion(address: street.name.full, method: .street, longitude: nil,
                                                            latitude: nil, addressID: nil)))
            }
        }
        return ranked.sorted { ($0.rank, $0.suggestion.address) < ($1.rank, $1.suggestion.address) }.map(\.suggestion)
    }

    /// "madison & sta": corners of the first street (its name as the geocoder resolves it) with
    /// streets whose name starts with the second part.
    private func cornerSuggestions(first: [String], second: [String]) -> [AddressSuggestion] {
        guard let firstStreet = AddressNormalizer.street(from: first) else { return [] }
        let firstNames = Set(resolveName(firstStreet.name))
        let prefixes = Self.namePrefixes(second)
        var matches: [AddressSuggestion] = []
        for corner in corners.values.joined() {
            for (a, b) in [(corner.first, corner.second), (corner.second, corner.first)] where firstNames.contains(a.name) {
                if !firstStreet.preDirection.isEmpty, !a.preDirection.isEmpty, a.preDirection != firstStreet.preDirection { continue }
                let text = Self.nameAfterDirection(b)
                guard prefixes.isEmpty || prefixes.contains(where: text.hasPrefix) else { continue }
                matches.append(AddressSuggestion(address: "\(a.full) & \(b.full)", method: .intersection,
                                                 longitude: corner.longitude, latitude: corner.latitude, addressID: nil))
            }
        }
        return matches.sorted { $0.address < $1.address }
    }

    /// What a typed name may begin: the words as typed, and as the normaliser reads the finished
    /// ones ("63 ST" → "63RD ST", "MAIN STREET" → "MAIN ST"). Empty when nothing was typed.
    static func namePrefixes(_ words: [String]) -> [String] {
        guard !words.isEmpty else { return [] }
        let typed = words.joined(separator: " ")
        var read = words
        if let n = Int(read[0]), n > 0, n < 1000, read.count > 1 { read[0] = USPS.ordinal(n) }
        for i in read.indices.dropFirst() { read[i] = USPS.streetSuffixes[read[i]] ?? read[i] }
        let normalized = read.joined(separator: " ")
        return normalized == typed ? [typed] : [typed, normalized]
    }

    /// "WOOD ST" of "S WOOD ST": what staff type after the number and direction.
    static func nameAfterDirection(_ name: StreetName) -> String {
        [name.name, name.type, name.postDirection].filter { !$0.isEmpty }.joined(separator: " ")
    }
}
