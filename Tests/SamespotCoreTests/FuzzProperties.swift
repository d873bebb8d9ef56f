import SamespotCore

/// What must hold for *any* input to the parsers that read text from outside: the address
/// normaliser (every intake) and the CSV reader (every import).
///
/// One definition serves twice: libFuzzer calls it for each generated input (scripts/fuzz
/// compiles this file with SamespotCore's sources and `Tests/Fuzz/*Entry.swift`), and
/// `FuzzCorpusReplayTests` calls it for every input the fuzzer kept, so a regression on any of
/// them fails `swift test`. Each check answers nil, or what went wrong for a person to read.
enum FuzzProperties {
    /// - the canonical text is a fixed point: reading `normalized` again gives the same text, so
    ///   a stored address and a typed one that print the same meet in the index;
    /// - house numbers are never negative and a range never runs backwards;
    /// - the canonical text has no control characters (it is an index key and a log field).
    static func addressNormalizer(_ bytes: [UInt8]) -> String? {
        let text = String(decoding: bytes, as: UTF8.self)
        let parsed = AddressNormalizer.parse(text)
        let canonical = parsed.normalized
        if let number = parsed.houseNumber {
            if number < 0 { return "negative house number \(number) from \(text.debugDescription)" }
            if let end = parsed.houseNumberRangeEnd, end < number {
                return "range \(number)-\(end) runs backwards, from \(text.debugDescription)"
            }
        }
        if canonical.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return "control character in \(canonical.debugDescription), from \(text.debugDescription)"
        }
        let again = AddressNormalizer.parse(canonical).normalized
        if again != canonical {
            return "not a fixed point: \(text.debugDescription) → \(canonical.debugDescription) → \(again.debugDescription)"
        }
        return nil
    }

    /// - records start on strictly increasing physical lines within the file, so an error
    ///   message points at a real line;
    /// - writing the records back out (`CSVWriter`, which reports and `samespot geocode` use)
    ///   and reading them again gives the same fields: nothing is dropped, merged or split;
    /// - `readCSV` either refuses on a line of the file or gives rows on lines of the file.
    static func csvReader(_ bytes: [UInt8]) -> String? {
        let records = Array(CSVReader(bytes: bytes))
        let lineCount = bytes.count(where: { $0 == UInt8(ascii: "\n") }) + 1
        var previous = 0
        for record in records {
            guard record.line > previous, record.line <= lineCount else {
                return "record on line \(record.line) after line \(previous), in a file of \(lineCount) lines"
            }
            previous = record.line
        }

        let written = records.map { CSVWriter.record($0.fields) }.joined(separator: "\n")
        let reread = Array(CSVReader(string: written)).map(\.fields)
        if reread != records.map(\.fields) {
            return "writing and reading again changed the records: \(records.map(\.fields)) → \(reread)"
        }

        do {
            let table = try readCSV(bytes: bytes)
            if let row = table.rows.first(where: { $0.line < 1 || $0.line > lineCount }) {
                return "row on line \(row.line), outside a file of \(lineCount) lines"
            }
        } catch {
            if error.line < 1 || error.line > lineCount {
                return "error on line \(error.line), outside a file of \(lineCount) lines"
            }
        }
        return nil
    }
}
