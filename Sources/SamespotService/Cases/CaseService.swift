import Foundation
import SamespotCore
import SamespotStore

/// Who acts: the audit name, and the key (whose member of staff, if any, signs letters).
public struct Actor: Sendable {
    public var name: String
    public var keyID: Int64?
    public init(name: String, keyID: Int64?) { self.name = name; self.keyID = keyID }
}

/// A file to attach to a case, as uploaded.
public struct NewDocument: Sendable {
    public var fileName: String
    public var bytes: [UInt8]
    public var description: String
    public init(fileName: String, bytes: [UInt8], description: String) {
        self.fileName = fileName; self.bytes = bytes; self.description = description
    }
}

/// The use cases staff run on a case: read its record; move it through its life (the
/// lifecycle decides, letters are rendered, the store writes it all in one transaction);
/// merge and unmerge; notes, actions taken, documents and the resident's evaluation.
public struct CaseService: Sendable {
    /// Documents up to this size are kept in PostgreSQL.
    public static let maxDocumentBytes = 10 << 20

    public let cases: CaseStore
    public let organisation: OrganisationStore
    public let indexes: CityIndexes
    public let letters = LetterRenderer()

    public init(cases: CaseStore, organisation: OrganisationStore, indexes: CityIndexes) {
        self.cases = cases
        self.organisation = organisation
        self.indexes = indexes
    }

    public func record(_ tracking: String) async throws -> CaseRecord {
        try await cases.record(tracking, wardSetID: indexes.snapshot.wardSet?.id)
    }

    /// Applies a lifecycle action and answers the case's record after it.
    @discardableResult
    public func act(_ tracking: String, _ action: CaseAction, by actor: Actor) async throws -> CaseRecord {
        // A referral or reassignment names a department (and person) that must exist; their
        // names go into the letter.
        var target: (department: Department, staff: Staff?)?
        switch action {
        case .refer(let to, _), .reassign(let to, _): target = try await organisation.resolve(to)
        default: break
        }
        let calendar = indexes.catalog.calendar
        let renderer = letters
        let resolved = target
        try await cases.change(tracking, actor: actor.name, signerKeyID: actor.keyID) { locked in
            let lifecycle = CaseLifecycle(calendar: calendar, today: locked.today)
            let change = try lifecycle.decide(action, for: locked.snapshot)
            let department = resolved?.department
            let responsible = resolved.map { $0.staff } ?? locked.responsible
            let letters = try renderer.letters(for: change, on: locked, department: department, responsible: responsible)
            let departmentName = department?.name ?? locked.departmentName
            let label = [departmentName, responsible?.signature].compactMap { $0?.isEmpty == false ? $0 : nil }.joined(separator: " — ")
            return CaseWrite(change: change, responsible: label, letters: letters)
        }
        return try await record(tracking)
    }

    public func merge(_ child: String, into parent: String, by actor: Actor) async throws -> CaseRecord {
        try await cases.merge(child, into: parent, actor: actor.name) { child, root in try CaseFamily.merge(child, into: root) }
        return try await record(child)
    }

    public func unmerge(_ child: String, by actor: Actor) async throws -> CaseRecord {
        try await cases.unmerge(child, actor: actor.name) { try CaseFamily.unmerge($0) }
        return try await record(child)
    }

    public func addNote(_ tracking: String, body: String, isPublic: Bool, by actor: Actor) async throws -> CaseRecord {
        try await cases.addNote(tracking, body: body, isPublic: isPublic, actor: actor.name)
        return try await record(tracking)
    }

    public func addAction(_ tracking: String, description: String, by actor: Actor) async throws -> CaseRecord {
        try await cases.addAction(tracking, description: description, actor: actor.name)
        return try await record(tracking)
    }

    /// Keeps a file with the case. Its type is read from its bytes (`FileSignature`); a file of
    /// a kind Samespot does not keep, or too large, is refused.
    public func attach(_ document: NewDocument, to tracking: String, by actor: Actor) async throws -> (id: Int64, record: CaseRecord) {
        guard !document.bytes.isEmpty else { throw Refused(.invalid, "the file is empty") }
        guard document.bytes.count <= Self.maxDocumentBytes else {
            throw Refused(.tooLarge, "the file is \(document.bytes.count) bytes; at most \(Self.maxDocumentBytes) (10 MiB)")
        }
        guard let type = FileSignature.contentType(of: document.bytes) else {
            throw Refused(.unprocessable,
                          "the file is not one Samespot keeps: send PDF, PNG, JPEG, GIF, WebP, plain text (UTF-8) or an e-mail (.eml)")
        }
        let id = try await cases.addDocument(tracking, fileName: document.fileName, contentType: type, bytes: document.bytes,
                                             description: document.description, actor: actor.name)
        return (id, try await record(tracking))
    }

    public func document(_ tracking: String, id: Int64) async throws -> CaseStore.StoredDocument {
        try await cases.document(tracking, id: id)
    }

    public func evaluate(_ tracking: String, rating: Int, comment: String, by actor: Actor) async throws -> CaseRecord {
        guard (1...5).contains(rating) else { throw Refused(.unprocessable, "rating must be 1 to 5") }
        try await cases.recordEvaluation(tracking, rating: rating, comment: comment, actor: actor.name)
        return try await record(tracking)
    }
}
