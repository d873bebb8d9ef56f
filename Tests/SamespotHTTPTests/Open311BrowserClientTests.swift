import Crypto
import Foundation
import PostgresNIO
@testable import SamespotHTTP
import SamespotStore
import SamespotTestSupport
import Testing

/// Open311 as clients written by others call it: a browser's `FormData` (multipart), a phone
/// app's post with a photo as `media`, and a page of another web site (CORS). A real server on
/// loopback over a copy of the sample city.
@Suite struct Open311BrowserClientTests {
    static let base = "/open311/v2"
    /// At an address point of the sample city, so the request is placed and stored.
    static let pothole: [(String, String)] = [("api_key", TestKeys.public), ("service_code", "PHF"), ("lat", "41.8057"), ("long", "-87.6697")]

    /// A real 1×1 PNG, made here (signature, IHDR, IDAT, IEND): what a phone's camera sends, but small.
    static let png: [UInt8] = {
        func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
            let body = Array(type.utf8) + data
            return withUnsafeBytes(of: UInt32(data.count).bigEndian, Array.init) + body
                + withUnsafeBytes(of: crc32(body).bigEndian, Array.init)
        }
        func crc32(_ bytes: [UInt8]) -> UInt32 {
            var crc: UInt32 = 0xFFFF_FFFF
            for byte in bytes {
                crc ^= UInt32(byte)
                for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
            }
            return ~crc
        }
        // One red pixel, stored (uncompressed) deflate: header, a final stored block of 4 bytes, Adler-32.
        let scanline: [UInt8] = [0, 255, 0, 0]
        let idat: [UInt8] = [0x78, 0x01, 0x01, 0x04, 0x00, 0xFB, 0xFF] + scanline + [0x03, 0xFC, 0x01, 0x00]
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
            + chunk("IHDR", [0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]) + chunk("IDAT", idat) + chunk("IEND", [])
    }()

    static func int(_ db: Database, _ sql: String) async throws -> Int {
        for try await n in try await db.client.query(PostgresQuery(unsafeSQL: sql), logger: db.logger).decode(Int.self) { return n }
        return -1
    }

    @Test func aPhotoSentWithAPostIsKeptWithTheCaseForStaffOnly() async throws {
        try await TestServer.withSampleCityCopy { port, db in
            // Browsers of old sent the file's whole path; only its name is kept.
            let posted = try await HTTP.multipart("\(Self.base)/requests.json", Self.pothole + [("description", "deep; about \"a foot\" = 30 cm")],
                                                  files: [("media", #"C:\fakepath\pothole 1.png"#, Self.png)], port: port)
            #expect(posted.status == 200, "\(posted.text)")
            let number = try #require(posted.array.first?["service_request_id"] as? String)

            var documents: [(String, String, Int, [UInt8], String)] = []
            for try await (name, type, size, sha, description) in try await db.client.query("""
                SELECT d.file_name, d.content_type, d.byte_size, d.sha256, d.description
                FROM case_documents d JOIN service_requests r USING (request_id) WHERE r.service_request_id = \(number)
                """, logger: db.logger).decode((String, String, Int, ByteBuffer, String).self) {
                documents.append((name, type, size, Array(buffer: sha), description))
            }
            #expect(documents.count == 1)
            #expect(documents.first?.0 == "pothole 1.png")
            #expect(documents.first?.1 == "image/png")
            #expect(documents.first?.2 == Self.png.count)
            #expect(documents.first?.3 == Array(SHA256.hash(data: Self.png)))
            #expect(try await Self.int(db, """
                SELECT count(*)::int FROM audit_log a JOIN service_requests r USING (request_id)
                WHERE r.service_request_id = '\(number)' AND a.action = 'document'
                """) == 1)

            // The text fields came through whole: a multipart value may hold ; = and quotes.
            let staff = try await HTTP.get("/v1/cases/\(number)", port: port)
            #expect(staff.json["description"] as? String == "deep; about \"a foot\" = 30 cm")
            let listed = try #require((staff.json["documents"] as? [[String: Any]])?.first)
            let documentID = try #require(listed["document_id"] as? Int)
            let photo = try await HTTP.get("/v1/cases/\(number)/documents/\(documentID)", port: port)
            #expect(photo.status == 200)
            #expect(Array(photo.data) == Self.png)
            #expect(photo.header("Content-Type") == "image/png")

            // Residents' apps do not get it: a photo can show people, plates and homes.
            let open311 = try await HTTP.get("\(Self.base)/requests/\(number).json", port: port, key: nil)
            #expect(open311.status == 200)
            #expect(open311.array.first?["media_url"] is NSNull)
            let publicKey = try await HTTP.get("/v1/cases/\(number)/documents/\(documentID)", port: port, key: TestKeys.public)
            #expect(publicKey.status == 403)
        }
    }

    /// A browser's FormData with no photo, and with its file input left empty, are plain posts.
    @Test func formDataWithoutAPhotoIsAPlainPost() async throws {
        try await TestServer.withSampleCityCopy { port, db in
            let fields = Self.pothole + [("attribute[DEPTH]", "12")]
            let plain = try await HTTP.multipart("\(Self.base)/requests.xml", fields, port: port)
            #expect(plain.status == 200, "\(plain.text)")
            #expect(plain.text.contains("<service_request_id>"))
            let emptyInput = try await HTTP.multipart("\(Self.base)/requests.json", fields, files: [("media", "", [])], port: port)
            #expect(emptyInput.status == 200, "\(emptyInput.text)")
            #expect(try await Self.int(db, "SELECT count(*)::int FROM service_requests WHERE source = 'api'") == 2)
            #expect(try await Self.int(db, "SELECT count(*)::int FROM case_documents") == 0)
        }
    }

    /// Each refusal says what to send instead, and stores nothing: not the case without its photo.
    @Test func multipartRefusalsStoreNothing() async throws {
        try await TestServer.withSampleCityCopy { port, db in
            let path = "\(Self.base)/requests.json"
            let notAPicture = try await HTTP.multipart(path, Self.pothole, files: [("media", "notes.txt", Array("a pothole".utf8))], port: port)
            #expect(notAPicture.status == 400)
            #expect(notAPicture.open311Error?.description.contains("JPEG, PNG, GIF or WebP") == true)
            let otherField = try await HTTP.multipart(path, Self.pothole, files: [("photo", "p.png", Self.png)], port: port)
            #expect(otherField.open311Error?.description == "a file was sent as photo; send the photo as media")
            let two = try await HTTP.multipart(path, Self.pothole, files: [("media", "a.png", Self.png), ("media", "b.png", Self.png)], port: port)
            #expect(two.open311Error?.description == "send one photo as media, not several")
            let noBoundary = try await HTTP.send("POST", path, port: port, body: "service_code=PHF", contentType: "multipart/form-data", key: nil)
            #expect(noBoundary.status == 400)
            #expect(noBoundary.open311Error?.description.contains("boundary") == true)
            let wrongBoundary = try await HTTP.send("POST", path, port: port, body: "--other\r\n\r\n--other--\r\n",
                                                    contentType: "multipart/form-data; boundary=mine", key: nil)
            #expect(wrongBoundary.status == 400)
            // Checked before the photo: the request's own problems are named first.
            let noType = try await HTTP.multipart(path, [("api_key", TestKeys.public), ("lat", "41.8057"), ("long", "-87.6697")],
                                                  files: [("media", "p.png", Self.png)], port: port)
            #expect(noType.status == 400)
            #expect(try await Self.int(db, "SELECT count(*)::int FROM service_requests WHERE source = 'api'") == 0)
            #expect(try await Self.int(db, "SELECT count(*)::int FROM case_documents") == 0)
        }
    }

    /// A retry with the same Idempotency-Key and photo is the same case with one photo; the key
    /// with another photo is another request, refused.
    @Test func aRetriedPostKeepsOnePhoto() async throws {
        try await TestServer.withSampleCityCopy { port, db in
            let path = "\(Self.base)/requests.json"
            let key = ["Idempotency-Key": "photo-retry-1"]
            let first = try await HTTP.multipart(path, Self.pothole, files: [("media", "p.png", Self.png)], port: port, headers: key)
            let again = try await HTTP.multipart(path, Self.pothole, files: [("media", "p.png", Self.png)], port: port, headers: key)
            #expect(first.status == 200 && again.status == 200)
            #expect(again.header("Idempotent-Replayed") == "true")
            #expect(first.array.first?["service_request_id"] as? String == again.array.first?["service_request_id"] as? String)
            var other = Self.png
            other[other.count - 5] ^= 1  // another picture (a bit of IEND's checksum), the same type
            let changed = try await HTTP.multipart(path, Self.pothole, files: [("media", "p.png", other)], port: port, headers: key)
            #expect(changed.status == 409)
            #expect(try await Self.int(db, "SELECT count(*)::int FROM service_requests WHERE source = 'api'") == 1)
            #expect(try await Self.int(db, "SELECT count(*)::int FROM case_documents") == 1)
        }
    }

    @Test func pagesOfOtherSitesMayCallTheAPI() async throws {
        try await TestServer.withSampleCityCopy { port, _ in
            let origin = ["Origin": "https://311.example.city"]
            // The preflight is answered before any key is asked for.
            let preflight = try await HTTP.send("OPTIONS", "\(Self.base)/requests.json", port: port, key: nil,
                                                headers: origin.merging(["Access-Control-Request-Method": "POST",
                                                                         "Access-Control-Request-Headers": "idempotency-key"]) { $1 })
            #expect(preflight.status == 204)
            #expect(preflight.header("Access-Control-Allow-Origin") == "*")
            #expect(preflight.header("Access-Control-Allow-Headers")?.contains("idempotency-key") == true)
            #expect(preflight.header("Access-Control-Allow-Methods")?.contains("POST") == true)
            let services = try await HTTP.send("GET", "\(Self.base)/services.json", port: port, key: nil, headers: origin)
            #expect(services.status == 200)
            #expect(services.header("Access-Control-Allow-Origin") == "*")
            // Refusals too, so the page can show why.
            let missing = try await HTTP.send("GET", "\(Self.base)/services/NOPE.json", port: port, key: nil, headers: origin)
            #expect(missing.status == 404)
            #expect(missing.header("Access-Control-Allow-Origin") == "*")
            #expect(missing.header("Access-Control-Expose-Headers")?.contains("Retry-After") == true)
        }
    }

    @Test func aCityMayNameItsOwnSitesOrNone() async throws {
        let listed = "https://311.example.city"
        try await TestServer.withSampleCityCopy(crossOrigin: .origins([listed, "https://example.city"])) { port, _ in
            let mine = try await HTTP.send("GET", "\(Self.base)/services.json", port: port, key: nil, headers: ["Origin": listed])
            #expect(mine.header("Access-Control-Allow-Origin") == listed)
            #expect(mine.header("Vary")?.contains("Origin") == true)
            let other = try await HTTP.send("GET", "\(Self.base)/services.json", port: port, key: nil, headers: ["Origin": "https://elsewhere.example"])
            #expect(other.status == 200)
            #expect(other.header("Access-Control-Allow-Origin") == nil)
        }
        try await TestServer.withSampleCityCopy(crossOrigin: .noOrigin) { port, _ in
            let any = try await HTTP.send("GET", "\(Self.base)/services.json", port: port, key: nil, headers: ["Origin": listed])
            #expect(any.status == 200)
            #expect(any.header("Access-Control-Allow-Origin") == nil)
        }
    }

    /// Some Open311 libraries put the fields, the key most often, in the POST's URL; the body's win.
    @Test func fieldsInThePostsURLCountWhenTheBodyLacksThem() async throws {
        try await TestServer.withSampleCityCopy { port, db in
            let query = Self.pothole.map { "\($0.0)=\(HTTP.encode($0.1))" }.joined(separator: "&") + "&description=from+the+URL"
            let posted = try await HTTP.send("POST", "\(Self.base)/requests.json?\(query)", port: port, body: "description=from%20the%20body",
                                             contentType: "application/x-www-form-urlencoded", key: nil)
            #expect(posted.status == 200, "\(posted.text)")
            let number = try #require(posted.array.first?["service_request_id"] as? String)
            let stored = try await HTTP.get("\(Self.base)/requests/\(number).json", port: port, key: nil)
            #expect(stored.array.first?["description"] as? String == "from the body")
            let urlOnly = try await HTTP.send("POST", "\(Self.base)/requests.json?\(query)", port: port, body: "",
                                              contentType: "application/x-www-form-urlencoded", key: nil)
            #expect(urlOnly.status == 200, "\(urlOnly.text)")
            let second = try #require(urlOnly.array.first?["service_request_id"] as? String)
            #expect(try await HTTP.get("\(Self.base)/requests/\(second).json", port: port, key: nil).array.first?["description"] as? String
                    == "from the URL")
            #expect(try await Self.int(db, "SELECT count(*)::int FROM service_requests WHERE source = 'api'") == 2)
        }
    }

    /// Uptime monitors and link checkers ask with HEAD: the GET's status and length, no body.
    @Test func headAnswersAsGetWithoutABody() async throws {
        try await TestServer.withSampleCityCopy { port, _ in
            // /healthz grows by its count of cases in memory once they are loaded: compare after.
            #expect(try await TestServer.casesInMemory(port: port) != nil)
            for path in ["\(Self.base)/services.json", "\(Self.base)/discovery.xml", "/healthz"] {
                let get = try await HTTP.send("GET", path, port: port, key: nil)
                let head = try await HTTP.send("HEAD", path, port: port, key: nil)
                #expect(get.status == 200 && head.status == 200, "\(path)")
                #expect(head.data.isEmpty, "\(path)")
                #expect(head.header("Content-Length") == String(get.data.count), "\(path)")
                #expect(head.header("Content-Type") == get.header("Content-Type"), "\(path)")
            }
            let missing = try await HTTP.send("HEAD", "\(Self.base)/services/NOPE.json", port: port, key: nil)
            #expect(missing.status == 404)
            #expect(missing.data.isEmpty)
            // A staff route keeps its rules: no key, no answer.
            #expect(try await HTTP.send("HEAD", "/v1/cases/SR21-00000001", port: port, key: nil).status == 401)
        }
    }

    @Test func theCrossOriginSettingIsReadOrRefusedInWords() throws {
        #expect(try CrossOriginPolicy(parsing: "*") == .anyOrigin)
        #expect(try CrossOriginPolicy(parsing: " None ") == .noOrigin)
        #expect(try CrossOriginPolicy(parsing: "https://a.example, http://b.example:8080") == .origins(["https://a.example", "http://b.example:8080"]))
        #expect(throws: CrossOriginPolicyError.self) { try CrossOriginPolicy(parsing: "https://a.example/311") }
        #expect(throws: CrossOriginPolicyError.self) { try CrossOriginPolicy(parsing: "a.example") }
    }

    @Test func headerParametersAreReadAsBrowsersWriteThem() {
        let disposition = #"form-data; name="media"; filename="a;b=c \"d\".png""#
        #expect(Open311Multipart.parameter("name", in: disposition) == "media")
        #expect(Open311Multipart.parameter("filename", in: disposition) == #"a;b=c "d".png"#)
        #expect(Open311Multipart.parameter("filename", in: #"form-data; name="media"; filename="C:\fakepath\x.png""#) == #"C:\fakepath\x.png"#)
        #expect(Open311Multipart.parameter("FileName", in: #"form-data; FILENAME=x.png"#) == "x.png")
        #expect(Open311Multipart.parameter("filename", in: #"form-data; name="description""#) == nil)
        #expect(Open311Multipart.parameter("boundary", in: "multipart/form-data; charset=utf-8; boundary=----abc") == "----abc")
        #expect(Open311Multipart.parameter("boundary", in: "multipart/form-data") == nil)
    }
}
