/// Writes CSV fields as RFC 4180 reads them back (`CSVReader`), by Unicode scalars.
///
/// A quote followed by a combining mark is one `Character` to Swift: an escape or a check done
/// by Characters misses that quote, and the field comes back changed or splits its row (the
/// CSV fuzzer found it). Scalars see every quote, comma and line break.
public enum CSVWriter {
    /// The field as it is when it needs no quotes, else quoted with its quotes doubled.
    public static func field(_ text: String) -> String {
        // The check runs on UTF-8 bytes (an archive writes millions of fields): a quote, comma or
        // line break is one byte that never occurs inside another character's bytes.
        // A byte-order mark leading the file is dropped by readers (`CSVReader` too): a field
        // that starts with one is quoted, so its mark survives as the file's first field.
        let needsQuotes = text.utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") }
        guard needsQuotes || text.utf8.starts(with: [0xEF, 0xBB, 0xBF]) else { return text }
        var quoted = String.UnicodeScalarView()
        quoted.append("\"")
        for scalar in text.unicodeScalars {
            quoted.append(scalar)
            if scalar == "\"" { quoted.append("\"") }
        }
        quoted.append("\"")
        return String(quoted)
    }

    /// One record: its fields, quoted where needed, between commas.
    public static func record(_ fields: [String]) -> String {
        // One empty field written bare is a blank line, which readers skip: quote it.
        if fields == [""] { return "\"\"" }
        return fields.map(field).joined(separator: ",")
    }
}
