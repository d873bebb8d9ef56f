/// Reads addresses as people type them into `ParsedAddress`, in pure Swift.
///
/// "123 n. main street apt 4" → `123 N MAIN ST` (unit 4); "1200 W 63rd" → `1200 W 63RD`;
/// "corner of Halsted and 35th" → `HALSTED & 35TH`; "Fifth Ave" and "5 Ave" → `5TH AVE`.
/// USPS Publication 28 gives the suffixes, directionals and unit designators. Nothing here knows
/// the city's streets: whether `63RD` has a `W` is the geocoder's question, not the parser's.
public enum AddressNormalizer {
    public static func parse(_ text: String) -> ParsedAddress {
        var tokens = tokenize(text)
        var zip = ""
        // Trailing "IL 60601", "60601-1234", "Chicago, IL": a ZIP is kept, the rest dropped.
        if let last = tokens.last, isZip(last) {
            zip = String(last.prefix(5))
            tokens.removeLast()
        }
        if let comma = tokens.firstIndex(of: ",") {
            // Whatever follows the first comma is city, state, ZIP: keep the street part.
            if zip.isEmpty, let found = tokens[comma...].first(where: isZip) { zip = String(found.prefix(5)) }
            tokens = Array(tokens[..<comma])
            // "… IL 60601, USA": a ZIP just before the comma is a ZIP too, not part of the street.
            if let last = tokens.last, isZip(last) {
                if zip.isEmpty { zip = String(last.prefix(5)) }
                tokens.removeLast()
            }
            // "… 63RD STREET CHICAGO, IL": words after the last suffix, before the comma, are the
            // city. Only whole words go ("S AVENUE O, CHICAGO" keeps its O).
            if let lastSuffix = tokens.lastIndex(where: { USPS.streetSuffixes[$0] != nil }), lastSuffix > 0,
               lastSuffix < tokens.count - 1,
               tokens[(lastSuffix + 1)...].allSatisfy({ $0.count >= 3 && $0.allSatisfy(\.isLetter) && USPS.directionals[$0] == nil
                   && !USPS.unitDesignators.contains($0) && !USPS.standaloneUnits.contains($0) }) {
                tokens = Array(tokens[...lastSuffix])
            }
        }
        tokens.removeAll { $0 == "," }
        while let first = tokens.first, ["CORNER", "OF", "INTERSECTION", "NEAR", "AT", "#"].contains(first) {
            tokens.removeFirst()
        }
        guard !tokens.isEmpty else { return ParsedAddress(kind: .empty) }

        if let split = tokens.firstIndex(where: { ["&", "AND", "AT", "/", "@", "X"].contains($0) }),
           split > 0, split < tokens.count - 1, !startsWithNumber(tokens) {
            let first = street(from: Array(tokens[..<split]))
            let second = street(from: Array(tokens[(split + 1)...]))
            if let first, let second {
                var parsed = ParsedAddress(kind: .intersection, street: first, crossStreet: second)
                parsed.zip = zip
                return parsed
            }
        }

        var parsed = ParsedAddress(kind: .street)
        parsed.zip = zip
        var rest = tokens[...]
        if let first = rest.first, let number = houseNumber(first) {
            parsed.kind = .address
            parsed.houseNumber = number.value
            parsed.houseNumberSuffix = number.suffix
            parsed.houseNumberRangeEnd = number.rangeEnd
            rest = rest.dropFirst()
            // "5 # 1/2 MAIN": a "#" between the number and its fraction is noise (the street
            // drops it anyway), and read here it keeps a fixed point: "5 1/2 MAIN" reads alike.
            while rest.first == "#" { rest = rest.dropFirst() }
            // A fraction after a bare number is its half: "5 1/2". After "12D" it is not taken,
            // or "12D 1/2" and its canonical text would read differently.
            if parsed.houseNumberSuffix.isEmpty, let next = rest.first, isFraction(next) {
                parsed.houseNumberSuffix = next
                rest = rest.dropFirst()
            }
        }
        // A unit designator ends the street: "MAIN ST APT 4", "MAIN ST # 4", "MAIN ST FL 2".
        if let unitStart = rest.dropFirst().firstIndex(where: { USPS.unitDesignators.contains($0) || USPS.standaloneUnits.contains($0) }) {
            parsed.unit = rest[unitStart...].filter { $0 != "#" }.joined(separator: " ")
            rest = rest[..<unitStart]
        }
        guard let name = street(from: Array(rest)) else {
            return parsed.kind == .address ? ParsedAddress(kind: .empty) : ParsedAddress(kind: .empty)
        }
        parsed.street = name
        return parsed
    }

