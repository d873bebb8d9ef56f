import Logging
import SamespotCore
import SamespotGeo
import SamespotStore
import Synchronization

/// The in-memory indexes the service answers from: the geocoder and the ward set in use.
/// Loaded from PostgreSQL at start-up; `reload` builds fresh ones and swaps them in, so requests
/// in flight finish on the old ones and PostgreSQL stays the one source of truth.
public final class CityIndexes: Sendable {
    public struct Snapshot: Sendable {
        public var geocoder: GeocoderIndex
        public var wards: WardIndex?
        public var wardSet: WardSetInfo?

        public init(geocoder: GeocoderIndex, wards: WardIndex?, wardSet: WardSetInfo?) {
            self.geocoder = geocoder
            self.wards = wards
            self.wardSet = wardSet
        }
    }

    private let current: Mutex<Snapshot>
    public let wardSetName: String?

    public init(_ snapshot: Snapshot, wardSetName: String?) {
        current = Mutex(snapshot)
        self.wardSetName = wardSetName
    }

    public var snapshot: Snapshot { current.withLock { $0 } }

    public static func load(from database: Database, wardSetName: String?) async throws -> CityIndexes {
        CityIndexes(try await loadSnapshot(database, wardSetName), wardSetName: wardSetName)
    }

    public func reload(from database: Database) async throws {
        let fresh = try await Self.loadSnapshot(database, wardSetName)
        current.withLock { $0 = fresh }
    }

    private static func loadSnapshot(_ database: Database, _ wardSetName: String?) async throws -> Snapshot {
        let geocoder = try await GeocoderStore(database: database).loadIndex()
        let store = WardSetStore(database: database)
        // No ward set yet is a valid state for a new city: answers then carry no ward.
        var set: WardSetInfo? = nil
        var wards: WardIndex? = nil
        let anySet = try await !store.list().isEmpty
        if wardSetName != nil || anySet {
            let chosen = try await store.set(named: wardSetName)
            set = chosen
            wards = try await store.loadIndex(setID: chosen.id)
        }
        database.logger.info("indexes loaded", metadata: [
            "addresses": "\(geocoder.addressCount)", "ward_set": "\(set?.name ?? "none")",
        ])
        return Snapshot(geocoder: geocoder, wards: wards, wardSet: set)
    }
}
