import Foundation
import Hummingbird
import SamespotCore
import SamespotService
import SamespotStore

/// The letters: their templates (Mustache, edited by admins, refused when they do not compile)
/// and the outbox a mailer reads — e-mails, letters by post, and the phone call list — then
/// marks sent. The outbox holds residents' contacts, so only keys that send letters read it.
struct LetterRoutes {
    let letters: LetterService
    let clock: CityClock

    struct TemplateBody: Decodable { var subject: String; var body: String }
    struct TemplateAnswer: Encodable { var kind: String; var subject: String; var body: String; var updatedAt: Date; var updatedBy: String }
    struct SentBody: Decodable { var messageIds: [Int64] }
    struct OutboxAnswer: Encodable {
        var count: Int
        var messages: [Message]
        struct Message: Encodable {
            var messageId: Int64
            var serviceRequestId: String
            var aboutServiceRequestId: String
            var kind: String
            var channel: String
            var recipientName: String
            var recipient: String
            var subject: String
            var body: String
            var createdAt: String
            var sentAt: String?
        }
    }

    func register(on api: APIRouter) {
        api.get("/v1/letters/templates") { _, context in
            _ = try context.require(.editLetters)
            return try JSONResponse.encode(["templates": try await letters.templates().map(Self.answer)])
        }
        api.put("/v1/letters/templates/{kind}") { request, context in
            let principal = try context.require(.editLetters)
            let name = try context.parameters.require("kind")
            guard let kind = LetterKind(rawValue: name) else {
                throw APIError.notFound("no letter \(name.prefix(40)): the letters are \(LetterKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let body: TemplateBody = try await JSONBody.decode(request, limit: 1 << 16,
                example: #"{"subject": "Your request {{tracking}}", "body": "Dear {{resident}}, …"}"#)
            let subject = body.subject.trimmingASCIIWhitespace()
            guard !subject.isEmpty, subject.count <= 300 else { throw APIError.unprocessable("subject must be 1 to 300 characters") }
            try TextCheck.singleLine(subject, field: "subject")
            guard !body.body.trimmingASCIIWhitespace().isEmpty else { throw APIError.unprocessable("body is empty") }
            try TextCheck.multiLine(body.body, field: "body", maxLength: 20_000)
            try await letters.save(LetterTemplate(kind: kind, subject: subject, body: body.body), actor: principal.actor)
            guard let saved = try await letters.templates().first(where: { $0.kind == kind }) else {
                throw APIError.notFound("the \(kind.rawValue) template was not saved")
            }
            return try JSONResponse.encode(Self.answer(saved))
        }
        api.get("/v1/outbox") { request, context in
            _ = try context.require(.sendLetters)
            let query = QueryParameters(request)
            let channel = try query.string("channel")
            if let channel, !["email", "phone", "postal"].contains(channel) {
                throw APIError.badRequest("channel must be email, phone or postal")
            }
            let messages = try await letters.outbox(channel: channel, unsentOnly: try query.bool("unsent") ?? true,
                                                    limit: try query.int("limit", in: 1...10_000) ?? 500)
            return try JSONResponse.encode(OutboxAnswer(count: messages.count, messages: messages.map {
                .init(messageId: $0.id, serviceRequestId: $0.serviceRequestID, aboutServiceRequestId: $0.aboutServiceRequestID,
                      kind: $0.kind, channel: $0.channel, recipientName: $0.recipientName, recipient: $0.recipient, subject: $0.subject,
                      body: $0.body, createdAt: clock.w3c($0.createdAt), sentAt: $0.sentAt.map(clock.w3c))
            }))
        }
        api.post("/v1/outbox/sent") { request, context in
            let principal = try context.require(.sendLetters)
            let body: SentBody = try await JSONBody.decode(request, limit: 1 << 20, example: #"{"message_ids": [1, 2, 3]}"#)
            guard !body.messageIds.isEmpty, body.messageIds.count <= 10_000 else {
                throw APIError.unprocessable("message_ids must list 1 to 10000 messages")
            }
            let marked = try await letters.markSent(body.messageIds, actor: principal.actor)
            return try JSONResponse.encode(["marked_sent": marked])
        }
    }

    static func answer(_ t: LetterTemplate) -> TemplateAnswer {
        TemplateAnswer(kind: t.kind.rawValue, subject: t.subject, body: t.body, updatedAt: t.updatedAt, updatedBy: t.updatedBy)
    }
}
