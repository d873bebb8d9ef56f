import Foundation
import SamespotCore

// The wire types of the case endpoints: their bodies, and the case record as staff read it.

extension CaseRoutes {
    struct MergeBody: Decodable { var parent: String }
    /// `status`: acknowledged, in_progress, referred (with `department`), closed, canceled or
    /// reopened (both with the reason in `note`).
    struct StatusBody: Decodable { var status: String; var note: String?; var department: String?; var staffId: Int64? }
    struct NoteBody: Decodable { var note: String; var `public`: Bool? }
    struct AssignmentBody: Decodable { var department: String; var staffId: Int64?; var note: String? }
    struct DeadlineBody: Decodable { var respondBy: String; var reason: String }
    struct ReasonBody: Decodable { var reason: String }
    struct ActionBody: Decodable { var description: String }
    struct EvaluationBody: Decodable { var rating: Int; var comment: String? }
    struct DocumentAnswer: Encodable { var documentId: Int64; var `case`: CaseAnswer }
}

/// A case as staff read it (`GET /v1/cases/{id}` and every case action's answer). No
/// resident's name or contacts: letters name their kind and channel only.
struct CaseAnswer: Encodable {
    struct Child: Encodable { var serviceRequestId: String; var status: String; var requestedAt: Date }
    struct Decision: Encodable {
        var parentServiceRequestId: String
        var distanceM: Double?
        var ageSeconds: Double
        var score: Double
        var kind: String
        var decidedBy: String
        var decidedAt: Date
        var revertedAt: Date?
        var model: ModelReasons?
    }
    struct HistoryEntry: Encodable { var status: String; var label: String; var at: Date; var actor: String; var note: String; var responsible: String }
    struct Note: Encodable { var author: String; var body: String; var `public`: Bool; var at: Date }
    struct ActionTaken: Encodable { var description: String; var actor: String; var at: Date }
    struct Document: Encodable {
        var documentId: Int64
        var fileName: String
        var contentType: String
        var byteSize: Int
        var description: String
        var uploadedBy: String
        var uploadedAt: Date
    }
    struct Letter: Encodable { var kind: String; var channel: String; var subject: String; var createdAt: Date; var sentAt: Date? }
    struct Evaluation: Encodable { var rating: Int; var comment: String; var recordedAt: Date }
    struct Responsible: Encodable { var staffId: Int64; var name: String; var title: String }
    struct Deadlines: Encodable { var acknowledgeBreached: Bool; var respondBreached: Bool }
    struct AuditEntry: Encodable { var action: String; var actor: String; var at: Date; var details: String }

    var serviceRequestId: String
    var serviceCode: String
    var serviceName: String
    var status: String
    var statusLabel: String
    var statusNotes: String
    var description: String
    var address: String
    var latitude: Double?
    var longitude: Double?
    var locationPrecision: String
    var requestedAt: Date
    var updatedAt: Date
    var parentServiceRequestId: String?
    var childCount: Int
    var priority: Int
    var department: String
    var departmentName: String
    var responsible: Responsible?
    var expedited: Bool
    var expediteReason: String
    var acknowledgeDueAt: Date?
    var respondDueAt: Date?
    var respondDueReason: String
    var acknowledgedAt: Date?
    var closedAt: Date?
    var deadlines: Deadlines
    var ward: String?
    var children: [Child]
    var decisions: [Decision]
    var history: [HistoryEntry]
    var notes: [Note]
    var actions: [ActionTaken]
    var documents: [Document]
    var letters: [Letter]
    var evaluation: Evaluation?
    var audit: [AuditEntry]

    init(_ r: CaseRecord, now: Date = Date()) {
        serviceRequestId = r.serviceRequestId; serviceCode = r.serviceCode; serviceName = r.serviceName
        status = r.status.rawValue; statusLabel = r.status.label; statusNotes = r.statusNotes; description = r.description
        address = r.address; latitude = r.latitude; longitude = r.longitude; locationPrecision = r.locationPrecision
        requestedAt = r.requestedAt; updatedAt = r.updatedAt; parentServiceRequestId = r.parentServiceRequestId
        childCount = r.childCount; priority = r.priority; department = r.department; departmentName = r.departmentName
        responsible = r.responsible.map { Responsible(staffId: $0.id, name: $0.name, title: $0.title) }
        expedited = r.expedited; expediteReason = r.expediteReason
        acknowledgeDueAt = r.acknowledgeDueAt; respondDueAt = r.respondDueAt; respondDueReason = r.respondDueReason
        acknowledgedAt = r.acknowledgedAt; closedAt = r.closedAt
        let check = r.deadlines(now: now)
        deadlines = Deadlines(acknowledgeBreached: check.acknowledgeBreached, respondBreached: check.respondBreached)
        ward = r.ward
        children = r.children.map { Child(serviceRequestId: $0.serviceRequestId, status: $0.status.rawValue, requestedAt: $0.requestedAt) }
        decisions = r.decisions.map {
            Decision(parentServiceRequestId: $0.parentServiceRequestId, distanceM: $0.distanceM, ageSeconds: $0.ageSeconds, score: $0.score,
                     kind: $0.kind, decidedBy: $0.decidedBy, decidedAt: $0.decidedAt, revertedAt: $0.revertedAt,
                     model: $0.explanation.map(ModelReasons.init))
        }
        history = r.history.map {
            HistoryEntry(status: $0.status.rawValue, label: $0.status.label, at: $0.at, actor: $0.actor, note: $0.note, responsible: $0.responsible)
        }
        notes = r.notes.map { Note(author: $0.author, body: $0.body, public: $0.isPublic, at: $0.at) }
        actions = r.actions.map { ActionTaken(description: $0.description, actor: $0.actor, at: $0.at) }
        documents = r.documents.map {
            Document(documentId: $0.id, fileName: $0.fileName, contentType: $0.contentType, byteSize: $0.byteSize,
                     description: $0.description, uploadedBy: $0.uploadedBy, uploadedAt: $0.uploadedAt)
        }
        letters = r.letters.map { Letter(kind: $0.kind, channel: $0.channel, subject: $0.subject, createdAt: $0.createdAt, sentAt: $0.sentAt) }
        evaluation = r.evaluation.map { Evaluation(rating: $0.rating, comment: $0.comment, recordedAt: $0.recordedAt) }
        audit = r.audit.map { AuditEntry(action: $0.action, actor: $0.actor, at: $0.at, details: $0.details) }
    }
}
