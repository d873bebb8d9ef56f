import Foundation
import HTTPTypes
import Hummingbird
import SamespotCore
import SamespotService
import SamespotStore

/// Staff endpoints on one case: its record; status changes (a parent's flows to its children,
/// and its residents get the letter); assignment, a new date, expediting; hand merges and
/// unmerges; notes, actions taken, documents and the resident's evaluation. The rules are the
/// lifecycle's (`CaseLifecycle`, `CaseFamily`); refusals come back as 404, 409 or 422.
struct CaseRoutes {
    let cases: CaseService

    static let maxNote = 4_000

    func register(on api: APIRouter) {
        api.get("/v1/cases/{id}") { _, context in
            _ = try context.require(.readCases)
            return try Self.answer(try await cases.record(try context.parameters.require("id")))
        }
        api.post("/v1/cases/{id}/status") { request, context in
            let actor = try Self.actor(context, .workCases)
            let body: StatusBody = try await JSONBody.decode(request, limit: 1 << 16,
                example: #"{"status": "closed", "note": "filled"} or {"status": "referred", "department": "DWM", "note": "water main"}"#)
            let note = try Self.text(body.note, field: "note")
            let action: CaseAction
            switch CaseStatus(rawValue: body.status) {
            case .acknowledged: action = .acknowledge(note: note)
            case .inProgress: action = .startWork(note: note)
            case .referred:
                guard let department = body.department?.trimmingASCIIWhitespace(), !department.isEmpty else {
                    throw APIError.badRequest("a referral names the department it goes to: add \"department\"")
                }
                action = .refer(to: Assignment(department: department, staffID: body.staffId), note: note)
            case .closed: action = .close(note: note)
            case .canceled: action = .cancel(reason: note)
            case .reopened: action = .reopen(reason: note)
            case .open:
                throw APIError.unprocessable("a case is received once; to open a closed case again, set reopened with the reason in note")
            case nil:
                throw APIError.badRequest("status \(body.status.prefix(40)) is not one of "
                                          + CaseStatus.allCases.filter { $0 != .open }.map(\.rawValue).joined(separator: ", "))
            }
            return try Self.answer(try await cases.act(try context.parameters.require("id"), action, by: actor))
        }
        api.post("/v1/cases/{id}/assignment") { request, context in
            let actor = try Self.actor(context, .workCases)
            let body: AssignmentBody = try await JSONBody.decode(request, limit: 1 << 16, example: #"{"department": "CDOT", "staff_id": 3}"#)
            try TextCheck.singleLine(body.department, field: "department")
            let action = CaseAction.reassign(to: Assignment(department: body.department, staffID: body.staffId),
                                             note: try Self.text(body.note, field: "note"))
            return try Self.answer(try await cases.act(try context.parameters.require("id"), action, by: actor))
        }
        api.post("/v1/cases/{id}/deadline") { request, context in
            let actor = try Self.actor(context, .workCases)
            let body: DeadlineBody = try await JSONBody.decode(request, limit: 1 << 16,
                                                               example: #"{"respond_by": "2026-12-15", "reason": "parts are on order"}"#)
            guard let date = CivilDate(parsing: body.respondBy) else { throw APIError.badRequest("respond_by must be a date, YYYY-MM-DD") }
            let action = CaseAction.setNewDate(date, reason: try Self.text(body.reason, field: "reason"))
            return try Self.answer(try await cases.act(try context.parameters.require("id"), action, by: actor))
        }
        api.post("/v1/cases/{id}/expedite") { request, context in
            let actor = try Self.actor(context, .workCases)
            let body: ReasonBody = try await JSONBody.decode(request, limit: 1 << 16, example: #"{"reason": "imminent harm: live wire down"}"#)
            let action = CaseAction.expedite(reason: try Self.text(body.reason, field: "reason"))
            return try Self.answer(try await cases.act(try context.parameters.require("id"), action, by: actor))
        }
        api.post("/v1/cases/{id}/merge") { request, context in
            let actor = try Self.actor(context, .workCases)
            let body: MergeBody = try await JSONBody.decode(request, limit: 1 << 16, example: #"{"parent": "SS26-00000001"}"#)
            try TextCheck.singleLine(body.parent, field: "parent")
            return try Self.answer(try await cases.merge(try context.parameters.require("id"), into: body.parent, by: actor))
        }
        api.post("/v1/cases/{id}/unmerge") { _, context in
            let actor = try Self.actor(context, .workCases)
            return try Self.answer(try await cases.unmerge(try context.parameters.require("id"), by: actor))
        }
        api.post("/v1/cases/{id}/notes") { request, context in
            let actor = try Self.actor(context, .addNotes)
            let body: NoteBody = try await JSONBody.decode(request, limit: 1 << 16, example: #"{"note": "crew sent", "public": true}"#)
            let note = try Self.required(body.note, field: "note")
            let record = try await cases.addNote(try context.parameters.require("id"), body: note, isPublic: body.public ?? false, by: actor)
            return try Self.answer(record, status: .created)
        }
        api.post("/v1/cases/{id}/actions") { request, context in
            let actor = try Self.actor(context, .workCases)
            let body: ActionBody = try await JSONBody.decode(request, limit: 1 << 16, example: #"{"description": "crew filled the hole"}"#)
            let text = try Self.required(body.description, field: "description")
            return try Self.answer(try await cases.addAction(try context.parameters.require("id"), description: text, by: actor), status: .created)
        }
        api.post("/v1/cases/{id}/documents") { request, context in
            let actor = try Self.actor(context, .addNotes)
            let query = QueryParameters(request)
            guard let name = try query.string("file_name") else {
                throw APIError.badRequest("file_name is required: POST the file's bytes to /v1/cases/{id}/documents?file_name=letter.pdf")
            }
            guard name.count <= 200, !name.contains("/"), !name.contains("\\") else {
                throw APIError.badRequest("file_name must be a name of at most 200 characters, without / or \\")
            }
            let description = try query.text("description") ?? ""
            let buffer: ByteBuffer
            do { buffer = try await request.body.collect(upTo: CaseService.maxDocumentBytes) } catch {
                throw APIError(.contentTooLarge, "the file is larger than \(CaseService.maxDocumentBytes >> 20) MiB")
            }
            let (id, record) = try await cases.attach(NewDocument(fileName: name, bytes: Array(buffer: buffer), description: description),
                                                      to: try context.parameters.require("id"), by: actor)
            return try JSONResponse.encode(DocumentAnswer(documentId: id, case: CaseAnswer(record)), status: .created)
        }
        api.get("/v1/cases/{id}/documents/{document}") { _, context in
            _ = try context.require(.readDocuments)
            guard let documentID = Int64(try context.parameters.require("document")) else {
                throw APIError.badRequest("the document id is a whole number")
            }
            let document = try await cases.document(try context.parameters.require("id"), id: documentID)
            let safeName = String(document.fileName.unicodeScalars.filter { $0.isASCII && $0 != "\"" && $0.value >= 32 }.map(Character.init))
            return Response(status: .ok, headers: [
                .contentType: document.contentType, .contentDisposition: "attachment; filename=\"\(safeName)\"",
                HTTPField.Name("X-Content-Type-Options")!: "nosniff",
            ], body: .init(byteBuffer: document.bytes))
        }
        api.post("/v1/cases/{id}/evaluation") { request, context in
            let actor = try Self.actor(context, .recordEvaluations)
            let body: EvaluationBody = try await JSONBody.decode(request, limit: 1 << 16, example: #"{"rating": 4, "comment": "quick, thank you"}"#)
            let comment = try Self.text(body.comment, field: "comment")
            return try Self.answer(try await cases.evaluate(try context.parameters.require("id"), rating: body.rating, comment: comment, by: actor))
        }
    }

    static func actor(_ context: SamespotRequestContext, _ permission: Permission) throws -> Actor {
        let principal = try context.require(permission)
        return Actor(name: principal.actor, keyID: principal.keyID)
    }

    static func answer(_ record: CaseRecord, status: HTTPResponse.Status = .ok) throws -> Response {
        try JSONResponse.encode(CaseAnswer(record), status: status)
    }

    /// Optional multi-line text, trimmed; "" when absent.
    static func text(_ value: String?, field: String) throws -> String {
        let text = (value ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        try TextCheck.multiLine(text, field: field, maxLength: maxNote)
        return text
    }

    static func required(_ value: String, field: String) throws -> String {
        let text = try text(value, field: field)
        guard !text.isEmpty else { throw APIError.badRequest("\(field) is empty") }
        return text
    }
}
