import Foundation
import SamespotCore
import SamespotStore
import SamespotTestSupport
import Testing

/// The web page as the server hands it out, and the endpoints it reads first. (The page itself is
/// tested in a real browser by scripts/browser-test.)
@Suite struct WebPageTests {
    @Test func thePageItsScriptsAndLeafletAreServed() async throws {
        try await TestServer.withSampleCity { client in
            let port = try #require(client.port)
            let page = try await HTTP.get("/", port: port, key: nil)
            #expect(page.status == 200)
            #expect(page.header("Content-Type") == "text/html; charset=utf-8")
            #expect(page.text.contains(#"<script src="/web/intake.js"></script>"#) && page.text.contains(#"href="/leaflet/leaflet.css""#))
            // Scripts from this origin only; no frame may embed the page.
            let policy = try #require(page.header("Content-Security-Policy"))
            #expect(policy.contains("script-src 'self';") && policy.contains("frame-ancestors 'none'"))
            for view in ["/intake", "/hotspots", "/wards"] {
                #expect(try await HTTP.get(view, port: port, key: nil).data == page.data, "\(view)")
            }
            for (file, type) in [("app.js", "text/javascript"), ("map.js", "text/javascript"), ("intake.js", "text/javascript"),
                                 ("hotspots.js", "text/javascript"), ("wards.js", "text/javascript"), ("samespot.css", "text/css")] {
                let reply = try await HTTP.get("/web/\(file)", port: port, key: nil)
                #expect(reply.status == 200 && reply.header("Content-Type")?.hasPrefix(type) == true, "\(file)")
                #expect(reply.data.count > 500, "\(file)")
            }
            // A browser that holds this version is told so, without the bytes.
            let script = try await HTTP.get("/web/app.js", port: port, key: nil)
            let etag = try #require(script.header("ETag"))
            let again = try await HTTP.send("GET", "/web/app.js", port: port, key: nil, headers: ["If-None-Match": etag])
            #expect(again.status == 304 && again.data.isEmpty)

            // Leaflet comes from Debian's libjs-leaflet, which the set-up scripts install.
            let leaflet = try await HTTP.send("GET", "/leaflet/leaflet.min.js", port: port, key: nil, headers: ["Accept-Encoding": "identity"])
            #expect(leaflet.status == 200 && leaflet.text.contains("window.L") && leaflet.header("Content-Encoding") == nil)
            // Debian's own gzipped copy, to a browser that takes gzip (inflated by the client, or not).
            let zipped = try await HTTP.send("GET", "/leaflet/leaflet.min.js", port: port, key: nil, headers: ["Accept-Encoding": "gzip"])
            #expect(zipped.header("Content-Encoding") == "gzip" && zipped.header("Vary") == "Accept-Encoding")
            #expect(zipped.data == leaflet.data || (Array(zipped.data.prefix(2)) == [0x1f, 0x8b] && zipped.data.count * 2 < leaflet.data.count))
            #expect(zipped.header("ETag") != leaflet.header("ETag"))
            #expect(try await HTTP.get("/leaflet/images/marker-icon.png", port: port, key: nil).header("Content-Type") == "image/png")
            for missing in ["/web/nothing.js", "/leaflet/leaflet.js", "/leaflet/leaflet.esm.js", "/leaflet/images/..%2F..%2F..%2Fetc%2Fpasswd"] {
                let reply = try await HTTP.get(missing, port: port, key: nil)
                #expect(reply.status == 404, "\(missing)")
                #expect(reply.errorMessage != nil, "\(missing)")
            }
        }
    }

    @Test func whoAmIAnswersEachRoleItsPermissions() async throws {
        try await TestServer.withSampleCity { client in
            let port = try #require(client.port)
            for role in Role.allCases {
                let reply = try await HTTP.get("/v1/whoami", port: port, key: TestKeys.key(for: role))
                #expect(reply.status == 200)
                #expect(reply.json["role"] as? String == role.rawValue)
                #expect(Set(reply.json["permissions"] as? [String] ?? []) == Set(role.permissions.map(\.rawValue)), "\(role)")
            }
            let office = try await HTTP.get("/v1/whoami", port: port, key: TestKeys.wardOffice)
            #expect(office.json["wards"] as? [String] == TestKeys.wardOfficeWards)
            let anonymous = try await HTTP.get("/v1/whoami", port: port, key: nil)
            #expect(anonymous.json["role"] as? String == "public" && anonymous.json["max_match_radius_m"] as? Double == 250)
            #expect(try await HTTP.get("/v1/whoami", port: port, key: TestKeys.revoked).status == 401)
        }
    }

