import Hummingbird
import SamespotCore

/// CSV answers (the `.csv` variants of the reports), RFC 4180, for spreadsheets.
enum CSVResponse {
    static func make(header: [String], rows: [[String]], filename: String) -> Response {
        var text = header.map(field).joined(separator: ",") + "\r\n"
        for row in rows { text += row.map(field).joined(separator: ",") + "\r\n" }
        return Response(
            status: .ok,
            headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(filename)\""],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// Quoted when needed. A value a spreadsheet would run as a formula (=, +, -, @ first) is
    /// prefixed with an apostrophe: residents' text must not become a formula on staff machines.
    static func field(_ value: String) -> String {
        var v = value
        // By scalar: "=" with a combining mark after it is still a formula to a spreadsheet.
        if let first = v.unicodeScalars.first, "=+-@".unicodeScalars.contains(first), Double(v) == nil { v = "'" + v }
        return CSVWriter.field(v)
    }

    static func number(_ v: Double?, digits: Int = 2) -> String {
        guard let v else { return "" }
        let scale = Double(Int(pow10(digits)))
        return String((v * scale).rounded() / scale)
    }

    private static func pow10(_ n: Int) -> Int { (0..<n).reduce(1) { r, _ in r * 10 } }
}