    /// The street of a run of words: directional, name, suffix, post-directional.
    static func street(from words: [String]) -> StreetName? {
        var words = words.filter { $0 != "#" }
        // "MAIN ST 60601 APT 4", "MAIN ST & STATE ST 60601": a ZIP left inside is not the end of a name.
        while words.count > 1, let last = words.last, isZip(last) { words.removeLast() }
        // A ZIP or a fraction alone names no street ("MAIN ST & 60612" is not a corner, the
        // "1/2" of "5 # 1/2" is not a street).
        guard let first = words.first, !(words.count == 1 && (isZip(first) || isFraction(first))) else { return nil }
        var street = StreetName(name: "")
        // A post-directional or suffix is taken only when a name is left before it:
        // "NORTH AVE" is the street named NORTH, "N AVENUE O" is AVENUE O.
        if words.count > 2 || (words.count == 2 && USPS.streetSuffixes[words[0]] == nil),
           let last = words.last, let direction = USPS.directionals[last], last.count <= 2 {
            street.postDirection = direction
            words.removeLast()
        }
        if words.count > 1, let last = words.last, let suffix = USPS.streetSuffixes[last] {
            street.type = suffix
            words.removeLast()
        }
        if words.count > 1, let direction = USPS.directionals[words[0]] {
            street.preDirection = direction
            words.removeFirst()
        }
        street.name = nameWithOrdinals(words)
        return street.name.isEmpty ? nil : street
    }

    /// "63" → "63RD", "SIXTY THIRD" → "63RD", "FIFTH" → "5TH"; other words as they are.
    static func nameWithOrdinals(_ words: [String]) -> String {
        if words.count == 1, let n = Int(words[0]), n > 0, n < 1000 { return USPS.ordinal(n) }
        if words.count == 1, let n = ordinalNumber(words[0]) { return USPS.ordinal(n) }
        if words.count == 2, let tens = USPS.tensWords[words[0]], let unit = USPS.ordinalWords[words[1]], unit < 10 {
            return USPS.ordinal(tens + unit)
        }
        if words.count == 1, let word = words.first, word.contains("-") {
            // "SIXTY-THIRD"
            let parts = word.split(separator: "-").map(String.init)
            if parts.count == 2, let tens = USPS.tensWords[parts[0]], let unit = USPS.ordinalWords[parts[1]], unit < 10 {
                return USPS.ordinal(tens + unit)
            }
        }
        return words.joined(separator: " ")
    }

    /// "63RD", "1ST", "5TH" (already ordinal) or "FIFTH" → the number.
    static func ordinalNumber(_ word: String) -> Int? {
        if let n = USPS.ordinalWords[word] { return n }
        let digits = word.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let n = Int(digits) else { return nil }
        let tail = word.dropFirst(digits.count)
        return ["ST", "ND", "RD", "TH"].contains(String(tail)) ? n : nil
    }

