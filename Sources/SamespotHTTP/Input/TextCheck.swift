import SamespotCore


/// Checks on text callers send, shared by query strings and bodies.
enum TextCheck {
    /// One line: no control characters (PostgreSQL cannot store NUL, and logs and CSV files
    /// must not be split by a line break hidden in a value).
    static func singleLine(_ text: String, field: String) throws {
        if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw APIError.badRequest("\(field) contains control characters (line breaks, tabs, …); send the \(field) on one line")
        }
    }

    /// Multi-line text (a description, a note): line breaks and tabs are kept, other control
    /// characters (NUL among them) are refused.
    static func multiLine(_ text: String, field: String, maxLength: Int) throws {
        if text.count > maxLength { throw APIError.badRequest("\(field) is \(text.count) characters; at most \(maxLength)") }
        let allowed: Set<Unicode.Scalar> = ["\n", "\r", "\t"]
        if text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && !allowed.contains($0) }) {
            throw APIError.badRequest("\(field) contains control characters other than line breaks and tabs")
        }
    }
}
