import Foundation
import SamespotService
import SamespotStore
import SamespotTestSupport
import Testing

@Suite struct ImportServiceTests {
    /// The sample city's reference data alone (`import sample --without-requests`), for a
    /// city-year of one's own on top: every address, street, corner and ward map, no request.
    @Test func theSampleCityLoadsWithoutItsRequests() async throws {
        try await TestDatabase.withFresh { db in
            _ = try await ImportService(database: db).sampleCity(from: TestEnvironment.dataDirectory, includeRequests: false)
            let counts = try await CityCounts.read(from: db)
            #expect(counts.addressPoints == 45_220 && counts.streets == 2_582 && counts.intersections == 24_048)
            #expect(counts.wardSets == 3 && counts.wards == 151)
            #expect(counts.requests == 0)
        }
    }
}
