/// The customer-service standard a case is kept to, in business days: the city's
/// (acknowledged within 1, answered within 7), or a type's own where the city sets one.
public struct ServiceStandard: Sendable, Equatable, Hashable, Codable {
    /// A request is acknowledged within this many business days.
    public var acknowledgeBusinessDays: Int
    /// And answered (closed, or canceled with a reason) within this many.
    public var respondBusinessDays: Int
    /// An expedited case (imminent harm, from council or press) is answered within this many.
    public var expeditedRespondBusinessDays: Int

    public init(acknowledgeBusinessDays: Int = 1, respondBusinessDays: Int = 7, expeditedRespondBusinessDays: Int = 1) {
        self.acknowledgeBusinessDays = acknowledgeBusinessDays
        self.respondBusinessDays = respondBusinessDays
        self.expeditedRespondBusinessDays = expeditedRespondBusinessDays
    }

    /// The city's standard (municipal customer-service policy).
    public static let city = ServiceStandard()

    /// The city's standard with a type's overrides (nil: the city's figure).
    public func overridden(acknowledge: Int?, respond: Int?) -> ServiceStandard {
        var s = self
        if let acknowledge { s.acknowledgeBusinessDays = acknowledge }
        if let respond {
            s.respondBusinessDays = respond
            s.expeditedRespondBusinessDays = min(s.expeditedRespondBusinessDays, respond)
        }
        return s
    }

    /// The days a request received on `day` is due: acknowledgement and response, each the
    /// last business day (the case is due by the end of it, in the city's time).
    public func deadlines(receivedOn day: CivilDate, calendar: BusinessCalendar) -> (acknowledge: CivilDate, respond: CivilDate) {
        (calendar.dueDate(after: day, businessDays: acknowledgeBusinessDays),
         calendar.dueDate(after: day, businessDays: respondBusinessDays))
    }
}

/// Whether a case kept its deadlines. Instants are seconds since 1970; a deadline is the end of
/// its due day, which the caller has turned into an instant in the city's time zone.
public struct DeadlineCheck: Sendable, Equatable {
    public var acknowledgeBreached: Bool
    public var respondBreached: Bool

    public init(acknowledgeDue: Double?, acknowledgedAt: Double?, respondDue: Double?, closedAt: Double?, now: Double) {
        func breached(_ due: Double?, _ done: Double?) -> Bool {
            guard let due else { return false }
            return (done ?? now) > due
        }
        acknowledgeBreached = breached(acknowledgeDue, acknowledgedAt)
        respondBreached = breached(respondDue, closedAt)
    }
}

/// Which new requests are expedited as they come in: those from council or the press (the
/// standards list them with imminent harm, which staff judge and expedite by hand).
public enum Expedite {
    /// The intake channels that are council or the press, and the reason each gives.
    public static let channels: [String: String] = [
        "council": "from a council office", "alderman": "from a council office", "ward_office": "from a council office",
        "press": "from the press", "media": "from the press",
    ]

    /// The reason a request taken on `channel` is expedited; nil for the usual channels.
    public static func reason(forChannel channel: String) -> String? {
        channels[channel.lowercased()]
    }
}
