import Foundation
import Hummingbird
import HummingbirdTesting
import SamespotHTTP
import SamespotService
import SamespotStore
import SamespotTestSupport
import Testing

@Suite struct IndexRefreshTests {
    /// An import in another process (here: another pool) is seen by a running server without a
    /// restart: the importer notifies, the server reloads its geocoder.
    @Test func runningServerSeesAddressesImportedAfterItStarted() async throws {
        try await TestDatabase.withFresh { db in
            let header = "house_number,pre_direction,street_name,street_type,longitude,latitude\n"
            _ = try await ReferenceDataImporter(database: db).importAddressPoints(
                csv: Array((header + "100,N,STATE,ST,-87.6278,41.8827\n").utf8), file: "first.csv")
            let indexes = try await CityIndexes.load(from: db, wardSetName: nil)
            SamespotServer.bootstrapMetrics()
            let app = try SamespotServer.buildApplication(
                settings: TestServer.settings(db.settings), database: Database(settings: db.settings, logger: TestEnvironment.logger),
                indexes: indexes, logger: TestEnvironment.logger)
            try await app.test(.live) { client in
                let port = try #require(client.port)
                let (_, before) = try await IntakeTests.send("GET", "/v1/geocode?address=200%20N%20Wells%20St", port: port)
                #expect(before["method"] as? String == "none")
                // Give the listener a moment to subscribe, then import.
                try await Task.sleep(for: .milliseconds(300))
                _ = try await ReferenceDataImporter(database: db).importAddressPoints(
                    csv: Array((header + "200,N,WELLS,ST,-87.6341,41.8853\n").utf8), file: "second.csv", replace: false)
                var method: String?
                for attempt in 0..<100 {
                    // Should the listener have subscribed only after the import's NOTIFY (a busy
                    // machine), notify again: the server must react to any notification.
                    if attempt % 20 == 19 { try await db.notifyReferenceChanged() }
                    let (_, after) = try await IntakeTests.send("GET", "/v1/geocode?address=200%20N%20Wells%20St", port: port)
                    method = after["method"] as? String
                    if method == "address_point" { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
                #expect(method == "address_point")
            }
        }
    }
}
