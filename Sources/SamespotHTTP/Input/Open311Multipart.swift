import Foundation
import MultipartKit
import NIOCore
import NIOHTTP1
import SamespotStore

/// An Open311 post sent as `multipart/form-data`: what a browser's `FormData` sends, and what
/// phone apps send when the resident attaches a photo. Its text parts are the same fields as
/// the form encoding's; a file part named `media` (the name GeoReport v2.1's draft gives it) is
/// the photo. The parts are split by vapor's multipart-kit.
enum Open311Multipart {
    /// The field a photo is sent in.
    static let photoField = "media"

    static func read(_ body: ByteBuffer, contentType: String) throws -> Open311Body.Submission {
        guard let boundary = parameter("boundary", in: contentType), !boundary.isEmpty, boundary.utf8.count <= 200 else {
            throw APIError.badRequest("a multipart/form-data body needs the boundary parameter in its Content-Type")
        }
        var parts: [MultipartPart] = []
        var headers = HTTPHeaders()
        var content = ByteBuffer()
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in headers.add(name: name, value: value) }
        parser.onBody = { chunk in content.writeBuffer(&chunk) }
        parser.onPartComplete = {
            parts.append(MultipartPart(headers: headers, body: content))
            headers = HTTPHeaders()
            content = ByteBuffer()
        }
        do { try parser.execute(body) } catch {
            throw APIError.badRequest("the multipart/form-data body cannot be read: its parts do not follow the boundary of its Content-Type")
        }
        guard !parts.isEmpty else {
            throw APIError.badRequest("the multipart/form-data body has no parts with the boundary of its Content-Type")
        }

        var submission = Open311Body.Submission(pairs: [])
        for part in parts {
            let disposition = part.headers.first(name: "Content-Disposition") ?? ""
            guard let name = parameter("name", in: disposition) else {
                throw APIError.badRequest("every part of a multipart/form-data body needs a Content-Disposition with a name")
            }
            if let fileName = parameter("filename", in: disposition) {
                // A form's file input left empty is sent as a part with no name and no bytes.
                guard part.body.readableBytes > 0 else { continue }
                guard name == photoField else {
                    throw APIError.badRequest("a file was sent as \(name.prefix(40)); send the photo as \(photoField)")
                }
                guard submission.photo == nil else { throw APIError.badRequest("send one photo as \(photoField), not several") }
                // Its type is read from its bytes at intake, not taken from the part's header.
                submission.photo = IntakePhoto(fileName: fileName, contentType: "", bytes: Array(buffer: part.body))
            } else {
                guard let value = part.body.getString(at: part.body.readerIndex, length: part.body.readableBytes),
                      value.utf8.elementsEqual(part.body.readableBytesView) else {
                    throw APIError.badRequest("the field \(name.prefix(40)) is not UTF-8 text")
                }
                submission.pairs.append((name, value))
            }
        }
        return submission
    }

    /// A parameter of a header value (`form-data; name="media"; filename="pothole.jpg"`, or a
    /// Content-Type's `boundary=…`), quoted or not; nil when absent. A quoted value may hold
    /// `;` and `=` (a file name can).
    static func parameter(_ key: String, in header: String) -> String? {
        var rest = Substring(header)
        // Skip the value before the first parameter.
        guard let first = rest.firstIndex(of: ";") else { return nil }
        rest = rest[rest.index(after: first)...]
        while !rest.isEmpty {
            rest = rest.drop(while: { $0 == " " || $0 == "\t" })
            let name = rest.prefix(while: { $0 != "=" && $0 != ";" })
            rest = rest.dropFirst(name.count)
            var value = ""
            if rest.first == "=" {
                rest = rest.dropFirst()
                if rest.first == "\"" {
                    rest = rest.dropFirst()
                    // A backslash escapes only a quote or itself (as curl writes them); a Windows
                    // path's (C:\fakepath\photo.jpg, as browsers of old sent it) stays as written.
                    while let c = rest.first {
                        rest = rest.dropFirst()
                        if c == "\\", let next = rest.first, next == "\"" || next == "\\" { value.append(next); rest = rest.dropFirst() }
                        else if c == "\"" { break }
                        else { value.append(c) }
                    }
                    rest = rest.drop(while: { $0 != ";" })
                } else {
                    let raw = rest.prefix(while: { $0 != ";" })
                    value = raw.trimmingCharacters(in: .whitespaces)
                    rest = rest.dropFirst(raw.count)
                }
            }
            if name.trimmingCharacters(in: .whitespaces).lowercased() == key.lowercased() { return value }
            rest = rest.drop(while: { $0 == ";" })
        }
        return nil
    }
}
