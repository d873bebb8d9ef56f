import Foundation

/// A case as the city keeps it: its own fields, who answers it, its family, why it was merged,
/// and everything that happened to it. Staff read it; it carries no resident's name or contacts
/// (those stay in `requesters`, and letters reach them through the outbox).
public struct CaseRecord: Sendable, Equatable {
    public struct Child: Sendable, Equatable {
        public var serviceRequestId: String
        public var status: CaseStatus
        public var requestedAt: Date
        public init(serviceRequestId: String, status: CaseStatus, requestedAt: Date) { self.serviceRequestId = serviceRequestId; self.status = status; self.requestedAt = requestedAt }
    }
    public struct Decision: Sendable, Equatable {
        public var parentServiceRequestId: String
        public var distanceM: Double?
        public var ageSeconds: Double
        public var score: Double
        /// `engine` (at intake), `staff` (by hand), `join` (a caller added at intake) or `city`
        /// (the city's own link, from its history).
        public var kind: String
        public var decidedBy: String
        public var decidedAt: Date
        public var revertedAt: Date?
        /// The learned model's reasons, when it made the merge.
        public var explanation: LearnedDedupDecision?

        public init(parentServiceRequestId: String, distanceM: Double? = nil, ageSeconds: Double, score: Double, kind: String, decidedBy: String, decidedAt: Date, revertedAt: Date? = nil,
                    explanation: LearnedDedupDecision? = nil) {
            self.parentServiceRequestId = parentServiceRequestId; self.distanceM = distanceM; self.ageSeconds = ageSeconds; self.score = score
            self.kind = kind; self.decidedBy = decidedBy; self.decidedAt = decidedAt; self.revertedAt = revertedAt; self.explanation = explanation
        }
    }
    public struct HistoryEntry: Sendable, Equatable {
        public var status: CaseStatus
        public var at: Date
        public var actor: String
        public var note: String
        /// Who was responsible at the time.
        public var responsible: String

        public init(status: CaseStatus, at: Date, actor: String, note: String, responsible: String) { self.status = status; self.at = at; self.actor = actor; self.note = note; self.responsible = responsible }
    }
    public struct AuditEntry: Sendable, Equatable {
        public var action: String
        public var actor: String
        public var at: Date
        public var details: String
        public init(action: String, actor: String, at: Date, details: String) { self.action = action; self.actor = actor; self.at = at; self.details = details }
    }
    public struct Note: Sendable, Equatable {
        public var author: String
        public var body: String
        public var isPublic: Bool
        public var at: Date
        public init(author: String, body: String, isPublic: Bool, at: Date) { self.author = author; self.body = body; self.isPublic = isPublic; self.at = at }
    }
    public struct ActionTaken: Sendable, Equatable {
        public var description: String
        public var actor: String
        public var at: Date
        public init(description: String, actor: String, at: Date) { self.description = description; self.actor = actor; self.at = at }
    }
    public struct Document: Sendable, Equatable {
        public var id: Int64
        public var fileName: String
        public var contentType: String
        public var byteSize: Int
        public var description: String
        public var uploadedBy: String
        public var uploadedAt: Date

        public init(id: Int64, fileName: String, contentType: String, byteSize: Int, description: String, uploadedBy: String, uploadedAt: Date) { self.id = id; self.fileName = fileName; self.contentType = contentType; self.byteSize = byteSize; self.description = description; self.uploadedBy = uploadedBy; self.uploadedAt = uploadedAt }
    }
    /// A letter sent or waiting: what and how, never to whom (that is the resident's data).
    public struct Letter: Sendable, Equatable {
        public var kind: String
        public var channel: String
        public var subject: String
        public var createdAt: Date
        public var sentAt: Date?

        public init(kind: String, channel: String, subject: String, createdAt: Date, sentAt: Date? = nil) { self.kind = kind; self.channel = channel; self.subject = subject; self.createdAt = createdAt; self.sentAt = sentAt }
    }
    public struct Evaluation: Sendable, Equatable {
        public var rating: Int
        public var comment: String
        public var recordedAt: Date
        public init(rating: Int, comment: String, recordedAt: Date) { self.rating = rating; self.comment = comment; self.recordedAt = recordedAt }
    }

