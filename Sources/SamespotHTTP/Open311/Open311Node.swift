import Foundation

/// An Open311 answer as a tree that prints as either of the spec's formats: XML (mandatory)
/// or JSON. Keys keep their order; a list knows the element name of its items in XML
/// (`<service_requests><request>…`), which JSON does not show.
indirect enum Open311Node: Sendable {
    /// nil prints as an empty element in XML and null in JSON.
    case text(String?)
    case integer(Int)
    case number(Double)
    case bool(Bool)
    case object([(String, Open311Node)])
    case list(item: String, [Open311Node])

    static func optionalNumber(_ value: Double?) -> Open311Node { value.map { .number($0) } ?? .text(nil) }
}

enum Open311Format: String, CaseIterable, Sendable {
    case xml, json

    var contentType: String { self == .xml ? "text/xml; charset=utf-8" : "application/json; charset=utf-8" }
}

/// Serialises an `Open311Node` with `root` as the XML document element.
///
/// Written as UTF-8 bytes into one growing array: a listing of a thousand requests is half a
/// megabyte, and appending to a `String` (its capacity and ASCII checks on every append) took
/// most of a listing's time; text is copied in runs between the bytes that need escaping.
struct Open311Document {
    var root: String
    var node: Open311Node

    func encoded(_ format: Open311Format) -> [UInt8] {
        var out = Output()
        out.bytes.reserveCapacity(4_096)
        switch format {
        case .xml:
            out.append(#"<?xml version="1.0" encoding="utf-8"?>"#)
            Self.xml(root, node, into: &out)
        case .json:
            Self.json(node, into: &out)
        }
        return out.bytes
    }

    /// The document's bytes so far.
    struct Output {
        var bytes: [UInt8] = []

        mutating func append(_ text: StaticString) {
            text.withUTF8Buffer { bytes.append(contentsOf: $0) }
        }

        mutating func append(_ text: String) {
            var text = text
            text.withUTF8 { bytes.append(contentsOf: $0) }
        }
    }

    // MARK: XML

    private static func xml(_ name: String, _ node: Open311Node, into out: inout Output) {
        func open() { out.append("<"); out.append(name); out.append(">") }
        func close() { out.append("</"); out.append(name); out.append(">") }
        switch node {
        case .text(nil):
            out.append("<"); out.append(name); out.append("/>")
        case .text(let s?):
            open(); escapeXML(s, into: &out); close()
        case .integer(let i):
            open(); out.append(String(i)); close()
        case .number(let d):
            open(); out.append(number(d)); close()
        case .bool(let b):
            open(); out.append(b ? "true" : "false"); close()
        case .object(let fields):
            open()
            for (key, value) in fields { xml(key, value, into: &out) }
            close()
        case .list(let item, let items):
            open()
            for value in items { xml(item, value, into: &out) }
            close()
        }
    }

    /// Escapes markup characters, and carriage returns as `&#13;` so CRLF line breaks in a
    /// description come back as sent (an XML parser turns a bare CR into LF). Characters XML 1.0
    /// cannot carry at all (other controls, U+FFFE, U+FFFF) never come from intake, which
    /// refuses them; older imported text that has them shows U+FFFD instead.
    static func escapeXML(_ s: String, into out: inout Output) {
        var s = s
        s.withUTF8 { utf8 in
            var run = 0, i = 0
            func flush(upTo end: Int, skipping count: Int) {
                out.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run..<end]))
                run = end + count
            }
            while i < utf8.count {
                let byte = utf8[i]
                switch byte {
                case 0x26: flush(upTo: i, skipping: 1); out.append("&amp;")
                case 0x3C: flush(upTo: i, skipping: 1); out.append("&lt;")
                case 0x3E: flush(upTo: i, skipping: 1); out.append("&gt;")
                case 0x22: flush(upTo: i, skipping: 1); out.append("&quot;")
                case 0x27: flush(upTo: i, skipping: 1); out.append("&apos;")
                case 0x0D: flush(upTo: i, skipping: 1); out.append("&#13;")
                case 0x0A, 0x09: break
                case ..<0x20: flush(upTo: i, skipping: 1); out.append("\u{FFFD}")
                case 0xEF where i + 2 < utf8.count && utf8[i + 1] == 0xBF && (utf8[i + 2] == 0xBE || utf8[i + 2] == 0xBF):
                    flush(upTo: i, skipping: 3); out.append("\u{FFFD}"); i += 2
                default: break
                }
                i += 1
            }
            flush(upTo: utf8.count, skipping: 0)
        }
    }

    // MARK: JSON

    private static func json(_ node: Open311Node, into out: inout Output) {
        switch node {
        case .text(nil): out.append("null")
        case .text(let s?): escapeJSON(s, into: &out)
        case .integer(let i): out.append(String(i))
        case .number(let d): out.append(number(d))
        case .bool(let b): out.append(b ? "true" : "false")
        case .object(let fields):
            out.append("{")
            for (i, (key, value)) in fields.enumerated() {
                if i > 0 { out.append(",") }
                escapeJSON(key, into: &out); out.append(":")
                json(value, into: &out)
            }
            out.append("}")
        case .list(_, let items):
            out.append("[")
            for (i, value) in items.enumerated() {
                if i > 0 { out.append(",") }
                json(value, into: &out)
            }
            out.append("]")
        }
    }

    /// A JSON string. UTF-8's multi-byte sequences hold no byte below 0x80, so a scan of bytes
    /// finds every quote, backslash and control character; the rest is copied as it is.
    static func escapeJSON(_ s: String, into out: inout Output) {
        out.append("\"")
        var s = s
        s.withUTF8 { utf8 in
            var run = 0
            for i in 0..<utf8.count {
                let byte = utf8[i]
                guard byte < 0x20 || byte == 0x22 || byte == 0x5C else { continue }
                out.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run..<i]))
                run = i + 1
                switch byte {
                case 0x22: out.append("\\\"")
                case 0x5C: out.append("\\\\")
                case 0x0A: out.append("\\n")
                case 0x0D: out.append("\\r")
                case 0x09: out.append("\\t")
                default:
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    out.append("\\u00")
                    out.bytes.append(hex[Int(byte >> 4)])
                    out.bytes.append(hex[Int(byte & 0xF)])
                }
            }
            out.bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run...]))
        }
        out.append("\"")
    }

    /// Shortest text that reads back as the same double; whole numbers without ".0".
    static func number(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        if d == d.rounded(), abs(d) < 1e15 { return String(Int(d)) }
        return String(d)
    }
}
