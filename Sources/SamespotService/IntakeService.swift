import Foundation
import SamespotCore
import SamespotGeo
import SamespotStore

/// A request as a caller sends it: a type, where (coordinates, an address id or an address),
/// what, who, and the answers to the type's questions.
public struct NewRequest: Sendable {
    public var serviceCode: String
    public var description: String
    public var longitude: Double?
    public var latitude: Double?
    /// An id from the city's address table (Open311 `address_id`).
    public var addressID: Int64?
    public var address: String?
    public var channel: String
    public var requester: PreparedIntake.Requester?
    public var attributes: [String: [String]]
    public var mediaURL: String
    /// Who took it, for the history and audit log: the API key's role and id.
    public var actor: String
    /// The caller's Idempotency-Key and whose it is (its API key): a retry returns the same case.
    public var idempotencyKey: (scope: String, key: String)?
    /// A photo sent with the request (its `contentType` is read from its bytes at intake).
    public var photo: IntakePhoto?

    public init(serviceCode: String, description: String = "", longitude: Double? = nil, latitude: Double? = nil,
                addressID: Int64? = nil, address: String? = nil, channel: String = "api",
                requester: PreparedIntake.Requester? = nil, attributes: [String: [String]] = [:], mediaURL: String = "",
                actor: String = "intake") {
        self.serviceCode = serviceCode; self.description = description
        self.longitude = longitude; self.latitude = latitude; self.addressID = addressID; self.address = address
        self.channel = channel; self.requester = requester; self.attributes = attributes; self.mediaURL = mediaURL
        self.actor = actor
    }
}

/// Why intake refused a request before storing anything; each names what to change.
public enum IntakeError: Refusal, Equatable {
    case unknownServiceCode(String)
    case inactiveServiceCode(String)
    case attributes(String)
    case unknownAddressID(Int64)
    case outsideCity(latitude: Double, longitude: Double)
    case photo(String)

    public var kind: RefusalKind { .unprocessable }

    public var description: String {
        switch self {
        case .unknownServiceCode(let code): return "unknown service_code \(code): see the list of services"
        case .inactiveServiceCode(let code): return "service_code \(code) no longer takes requests: see the list of services"
        case .attributes(let message): return message
        case .unknownAddressID(let id): return "address_id \(id) is not in the city's address table"
        case .outsideCity(let lat, let long): return "\(lat), \(long) is outside the city (in no ward)"
        case .photo(let message): return message
        }
    }
}

/// What intake did: the stored case and where it was placed.
public struct IntakeReceipt: Sendable {
    public var outcome: IntakeOutcome
    /// The geocoder's answer, when an address was sent.
    public var geocode: GeocodeResult?
    public var latitude: Double?
    public var longitude: Double?
    public var precision: LocationPrecision
    /// The address the case is filed at (the matched one when geocoded).
    public var address: String
    /// In the ward set answers use.
    public var ward: String?
}

/// The intake pipeline: check the type and its questions → geocode (or take the caller's point,
/// or the address id's) → project → ward in every set → store with the dedup decision, in one
/// transaction. A failed geocode never blocks intake: the request is stored without a point and
/// is simply not merged.
public struct IntakeService: Sendable {
    public let indexes: CityIndexes
    public let projections: ProjectionPool
    public let store: IntakeStore
    /// The cases in memory, when kept: they tell intake which reports surely have a candidate
    /// parent, so those skip the one-statement try (`IntakeStore.insert`).
    public let mirror: CaseMirror?

    public init(indexes: CityIndexes, projections: ProjectionPool, store: IntakeStore, mirror: CaseMirror? = nil) {
        self.indexes = indexes
        self.projections = projections
        self.store = store
        self.mirror = mirror
    }

    /// The type as the catalog holds it; a type added since the catalog was loaded (an import
    /// in another process) is read from PostgreSQL and triggers a reload.
    public func serviceType(_ code: String) async throws -> ServiceType? {
        if let known = indexes.catalog.types[code] { return known }
        guard let fresh = try await CatalogStore(database: store.database).type(code) else { return nil }
        try await indexes.reloadCatalog(from: store.database)
        return fresh
    }

