import Mustache
import SamespotCore
import SamespotStore

/// Renders the letters of a change for every resident of the case's family, by their channel,
/// from the admin's Mustache templates (plain text: nothing is HTML-escaped).
public struct LetterRenderer: Sendable {
    public init() {}

    /// Compiles a template's subject and body, so an admin's mistake is refused when saved, not
    /// when the first letter is due.
    public static func check(_ template: LetterTemplate) throws {
        for (part, text) in [("subject", template.subject), ("body", template.body)] {
            do { _ = try compile(text) } catch let error as MustacheTemplate.ParserError {
                throw Refused(.unprocessable, "the \(part) of the \(template.kind.rawValue) template does not compile: \(error.error) at line "
                                    + "\(error.context.lineNumber - 1), column \(error.context.columnNumber)")
            }
        }
    }

    private static func compile(_ text: String) throws -> MustacheTemplate {
        // The pragma's line is the first: error lines are reported one less, as the admin wrote them.
        try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT }}\n" + text)
    }

    /// What a letter may name. Empty values are left out, so `{{#note}}…{{/note}}` reads as "if there is a note".
    struct Context {
        var values: [String: Any] = [:]
        mutating func set(_ key: String, _ value: String?) {
            if let value, !value.isEmpty { values[key] = value }
        }
    }

    /// The channel a resident is written to: the one they chose, else e-mail, phone, post; nil
    /// when they left no way to reach them.
    public static func channel(for resident: Resident) -> String? {
        let available = ["email": resident.email, "phone": resident.phone, "postal": resident.postalAddress].filter { !$0.value.isEmpty }
        if available[resident.preferredContact] != nil { return resident.preferredContact }
        return ["email", "phone", "postal"].first { available[$0] != nil }
    }

    /// - Parameters:
    ///   - department: the department answering after the change, and its person if any.
    public func letters(for change: CaseChange, on locked: LockedCase, department: Department?, responsible: Staff?) throws -> [OutgoingLetter] {
        guard let kind = change.letter else { return [] }
        guard let template = locked.templates[kind] else { return [] }
        let subject = try Self.compile(template.subject)
        let body = try Self.compile(template.body)
        let departmentName = department?.name ?? locked.departmentName
        let signer = locked.signer ?? responsible
        let signature = [signer?.signature, departmentName.isEmpty ? nil : departmentName].compactMap { $0 }.joined(separator: "\n")
        var letters: [OutgoingLetter] = []
        for resident in locked.residents {
            guard let channel = Self.channel(for: resident) else { continue }
            var context = Context()
            let name = "\(resident.firstName) \(resident.lastName)".trimmingASCIIWhitespace()
            context.set("resident", name.isEmpty ? "resident" : name)
            context.set("tracking", resident.tracking)
            context.set("case_tracking", locked.tracking)
            if resident.requestID != locked.id { context.values["merged"] = true }
            context.set("service_name", locked.serviceName)
            context.set("address", locked.address)
            context.set("received_on", locked.receivedOn.longDescription)
            context.set("department", departmentName)
            context.set("responsible", responsible?.signature)
            context.set("respond_by", change.respondDue?.longDescription)
            context.set("note", change.note)
            context.set("reason", change.note)
            if change.status == .closed { context.values["resolved"] = true }
            context.set("outcome", change.status == .closed ? "resolved" : "closed")
            context.set("signature", signature.isEmpty ? "The city's 311 service" : signature)
            letters.append(OutgoingLetter(
                requestID: resident.requestID, requesterID: resident.requesterID, kind: kind, channel: channel,
                subject: subject.render(context.values).trimmingASCIIWhitespace(), body: body.render(context.values)))
        }
        return letters
    }
}
