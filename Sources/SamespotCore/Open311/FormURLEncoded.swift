/// `application/x-www-form-urlencoded` bodies, as Open311 clients POST them.
///
/// Pairs keep their order and repeats (`attribute[x]=a&attribute[x]=b`). `+` is a space and
/// `%XX` a byte, in keys and values alike; the decoded bytes must be UTF-8.
public enum FormURLEncoded {
    public struct DecodingError: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    public static func parse(_ bytes: some Collection<UInt8>) throws(DecodingError) -> [(key: String, value: String)] {
        var pairs: [(key: String, value: String)] = []
        for part in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let equals = part.firstIndex(of: UInt8(ascii: "="))
            let rawKey = equals.map { part[part.startIndex..<$0] } ?? part[...]
            let rawValue = equals.map { part[part.index(after: $0)...] } ?? part[part.endIndex...]
            pairs.append((try decode(rawKey), try decode(rawValue)))
        }
        return pairs
    }

    /// One component: `+` → space, `%XX` → byte, then UTF-8.
    public static func decode(_ raw: some Collection<UInt8>) throws(DecodingError) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = raw.startIndex
        while i != raw.endIndex {
            let b = raw[i]
            if b == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if b == UInt8(ascii: "%") {
                let h = raw.index(after: i)
                guard h != raw.endIndex, raw.index(after: h) != raw.endIndex,
                      let hi = hexValue(raw[h]), let lo = hexValue(raw[raw.index(after: h)]) else {
                    throw DecodingError(message: "the form body has a % not followed by two hex digits")
                }
                out.append(hi << 4 | lo)
                i = raw.index(after: h)
            } else {
                out.append(b)
            }
            i = raw.index(after: i)
        }
        guard let text = String(validating: out, as: UTF8.self) else {
            throw DecodingError(message: "the form body is not UTF-8 text")
        }
        return text
    }

    private static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// Open311 attributes from form keys: `attribute[code]=v`, repeated, or `attribute[code][]=v`
    /// (both forms are in use). Values of one code are kept in the order sent.
    public static func attributes(_ pairs: [(key: String, value: String)]) -> [String: [String]] {
        var found: [String: [String]] = [:]
        for (key, value) in pairs {
            guard key.hasPrefix("attribute["), let close = key.firstIndex(of: "]") else { continue }
            let code = String(key[key.index(key.startIndex, offsetBy: 10)..<close])
            let rest = key[key.index(after: close)...]
            guard !code.isEmpty, rest.isEmpty || rest == "[]" else { continue }
            found[code, default: []].append(value)
        }
        return found
    }
}