    public func submit(_ request: NewRequest) async throws -> IntakeReceipt {
        guard let type = try await serviceType(request.serviceCode) else { throw IntakeError.unknownServiceCode(request.serviceCode) }
        guard type.active else { throw IntakeError.inactiveServiceCode(request.serviceCode) }
        let photo = try request.photo.map(Self.checked)
        let attributes: [String: [String]]
        switch ServiceAttribute.validate(request.attributes, against: type.attributes) {
        case .success(let accepted): attributes = accepted
        case .failure(let error): throw IntakeError.attributes(error.message)
        }

        let snapshot = indexes.snapshot
        var longitude = request.longitude, latitude = request.latitude
        var precision: LocationPrecision = longitude == nil ? .none : .caller
        var addressKey = "", blockKey = "", addressText = request.address ?? ""
        var addressID: Int64?
        var geocode: GeocodeResult?
        if longitude == nil, let id = request.addressID {
            guard let point = snapshot.geocoder.address(id: id) else { throw IntakeError.unknownAddressID(id) }
            (longitude, latitude, precision) = (point.longitude, point.latitude, .addressPoint)
            (addressKey, blockKey, addressID) = (point.address, point.block, id)
            if addressText.isEmpty { addressText = point.address }
        } else if let address = request.address, !address.isEmpty {
            let result = snapshot.geocoder.geocode(address)
            geocode = result
            if longitude == nil, let lon = result.longitude, let lat = result.latitude, result.isPreciseEnoughToMerge {
                longitude = lon; latitude = lat; precision = result.precision
            }
            if result.method == .addressPoint || result.method == .learned || result.method == .interpolated || result.method == .snapped {
                addressKey = result.matched ?? ""
                blockKey = result.block ?? ""
                addressID = result.addressID
                // Filed at the address as the city writes it, with the unit the caller gave.
                addressText = [result.matched, result.unit.map { "UNIT \($0)" }].compactMap { $0 }.joined(separator: " ")
            }
        } else if let lon = longitude, let lat = latitude, let nearest = snapshot.geocoder.reverse(longitude: lon, latitude: lat, maxDistance: 30) {
            // A pin on a door: the address it is at lets address and block rules apply too.
            addressKey = nearest.address
            blockKey = nearest.block
            addressText = nearest.address
        }
        var x: Double?, y: Double?
        if let lon = longitude, let lat = latitude, precision.isPreciseEnoughToMerge,
           let metres = try projections.forwardMetres(longitude: lon, latitude: lat) {
            (x, y) = (metres.x, metres.y)
        }
        var wards: [(setID: Int, ward: String?)] = []
        if let lon = longitude, let lat = latitude {
            wards = snapshot.placeInEveryWardSet(longitude: lon, latitude: lat, context: GEOSContext())
            // A point in no ward of the set in use is not the city's to fix.
            if let inUse = snapshot.wardSet, wards.first(where: { $0.setID == inUse.id })?.ward == nil {
                throw IntakeError.outsideCity(latitude: lat, longitude: lon)
            }
        }
        let wardInUse = wards.first { $0.setID == snapshot.wardSet?.id }?.ward ?? nil
        let catalog = indexes.catalog
        let assignment = catalog.routing.route(serviceCode: type.code, group: type.group, ward: wardInUse, typeDepartment: type.department)
        var prepared = PreparedIntake(
            serviceCode: request.serviceCode, description: request.description, channel: request.channel,
            requester: request.requester, address: addressText, addressID: addressID, addressKey: addressKey, blockKey: blockKey,
            longitude: longitude, latitude: latitude, precision: precision, x: x, y: y, wards: wards,
            attributes: attributes, mediaURL: request.mediaURL, rule: catalog.rule(for: type), actor: request.actor,
            assignment: assignment, priority: type.priority, standard: type.standard)
        prepared.expediteReason = Expedite.reason(forChannel: request.channel)
        prepared.photo = photo
        prepared.idempotency = request.idempotencyKey.map {
            IdempotencyClaim(scope: $0.scope, key: $0.key, fingerprint: Self.fingerprint(of: request))
        }
        let outcome = try await store.insert(prepared, calendar: catalog.calendar, choose: catalog.parentChooser(for: type),
                                             likelyAlone: await likelyAlone(prepared))
        return IntakeReceipt(outcome: outcome, geocode: geocode, latitude: latitude, longitude: longitude, precision: precision,
                             address: addressKey.isEmpty ? addressText : addressKey,
                             ward: wardInUse)
    }

