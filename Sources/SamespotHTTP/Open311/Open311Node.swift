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
struct Open311Document {
    var root: String
    var node: Open311Node

    func render(_ format: Open311Format) -> String {
        switch format {
        case .xml:
            var out = #"<?xml version="1.0" encoding="utf-8"?>"#
            Self.xml(root, node, into: &out)
            return out
        case .json:
            var out = ""
            Self.json(node, into: &out)
            return out
        }
    }

    // MARK: XML

    private static func xml(_ name: String, _ node: Open311Node, into out: inout String) {
        switch node {
        case .text(nil):
            out += "<\(name)/>"
        case .text(let s?):
            out += "<\(name)>"; escapeXML(s, into: &out); out += "</\(name)>"
        case .integer(let i):
            out += "<\(name)>\(i)</\(name)>"
        case .number(let d):
            out += "<\(name)>\(number(d))</\(name)>"
        case .bool(let b):
            out += "<\(name)>\(b)</\(name)>"
        case .object(let fields):
            out += "<\(name)>"
            for (key, value) in fields { xml(key, value, into: &out) }
            out += "</\(name)>"
        case .list(let item, let items):
            out += "<\(name)>"
            for value in items { xml(item, value, into: &out) }
            out += "</\(name)>"
        }
    }

    /// Escapes markup characters, and carriage returns as `&#13;` so CRLF line breaks in a
    /// description come back as sent (an XML parser turns a bare CR into LF). Characters XML 1.0
    /// cannot carry at all never reach here: intake refuses them.
    static func escapeXML(_ s: String, into out: inout String) {
        // Most text needs nothing escaped: appended whole, not character by character (a list
        // of a thousand requests spent most of its time here). 0xEF starts U+FFFE and U+FFFF.
        if !s.utf8.contains(where: { byte in
            byte < 0x20 ? byte != 0x0A && byte != 0x09 : byte == 0x26 || byte == 0x3C || byte == 0x3E || byte == 0x22 || byte == 0x27 || byte == 0xEF
        }) {
            out += s
            return
        }
        for scalar in s.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\r": out += "&#13;"
            case "\n", "\t": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF { out += "\u{FFFD}" } else { out.unicodeScalars.append(scalar) }
            }
        }
    }

    // MARK: JSON

    private static func json(_ node: Open311Node, into out: inout String) {
        switch node {
        case .text(nil): out += "null"
        case .text(let s?): escapeJSON(s, into: &out)
        case .integer(let i): out += String(i)
        case .number(let d): out += number(d)
        case .bool(let b): out += b ? "true" : "false"
        case .object(let fields):
            out += "{"
            for (i, (key, value)) in fields.enumerated() {
                if i > 0 { out += "," }
                escapeJSON(key, into: &out); out += ":"
                json(value, into: &out)
            }
            out += "}"
        case .list(_, let items):
            out += "["
            for (i, value) in items.enumerated() {
                if i > 0 { out += "," }
                json(value, into: &out)
            }
            out += "]"
        }
    }

    static func escapeJSON(_ s: String, into out: inout String) {
        out += "\""
        defer { out += "\"" }
        // As in XML: text with nothing to escape is appended whole. UTF-8's multi-byte
        // sequences hold no byte below 0x80, so a scan of bytes finds every quote and control.
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
            out += s
            return
        }
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
    }

    /// Shortest text that reads back as the same double; whole numbers without ".0".
    static func number(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        if d == d.rounded(), abs(d) < 1e15 { return String(Int(d)) }
        return String(d)
    }
}
