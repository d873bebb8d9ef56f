import Foundation
import Testing

@testable import SamespotHTTP

/// The Open311 serialiser alone: every text, whatever it holds, reads back as itself from the
/// JSON, and the XML escapes what markup needs and replaces what XML 1.0 cannot carry.
/// (Open311Tests round-trips intake's text through the live server in both formats.)
@Suite struct Open311DocumentTests {
    static let texts = [
        "", "plain", "Deep hole\r\nnear the café — “careful” <3 & more: \"2\\3\"\tit's 🕳️",
        "\u{0}\u{1}\u{1F}\u{7F}", "\\", "\"", "ends with a quote\"", "\u{FFFE}\u{FFFF}\u{FFFD}", "多 言語 🚧🚧",
    ]

    @Test(arguments: texts) func jsonReadsBackAsTheSameText(text: String) throws {
        let document = Open311Document(root: "r", node: .list(item: "i", [.object([("description", .text(text)), (text, .integer(7))])]))
        let bytes = document.encoded(.json)
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [[String: Any]])
        #expect(parsed.count == 1)
        #expect(parsed[0]["description"] as? String == text)
        #expect(parsed[0][text] as? Int == 7)
    }

    @Test func jsonPrintsEachKindOfValue() {
        let document = Open311Document(root: "r", node: .object([
            ("none", .text(nil)), ("n", .integer(-3)), ("whole", .number(41.0)), ("x", .number(-87.625)), ("nan", .number(.nan)),
            ("yes", .bool(true)), ("list", .list(item: "i", [.text("a\u{1}"), .bool(false)])),
        ]))
        #expect(String(decoding: document.encoded(.json), as: UTF8.self)
            == #"{"none":null,"n":-3,"whole":41,"x":-87.625,"nan":null,"yes":true,"list":["a\u0001",false]}"#)
    }

    @Test func xmlEscapesMarkupKeepsCarriageReturnsAndReplacesWhatXMLCannotCarry() {
        let document = Open311Document(root: "service_requests", node: .list(item: "request", [.object([
            ("description", .text("a<b>&\"c\"'d'\r\n\te")), ("bad", .text("x\u{1}y\u{FFFE}z\u{FFFF}é")), ("empty", .text(nil)),
            ("n", .integer(12)), ("lat", .number(41.5)),
        ])]))
        #expect(String(decoding: document.encoded(.xml), as: UTF8.self)
            == #"<?xml version="1.0" encoding="utf-8"?><service_requests><request>"#
            + "<description>a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;&#13;\n\te</description>"
            + "<bad>x\u{FFFD}y\u{FFFD}z\u{FFFD}é</bad><empty/><n>12</n><lat>41.5</lat></request></service_requests>")
    }
}
