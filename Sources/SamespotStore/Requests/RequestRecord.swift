import Foundation
import SamespotCore

/// A request as the public and staff read it: no personal data (names, emails, phones stay in
/// `requesters`). The HTTP layer decides how much of it each caller sees (sensitive types are
/// rounded to the block for the public).
public struct RequestRecord: Sendable, Equatable {
    public var requestID: Int64
    public var serviceRequestID: String
    public var status: CaseStatus
    public var statusNotes: String
    public var serviceName: String
    public var serviceCode: String
    public var description: String
    public var department: String
    public var requestedAt: Date
    public var updatedAt: Date
    /// The response deadline (7 business days): Open311's `expected_datetime`.
    public var respondDueAt: Date?
    public var address: String
    public var addressID: Int64?
    public var zipCode: String
    public var latitude: Double?
    public var longitude: Double?
    public var locationPrecision: String
    public var blockKey: String
    public var mediaURL: String
    public var token: String
    public var parentServiceRequestID: String?
    public var childCount: Int
    public var channel: String
    /// In the ward set the query asked for.
    public var ward: String?
    public var sensitive: Bool

    /// What happened to it, oldest first: status changes, public notes, requests merged into it.
    public var notes: [Note] = []

    public struct Note: Sendable, Equatable {
        public enum Kind: String, Sendable { case status, note, childRequest = "child_request" }
        public var at: Date
        public var kind: Kind
        public var summary: String
        public var description: String
    }
}

/// Which requests a list asks for (Open311 GET requests, with the extensions cities use).
public struct RequestFilter: Sendable {
    /// When given, the other filters are ignored (as the spec says).
    public var serviceRequestIDs: [String]?
    public var serviceCodes: [String]?
    public var statuses: [CaseStatus]?
    public var requestedFrom: Date?
    public var requestedTo: Date?
    public var updatedAfter: Date?
    public var updatedBefore: Date?
    public var ward: String?
    public var limit: Int
    public var offset: Int

    public init(serviceRequestIDs: [String]? = nil, serviceCodes: [String]? = nil, statuses: [CaseStatus]? = nil,
                requestedFrom: Date? = nil, requestedTo: Date? = nil, updatedAfter: Date? = nil, updatedBefore: Date? = nil,
                ward: String? = nil, limit: Int = 1_000, offset: Int = 0) {
        self.serviceRequestIDs = serviceRequestIDs; self.serviceCodes = serviceCodes; self.statuses = statuses
        self.requestedFrom = requestedFrom; self.requestedTo = requestedTo
        self.updatedAfter = updatedAfter; self.updatedBefore = updatedBefore; self.ward = ward
        self.limit = limit; self.offset = offset
    }
}