    public var serviceRequestId: String
    public var serviceCode: String
    public var serviceName: String
    public var status: CaseStatus
    public var statusNotes: String
    /// The request's text as the resident gave it, never edited.
    public var description: String
    public var address: String
    public var latitude: Double?
    public var longitude: Double?
    public var locationPrecision: String
    public var requestedAt: Date
    public var updatedAt: Date
    public var parentServiceRequestId: String?
    public var childCount: Int
    public var priority: Int
    public var department: String
    public var departmentName: String
    /// The person responsible, once someone is: "name, title".
    public var responsible: Staff?
    public var expedited: Bool
    public var expediteReason: String
    public var acknowledgeDueAt: Date?
    public var respondDueAt: Date?
    public var respondDueReason: String
    public var acknowledgedAt: Date?
    public var closedAt: Date?
    public var ward: String?
    public var children: [Child] = []
    public var decisions: [Decision] = []
    public var history: [HistoryEntry] = []
    public var notes: [Note] = []
    public var actions: [ActionTaken] = []
    public var documents: [Document] = []
    public var letters: [Letter] = []
    public var evaluation: Evaluation?
    public var audit: [AuditEntry] = []

    public init(serviceRequestId: String,
                serviceCode: String,
                serviceName: String,
                status: CaseStatus,
                statusNotes: String,
                description: String,
                address: String,
                latitude: Double?,
                longitude: Double?,
                locationPrecision: String,
                requestedAt: Date,
                updatedAt: Date,
                parentServiceRequestId: String?,
                childCount: Int,
                priority: Int,
                department: String,
                departmentName: String,
                responsible: Staff?,
                expedited: Bool,
                expediteReason: String,
                acknowledgeDueAt: Date?,
                respondDueAt: Date?,
                respondDueReason: String,
                acknowledgedAt: Date?,
                closedAt: Date?,
                ward: String?) {
        self.serviceRequestId = serviceRequestId
        self.serviceCode = serviceCode
        self.serviceName = serviceName
        self.status = status
        self.statusNotes = statusNotes
        self.description = description
        self.address = address
        self.latitude = latitude
        self.longitude = longitude
        self.locationPrecision = locationPrecision
        self.requestedAt = requestedAt
        self.updatedAt = updatedAt
        self.parentServiceRequestId = parentServiceRequestId
        self.childCount = childCount
        self.priority = priority
        self.department = department
        self.departmentName = departmentName
        self.responsible = responsible
        self.expedited = expedited
        self.expediteReason = expediteReason
        self.acknowledgeDueAt = acknowledgeDueAt
        self.respondDueAt = respondDueAt
        self.respondDueReason = respondDueReason
        self.acknowledgedAt = acknowledgedAt
        self.closedAt = closedAt
        self.ward = ward
    }

    /// Whether the case kept (or is keeping) its deadlines, as of `now`.
    public func deadlines(now: Date) -> DeadlineCheck {
        DeadlineCheck(acknowledgeDue: acknowledgeDueAt?.timeIntervalSince1970, acknowledgedAt: acknowledgedAt?.timeIntervalSince1970,
                      respondDue: respondDueAt?.timeIntervalSince1970, closedAt: closedAt?.timeIntervalSince1970,
                      now: now.timeIntervalSince1970)
    }
}

/// A member of staff: letters are signed with the name and title.
public struct Staff: Sendable, Equatable, Codable {
    public var id: Int64
    public var name: String
    public var title: String
    public var department: String
    public var active: Bool

    public init(id: Int64, name: String, title: String, department: String, active: Bool = true) {
        self.id = id; self.name = name; self.title = title; self.department = department; self.active = active
    }

    /// "Jane Roe, Pothole crew lead".
    public var signature: String { title.isEmpty ? name : "\(name), \(title)" }
}

/// A department that answers cases.
public struct Department: Sendable, Equatable, Codable {
    public var code: String
    public var name: String
    public var active: Bool

    public init(code: String, name: String, active: Bool = true) {
        self.code = code; self.name = name; self.active = active
    }
}