    /// "123" → 123; "123A" → 123 + "A"; "1200-1210" → 1200 to 1210. nil when not a house number.
    static func houseNumber(_ token: String) -> (value: Int, suffix: String, rangeEnd: Int?)? {
        let digits = token.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 6, let value = Int(digits) else { return nil }
        let tail = token.dropFirst(digits.count)
        if tail.isEmpty { return (value, "", nil) }
        if tail.first == "-" {
            let end = tail.dropFirst()
            if let rangeEnd = Int(end), rangeEnd >= value { return (value, "", rangeEnd) }
            return nil
        }
        // "63RD" is a street, not a house number with suffix "RD".
        if ["ST", "ND", "RD", "TH"].contains(String(tail)) { return nil }
        if tail.count == 1, let letter = tail.first, letter.isLetter { return (value, String(letter), nil) }
        return nil
    }

    static func isFraction(_ token: String) -> Bool {
        let parts = token.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }
    }

    static func isZip(_ token: String) -> Bool {
        let bytes = Array(token.utf8)
        func digits(_ range: Range<Int>) -> Bool { range.allSatisfy { (0x30...0x39).contains(bytes[$0]) } }
        return (bytes.count == 5 && digits(0..<5)) || (bytes.count == 10 && digits(0..<5) && bytes[5] == UInt8(ascii: "-") && digits(6..<10))
    }

    static func startsWithNumber(_ tokens: [String]) -> Bool {
        guard let first = tokens.first else { return false }
        return houseNumber(first) != nil
    }

    /// Outside ASCII only letters and digits can be part of a street's name ("PEÑA"): symbols,
    /// control and invisible characters (a pasted U+0085, a byte that was not UTF-8) separate
    /// words, so they never reach an index key, a log line or the canonical text.
    static func wordCharactersOnly(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 >= 0x80 }) else { return text }
        var kept = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            let isWordCharacter = scalar.isASCII || scalar.properties.isAlphabetic || scalar.properties.numericType == .decimal
            kept.append(isWordCharacter ? scalar : " ")
        }
        return String(kept)
    }

    /// Upper-case words. Periods and apostrophes vanish ("N." → "N", "O'BRIEN" → "OBRIEN");
    /// "&", "#", "/", "@" and "," stand alone; "/" inside "1/2" and "-" inside "1200-1210" stay.
    static func tokenize(_ text: String) -> [String] {
        var tokens: [String] = []
        var current: [UInt8] = []
        let bytes = Array(wordCharactersOnly(text).utf8)
        func flush() {
            if !current.isEmpty { tokens.append(String(decoding: current, as: UTF8.self)); current.removeAll() }
        }
        for (i, raw) in bytes.enumerated() {
            var byte = raw
            if (0x61...0x7A).contains(byte) { byte -= 0x20 }
            let isDigit = (0x30...0x39).contains(byte)
            let isLetter = (0x41...0x5A).contains(byte)
            if isDigit || isLetter || byte >= 0x80 {
                current.append(byte)
                continue
            }
            switch byte {
            case UInt8(ascii: "."), UInt8(ascii: "'"):
                continue
            case UInt8(ascii: "/"), UInt8(ascii: "-"):
                let prevDigit = i > 0 && (0x30...0x39).contains(bytes[i - 1])
                let nextDigit = i + 1 < bytes.count && (0x30...0x39).contains(bytes[i + 1])
                if byte == UInt8(ascii: "/") && prevDigit && nextDigit && !current.isEmpty {
                    current.append(byte)
                } else if byte == UInt8(ascii: "-") && !current.isEmpty && (prevDigit && nextDigit || isLetterByte(bytes, i - 1) && isLetterByte(bytes, i + 1)) {
                    current.append(byte)
                } else {
                    flush()
                    if byte == UInt8(ascii: "/") { tokens.append("/") }
                }
            case UInt8(ascii: "&"), UInt8(ascii: "#"), UInt8(ascii: "@"), UInt8(ascii: ","):
                flush()
                tokens.append(String(UnicodeScalar(byte)))
            default:
                flush()
            }
        }
        flush()
        return tokens
    }

    private static func isLetterByte(_ bytes: [UInt8], _ i: Int) -> Bool {
        guard i >= 0, i < bytes.count else { return false }
        let b = bytes[i] & 0xDF
        return (0x41...0x5A).contains(b)
    }
}