    /// Whether the cases in memory hold no candidate parent for `intake`: a guess, since they
    /// lag PostgreSQL by up to a second or two, which the one statement checks under the locks.
    /// True when they are not kept or not loaded.
    private func likelyAlone(_ intake: PreparedIntake) async -> Bool {
        let rule = intake.rule
        guard let mirror, rule.enabled, intake.precision.isPreciseEnoughToMerge, let x = intake.x, let y = intake.y else { return true }
        let since = Date(timeIntervalSinceNow: -rule.windowSeconds)
        let held = await mirror.peek { table in
            table.spots.holdsCandidate(serviceCode: intake.serviceCode, x: x, y: y, radius: rule.radiusMetres,
                                       addressKey: intake.addressKey, blockKey: intake.blockKey, since: since)
        }
        return held != true
    }

    /// The largest photo a request may carry: the largest document a case keeps.
    public static let maxPhotoBytes = CaseService.maxDocumentBytes

    /// A photo as the case keeps it: a picture by its own bytes (JPEG, PNG, GIF or WebP), with
    /// its type read from them, and a file name staff can save it under.
    static func checked(_ photo: IntakePhoto) throws -> IntakePhoto {
        guard photo.bytes.count <= maxPhotoBytes else {
            throw IntakeError.photo("the photo is \(photo.bytes.count) bytes; at most \(maxPhotoBytes >> 20) MiB")
        }
        guard let type = FileSignature.contentType(of: photo.bytes), type.hasPrefix("image/") else {
            throw IntakeError.photo("media is not a JPEG, PNG, GIF or WebP picture; send the photo in one of those formats")
        }
        // The name as the app sent it, without any folder; a plain one when it sent none.
        let name = photo.fileName.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let fallback = "photo." + (type.split(separator: "/").last.map(String.init) ?? "jpg")
        return IntakePhoto(fileName: name.isEmpty ? fallback : String(name.prefix(200)), contentType: type, bytes: photo.bytes)
    }

    /// What a request asks, canonical (sorted keys), whatever its wire form: JSON or Open311's
    /// form encoding of the same request have the same fingerprint.
    static func fingerprint(of request: NewRequest) -> String {
        struct Canonical: Encodable {
            var serviceCode: String, description: String, longitude: Double?, latitude: Double?, addressID: Int64?, address: String?
            var channel: String, requester: [String], attributes: [String: [String]], mediaURL: String
            /// The photo's SHA-256 (absent without one, so a request with none keeps its fingerprint).
            var photoSHA256: String?
        }
        let canonical = Canonical(
            serviceCode: request.serviceCode, description: request.description, longitude: request.longitude, latitude: request.latitude,
            addressID: request.addressID, address: request.address, channel: request.channel, requester: fields(of: request.requester),
            attributes: request.attributes, mediaURL: request.mediaURL,
            photoSHA256: request.photo.map { $0.sha256.map { String(format: "%02x", $0) }.joined() })
        return canonicalJSON(canonical)
    }

    /// The claim for joining a caller to a case.
    public static func joinClaim(scope: String, key: String, tracking: String, caller: IntakeStore.JoiningCaller) -> IdempotencyClaim {
        struct Canonical: Encodable { var join: String; var description: String; var channel: String; var requester: [String] }
        let fingerprint = canonicalJSON(Canonical(
            join: tracking, description: caller.description, channel: caller.channel, requester: fields(of: caller.requester)))
        return IdempotencyClaim(scope: scope, key: key, fingerprint: fingerprint)
    }

    /// The requester as the fingerprint spells it: every field, in order, "" for none.
    private static func fields(of r: PreparedIntake.Requester?) -> [String] {
        [r?.firstName, r?.lastName, r?.email, r?.phone, r?.postalAddress, r?.preferredContact].map { $0 ?? "" }
    }

    private static func canonicalJSON(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(value)) ?? Data(), as: UTF8.self)
    }

    /// Adds a caller to an open case ("already reported"): see `IntakeStore.join`.
    public func join(_ tracking: String, caller: IntakeStore.JoiningCaller) async throws -> IntakeOutcome {
        try await store.join(tracking, caller: caller, calendar: indexes.catalog.calendar)
    }
}
