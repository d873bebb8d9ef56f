import Foundation
import SamespotStore

// The wire form of the ward reports: the store's rows as the API spells them, written out here
// so a change to a store type cannot change an answer unseen.

/// A ward's (or a type's, or the city's) figures.
struct WardMetricsAnswer: Encodable {
    let metrics: WardMetrics

    enum Keys: String, CodingKey {
        case group, opened, openedCases, byStatus, closed, medianDaysToClose, p90DaysToClose, backlog, backlogMedianAgeDays
        case backlogMaxAgeDays, slaTracked, acknowledgeBreaches, respondBreaches, duplicates, duplicateRate, joins, everClosed
        case reopened, reopenRate
    }

    func encode(to encoder: any Encoder) throws {
        let m = metrics
        var c = encoder.container(keyedBy: Keys.self)
        try c.encodeIfPresent(m.group, forKey: .group)
        try c.encode(m.opened, forKey: .opened)
        try c.encode(m.openedCases, forKey: .openedCases)
        try c.encode(m.byStatus, forKey: .byStatus)
        try c.encode(m.closed, forKey: .closed)
        try c.encodeIfPresent(m.medianDaysToClose, forKey: .medianDaysToClose)
        try c.encodeIfPresent(m.p90DaysToClose, forKey: .p90DaysToClose)
        try c.encode(m.backlog, forKey: .backlog)
        try c.encodeIfPresent(m.backlogMedianAgeDays, forKey: .backlogMedianAgeDays)
        try c.encodeIfPresent(m.backlogMaxAgeDays, forKey: .backlogMaxAgeDays)
        try c.encode(m.slaTracked, forKey: .slaTracked)
        try c.encode(m.acknowledgeBreaches, forKey: .acknowledgeBreaches)
        try c.encode(m.respondBreaches, forKey: .respondBreaches)
        try c.encode(m.duplicates, forKey: .duplicates)
        try c.encode(m.duplicateRate, forKey: .duplicateRate)
        try c.encode(m.joins, forKey: .joins)
        try c.encode(m.everClosed, forKey: .everClosed)
        try c.encode(m.reopened, forKey: .reopened)
        try c.encode(m.reopenRate, forKey: .reopenRate)
    }
}

/// One request of a ward's list, with its requester (for that ward's office only).
struct WardRequestAnswer: Encodable {
    struct Requester: Encodable { var firstName: String; var lastName: String; var email: String; var phone: String }
    struct Action: Encodable { var at: Date; var kind: String; var actor: String; var text: String }
    var serviceRequestId: String
    var serviceCode: String
    var serviceName: String
    var status: String
    var address: String
    var requestedAt: Date
    var closedAt: Date?
    var parentServiceRequestId: String?
    var requester: Requester?
    var actions: [Action]

    init(_ e: WardRequestEntry) {
        serviceRequestId = e.serviceRequestId; serviceCode = e.serviceCode; serviceName = e.serviceName; status = e.status
        address = e.address; requestedAt = e.requestedAt; closedAt = e.closedAt; parentServiceRequestId = e.parentServiceRequestId
        requester = e.requester.map { Requester(firstName: $0.firstName, lastName: $0.lastName, email: $0.email, phone: $0.phone) }
        actions = e.actions.map { Action(at: $0.at, kind: $0.kind, actor: $0.actor, text: $0.text) }
    }
}
