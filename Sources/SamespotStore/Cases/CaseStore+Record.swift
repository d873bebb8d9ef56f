import Foundation
import PostgresNIO
import SamespotCore

extension CaseStore {
    /// The case's record: its fields and everything kept on it.
    /// - Parameter wardSetID: the set whose ward the record names.
    public func record(_ tracking: String, wardSetID: Int? = nil) async throws -> CaseRecord {
        let logger = database.logger
        let client = database.client
        var found: CaseRecord?
        var requestID: Int64 = 0
        for try await row in try await client.query("""
            SELECT r.request_id, r.service_request_id, r.service_code, t.service_name, r.status, r.status_notes, r.description, r.address,
                   r.latitude, r.longitude, r.location_precision, r.requested_at, r.updated_at, p.service_request_id,
                   r.child_count, r.priority, r.department, coalesce(d.name, r.department), s.staff_id, s.name, s.title, s.department, s.active,
                   r.expedited, r.expedite_reason, r.acknowledge_due_at, r.respond_due_at, r.respond_due_reason, r.acknowledged_at,
                   r.closed_at, w.ward
            FROM service_requests r JOIN service_types t USING (service_code)
            LEFT JOIN service_requests p ON p.request_id = r.parent_request_id
            LEFT JOIN departments d ON d.department = r.department
            LEFT JOIN staff s ON s.staff_id = r.assigned_staff_id
            LEFT JOIN request_wards w ON w.request_id = r.request_id AND w.ward_set_id = \(wardSetID)
            WHERE r.service_request_id = \(tracking)
            """, logger: logger) {
            let c = row.makeRandomAccess()
            requestID = try c[0].decode(Int64.self)
            let staffID = try c[18].decode(Int64?.self)
            found = CaseRecord(
                serviceRequestId: try c[1].decode(String.self), serviceCode: try c[2].decode(String.self),
                serviceName: try c[3].decode(String.self),
                status: CaseStatus(rawValue: try c[4].decode(String.self)) ?? .open, statusNotes: try c[5].decode(String.self),
                description: try c[6].decode(String.self), address: try c[7].decode(String.self),
                latitude: try c[8].decode(Double?.self), longitude: try c[9].decode(Double?.self),
                locationPrecision: try c[10].decode(String.self), requestedAt: try c[11].decode(Date.self),
                updatedAt: try c[12].decode(Date.self), parentServiceRequestId: try c[13].decode(String?.self),
                childCount: try c[14].decode(Int.self), priority: try c[15].decode(Int.self),
                department: try c[16].decode(String.self), departmentName: try c[17].decode(String.self),
                responsible: try staffID.map {
                    Staff(id: $0, name: try c[19].decode(String.self), title: try c[20].decode(String.self),
                          department: try c[21].decode(String.self), active: try c[22].decode(Bool.self))
                },
                expedited: try c[23].decode(Bool.self), expediteReason: try c[24].decode(String.self),
                acknowledgeDueAt: try c[25].decode(Date?.self), respondDueAt: try c[26].decode(Date?.self),
                respondDueReason: try c[27].decode(String.self), acknowledgedAt: try c[28].decode(Date?.self),
                closedAt: try c[29].decode(Date?.self), ward: try c[30].decode(String?.self))
        }
        guard var record = found else { throw StoreError.notFound("no case \(tracking)") }
        for try await (number, status, at) in try await client.query("""
            SELECT service_request_id, status, requested_at FROM service_requests WHERE parent_request_id = \(requestID) ORDER BY requested_at, request_id
            """, logger: logger).decode((String, String, Date).self) {
            record.children.append(.init(serviceRequestId: number, status: CaseStatus(rawValue: status) ?? .open, requestedAt: at))
        }
        for try await (parent, distance, age, score, kind, by, at, reverted, explanation) in try await client.query("""
            SELECT p.service_request_id, d.distance_m, d.age_seconds, d.score, d.kind, d.decided_by, d.decided_at, d.reverted_at, d.explanation::text
            FROM dedup_decisions d JOIN service_requests p ON p.request_id = d.parent_request_id
            WHERE d.request_id = \(requestID) ORDER BY d.decided_at, d.decision_id
            """, logger: logger).decode((String, Double?, Double, Double, String, String, Date, Date?, String?).self) {
            record.decisions.append(.init(parentServiceRequestId: parent, distanceM: distance, ageSeconds: age, score: score,
                                          kind: kind, decidedBy: by, decidedAt: at, revertedAt: reverted,
                                          explanation: explanation.flatMap { try? JSONDecoder().decode(LearnedDedupDecision.self, from: Data($0.utf8)) }))
        }
        for try await (status, at, actor, note, responsible) in try await client.query("""
            SELECT status, changed_at, actor, note, responsible FROM status_history WHERE request_id = \(requestID) ORDER BY changed_at, history_id
            """, logger: logger).decode((String, Date, String, String, String).self) {
            record.history.append(.init(status: CaseStatus(rawValue: status) ?? .open, at: at, actor: actor, note: note, responsible: responsible))
        }
        for try await (author, body, isPublic, at) in try await client.query("""
            SELECT author, body, public, created_at FROM case_notes WHERE request_id = \(requestID) ORDER BY created_at, note_id
            """, logger: logger).decode((String, String, Bool, Date).self) {
            record.notes.append(.init(author: author, body: body, isPublic: isPublic, at: at))
        }
        for try await (description, actor, at) in try await client.query("""
            SELECT description, actor, taken_at FROM case_actions WHERE request_id = \(requestID) ORDER BY taken_at, action_id
            """, logger: logger).decode((String, String, Date).self) {
            record.actions.append(.init(description: description, actor: actor, at: at))
        }
        for try await (id, name, type, size, description, by, at) in try await client.query("""
            SELECT document_id, file_name, content_type, byte_size, description, uploaded_by, uploaded_at
            FROM case_documents WHERE request_id = \(requestID) ORDER BY uploaded_at, document_id
            """, logger: logger).decode((Int64, String, String, Int, String, String, Date).self) {
            record.documents.append(.init(id: id, fileName: name, contentType: type, byteSize: size, description: description,
                                          uploadedBy: by, uploadedAt: at))
        }
        for try await (kind, channel, subject, created, sent) in try await client.query("""
            SELECT kind, channel, subject, created_at, sent_at FROM outbox WHERE request_id = \(requestID) ORDER BY created_at, message_id
            """, logger: logger).decode((String, String, String, Date, Date?).self) {
            record.letters.append(.init(kind: kind, channel: channel, subject: subject, createdAt: created, sentAt: sent))
        }
        for try await (rating, comment, at) in try await client.query("""
            SELECT rating, comment, recorded_at FROM case_evaluations WHERE request_id = \(requestID)
            """, logger: logger).decode((Int, String, Date).self) {
            record.evaluation = .init(rating: rating, comment: comment, recordedAt: at)
        }
        for try await (action, actor, at, details) in try await client.query("""
            SELECT action, actor, at, details::text FROM audit_log WHERE request_id = \(requestID) ORDER BY at, audit_id
            """, logger: logger).decode((String, String, Date, String).self) {
            record.audit.append(.init(action: action, actor: actor, at: at, details: details))
        }
        return record
    }
}