    @Test func theCityAndItsWardBoundaries() async throws {
        try await TestServer.withSampleCity { client in
            let port = try #require(client.port)
            let city = try await HTTP.get("/v1/city", port: port, key: nil)
            #expect(city.status == 200)
            #expect(city.json["ward_set"] as? String == "chicago-2023" && city.json["time_zone"] as? String == "America/Chicago")
            let sets = try #require(city.json["ward_sets"] as? [[String: Any]])
            #expect(sets.map { $0["name"] as? String } == SampleCity.wardSets.map(\.name))
            #expect(sets.filter { $0["in_use"] as? Bool == true }.count == 1)
            // The test city holds the one day of 2021 requests.
            #expect(city.json["requests"] as? [String: String] == ["first": "2021-01-01", "last": "2021-01-01"])
            #expect(city.json["tile_url"] == nil)

            for set in sets {
                let name = try #require(set["name"] as? String)
                let reply = try await HTTP.get("/v1/wards/boundaries?ward_set=\(name)", port: port, key: nil)
                #expect(reply.status == 200 && reply.header("Content-Type")?.hasPrefix("application/geo+json") == true)
                let features = try #require(reply.json["features"] as? [[String: Any]])
                #expect(features.count == set["wards"] as? Int, "\(name)")
                let wards = features.compactMap { ($0["properties"] as? [String: Any])?["ward"] as? String }
                #expect(Set(wards).count == features.count)
                #expect(features.allSatisfy { ["Polygon", "MultiPolygon"].contains(($0["geometry"] as? [String: Any])?["type"] as? String ?? "") })
            }
            // Simplified for a screen by default; every vertex with tolerance=0.
            let screen = try await HTTP.get("/v1/wards/boundaries", port: port, key: nil)
            let full = try await HTTP.get("/v1/wards/boundaries?tolerance=0", port: port, key: nil)
            #expect(screen.json["ward_set"] as? String == "chicago-2023")
            #expect(screen.data.count * 4 < full.data.count)
            #expect(try await HTTP.get("/v1/wards/boundaries?ward_set=chicago-1900", port: port, key: nil).status == 404)
            #expect(try await HTTP.get("/v1/wards/boundaries?tolerance=1", port: port, key: nil).status == 400)
        }
    }

    @Test func suggestionsCompleteWhatStaffType() async throws {
        try await TestServer.withSampleCity { client in
            let port = try #require(client.port)
            func suggestions(_ q: String) async throws -> [[String: Any]] {
                let reply = try await HTTP.get("/v1/geocode/suggest?q=\(HTTP.encode(q))", port: port, key: nil)
                #expect(reply.status == 200, "\(q)")
                return reply.json["suggestions"] as? [[String: Any]] ?? []
            }
            let wood = try await suggestions("4853 s wo")
            let exact = try #require(wood.first { $0["address"] as? String == "4853 S WOOD ST" })
            #expect(exact["method"] as? String == "address_point" && exact["address_id"] is Int && exact["latitude"] is Double)
            #expect(wood.allSatisfy { ($0["address"] as? String ?? "").hasPrefix("4853 S WO") })
            let corners = try await suggestions("madison & sta")
            #expect(corners.contains { $0["address"] as? String == "W MADISON ST & N STATE ST" && $0["method"] as? String == "intersection" })
            let finished = try await suggestions("4853 South Wood Street, Chicago")
            #expect(finished.first?["address"] as? String == "4853 S WOOD ST")
            #expect(try await HTTP.get("/v1/geocode/suggest", port: port, key: nil).status == 400)
            #expect(try await HTTP.get("/v1/geocode/suggest?q=12&limit=0", port: port, key: nil).status == 400)
        }
    }
}
