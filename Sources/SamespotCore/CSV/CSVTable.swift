/// A CSV file read as a header and rows, with typed access to named columns.
///
/// Importers of city files map *aliases* to one column ("ZIP", "ZIP Code", "zip_code"), because
/// each city dataset (and each year of one) spells its headers its own way.
public struct CSVHeader: Sendable {
    public let names: [String]
    private let index: [String: Int]

    public init(_ names: [String]) {
        self.names = names
        var index: [String: Int] = [:]
        for (position, name) in names.enumerated() {
            let key = CSVHeader.key(name)
            if index[key] == nil { index[key] = position }
        }
        // Exports joined from several tables prefix every column ("sr.status", "req_ward"):
        // the names without the shared prefix are read too.
        if let prefix = CSVHeader.sharedPrefix(names) {
            for (position, name) in names.enumerated() where name.hasPrefix(prefix) {
                let key = CSVHeader.key(String(name.dropFirst(prefix.count)))
                if index[key] == nil { index[key] = position }
            }
        }
        self.index = index
    }

    /// The longest prefix ending in a separator (`.`, `_`, `:`, `-`, space) that every named
    /// column shares, ignoring a leading index column (empty, "index", "Unnamed: 0"); nil if none.
    public static func sharedPrefix(_ names: [String]) -> String? {
        let named = names.filter {
            let k = key($0)
            return !k.isEmpty && k != "index" && !k.hasPrefix("unnamed")
        }
        guard named.count >= 2, let first = named.first else { return nil }
        var best: String?
        var prefix = ""
        for ch in first.dropLast() {
            prefix.append(ch)
            guard ".:_- ".contains(ch) else { continue }
            guard named.allSatisfy({ $0.hasPrefix(prefix) && $0.count > prefix.count }) else { break }
            best = prefix
        }
        return best
    }

    /// Case, spaces, underscores and punctuation do not matter: "ZIP Code" == "zip_code".
    static func key(_ name: String) -> String {
        String(name.lowercased().unicodeScalars.filter { CharacterSetASCII.isAlphanumeric($0) })
    }

    /// The position of the first of `aliases` present in the header.
    public func position(of aliases: [String]) -> Int? {
        for alias in aliases {
            if let position = index[CSVHeader.key(alias)] { return position }
        }
        return nil
    }
}

/// A row error an importer reports to a person: the line, the column and what is wrong.
public struct CSVRowError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: String?
    public var message: String

    public init(line: Int, column: String? = nil, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        if let column {
            return "line \(line), column \"\(column)\": \(message)"
        }
        return "line \(line): \(message)"
    }
}

/// One data row with the header it belongs to, for typed, validated reads.
public struct CSVRow: Sendable {
    public let fields: [String]
    public let line: Int
    public let header: CSVHeader

    public init(record: CSVReader.Record, header: CSVHeader) throws(CSVRowError) {
        guard record.fields.count == header.names.count else {
            throw CSVRowError(
                line: record.line,
                message: "expected \(header.names.count) fields as in the header, found \(record.fields.count)"
            )
        }
        self.fields = record.fields
        self.line = record.line
        self.header = header
    }

    /// The trimmed text of the first column among `aliases`, or "" when the file has none of them.
    public func text(_ aliases: String...) -> String { text(aliases) }

    public func text(_ aliases: [String]) -> String {
        guard let position = header.position(of: aliases) else { return "" }
        return fields[position].trimmingASCIIWhitespace()
    }

    public func requiredText(_ aliases: String...) throws(CSVRowError) -> String { try requiredText(aliases) }

    public func requiredText(_ aliases: [String]) throws(CSVRowError) -> String {
        guard let position = header.position(of: aliases) else {
            throw CSVRowError(line: line, column: aliases.first, message: "the file has no such column")
        }
        let value = fields[position].trimmingASCIIWhitespace()
        guard !value.isEmpty else {
            throw CSVRowError(line: line, column: header.names[position], message: "is empty")
        }
        return value
    }

    public func requiredInt(_ aliases: String...) throws(CSVRowError) -> Int {
        let name = aliases.first ?? ""
        guard let position = header.position(of: aliases) else {
            throw CSVRowError(line: line, column: name, message: "the file has no such column")
        }
        let value = fields[position].trimmingASCIIWhitespace()
        guard let number = Int(value) else {
            throw CSVRowError(line: line, column: header.names[position], message: "\"\(value)\" is not a whole number")
        }
        return number
    }

    /// A number in `range`, or nil when the cell is empty.
    public func optionalDouble(_ aliases: [String], in range: ClosedRange<Double>) throws(CSVRowError) -> Double? {
        guard let position = header.position(of: aliases) else { return nil }
        let value = fields[position].trimmingASCIIWhitespace()
        if value.isEmpty { return nil }
        guard let number = Double(value), number.isFinite else {
            throw CSVRowError(line: line, column: header.names[position], message: "\"\(value)\" is not a number")
        }
        guard range.contains(number) else {
            throw CSVRowError(
                line: line, column: header.names[position],
                message: "\(value) is outside \(range.lowerBound)…\(range.upperBound)"
            )
        }
        return number
    }

    public func requiredDouble(_ aliases: [String], in range: ClosedRange<Double>) throws(CSVRowError) -> Double {
        guard let value = try optionalDouble(aliases, in: range) else {
            throw CSVRowError(line: line, column: aliases.first, message: "is empty or missing")
        }
        return value
    }
}

/// Reads a whole CSV text into header + rows, failing on the first malformed row.
public func readCSV(bytes: [UInt8]) throws(CSVRowError) -> (header: CSVHeader, rows: [CSVRow]) {
    var reader = CSVReader(bytes: bytes)
    guard let first = reader.next() else {
        throw CSVRowError(line: 1, message: "the file is empty: a header line is expected")
    }
    let header = CSVHeader(first.fields.map { $0.trimmingASCIIWhitespace() })
    var rows: [CSVRow] = []
    while let record = reader.next() {
        rows.append(try CSVRow(record: record, header: header))
    }
    return (header, rows)
}
