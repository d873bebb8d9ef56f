import Logging
import SamespotCore
import SamespotGeo
import SamespotStore
import Synchronization

/// What a running instance holds in memory, all loaded from PostgreSQL: the geocoder, every ward
/// set (the one answers use, and the rest so each new request is placed in all of them), and the
/// service catalog (types, questions, rules, holidays). `reload` builds fresh ones and swaps
/// them in, so requests in flight finish on the old ones and PostgreSQL stays the one source of truth.
public final class CityIndexes: Sendable {
    public struct Snapshot: Sendable {
        public var geocoder: GeocoderIndex
        /// The ward set answers use.
        public var wards: WardIndex?
        public var wardSet: WardSetInfo?
        /// Every ward set, the one in use among them.
        public var allWardSets: [LoadedWardSet]

        public init(geocoder: GeocoderIndex, wards: WardIndex?, wardSet: WardSetInfo?, allWardSets: [LoadedWardSet] = []) {
            self.geocoder = geocoder
            self.wards = wards
            self.wardSet = wardSet
            self.allWardSets = allWardSets
        }

        /// The ward of a point in every set (nil where no ward of a set holds it).
        public func placeInEveryWardSet(longitude: Double, latitude: Double, context: GEOSContext) -> [(setID: Int, ward: String?)] {
            allWardSets.map { ($0.info.id, $0.index.ward(longitude: longitude, latitude: latitude, context: context)) }
        }
    }

    public struct LoadedWardSet: Sendable {
        public var info: WardSetInfo
        public var index: WardIndex
    }

    private let current: Mutex<Snapshot>
    private let currentCatalog: Mutex<ServiceCatalog>
    public let wardSetName: String?

    public init(_ snapshot: Snapshot, catalog: ServiceCatalog = .empty, wardSetName: String?) {
        current = Mutex(snapshot)
        currentCatalog = Mutex(catalog)
        self.wardSetName = wardSetName
    }

    public var snapshot: Snapshot { current.withLock { $0 } }
    public var catalog: ServiceCatalog { currentCatalog.withLock { $0 } }

    public static func load(from database: Database, wardSetName: String?) async throws -> CityIndexes {
        CityIndexes(try await loadSnapshot(database, wardSetName), catalog: try await CatalogStore(database: database).load(),
                    wardSetName: wardSetName)
    }

    /// Rebuilds everything: after an import of addresses, streets, corners or wards.
    public func reload(from database: Database) async throws {
        let fresh = try await Self.loadSnapshot(database, wardSetName)
        current.withLock { $0 = fresh }
        try await reloadCatalog(from: database)
    }

    /// Reloads the catalog only: after staff edit a rule or a service type.
    public func reloadCatalog(from database: Database) async throws {
        let fresh = try await CatalogStore(database: database).load()
        currentCatalog.withLock { $0 = fresh }
    }

    private static func loadSnapshot(_ database: Database, _ wardSetName: String?) async throws -> Snapshot {
        let geocoder = try await GeocoderStore(database: database).loadIndex()
        let store = WardSetStore(database: database)
        // No ward set yet is a valid state for a new city: answers then carry no ward.
        var chosen: WardSetInfo? = nil
        var all: [LoadedWardSet] = []
        let sets = try await store.list()
        if wardSetName != nil || !sets.isEmpty {
            chosen = try await store.set(named: wardSetName)
            for set in sets { all.append(LoadedWardSet(info: set, index: try await store.loadIndex(setID: set.id))) }
        }
        database.logger.info("indexes loaded", metadata: [
            "addresses": "\(geocoder.addressCount)", "learned_addresses": "\(geocoder.learnedCount)", "ward_set": "\(chosen?.name ?? "none")", "ward_sets": "\(all.count)",
        ])
        return Snapshot(geocoder: geocoder, wards: all.first { $0.info.id == chosen?.id }?.index, wardSet: chosen, allWardSets: all)
    }
}
