/// What an import did, for the command line and the logs.
public struct ImportSummary: Sendable, Equatable, CustomStringConvertible {
    public var kind: String
    public var rowsRead: Int
    public var rowsWritten: Int
    public var notes: [String] = []

    public init(kind: String, rowsRead: Int, rowsWritten: Int, notes: [String] = []) {
        self.kind = kind
        self.rowsRead = rowsRead
        self.rowsWritten = rowsWritten
        self.notes = notes
    }

    public var description: String {
        var text = "\(kind): \(rowsRead) rows read, \(rowsWritten) written"
        if rowsRead != rowsWritten, kind == "requests" { text += " (\(rowsRead - rowsWritten) already in the database)" }
        for note in notes { text += "\n  \(note)" }
        return text
    }
}

/// Called as rows are validated and sent: (done, total). The command line draws it.
public typealias ImportProgress = @Sendable (_ stage: String, _ done: Int, _ total: Int) -> Void

/// An import refused because of its input, before anything was written.
public struct ImportError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var message: String
    public init(file: String, message: String) {
        self.file = file
        self.message = message
    }
    public var description: String { "\(file): \(message); nothing was imported" }
}
