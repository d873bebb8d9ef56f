/// Who picks a new report's parent for a type: the learned model when the city has one in force
/// and staff have not set the type's rule by hand, the type's rule otherwise.
extension ServiceCatalog {
    /// The rule intake locks and reads candidates by: the type's own, or, when the model decides,
    /// one spanning the model's search limits (the locks must cover every candidate it may pick).
    public func rule(for type: ServiceType) -> DedupRule {
        guard usesModel(type), let model = dedupModel else { return type.rule }
        return DedupRule(serviceCode: type.code, radiusMetres: model.limits.radiusMetres, windowDays: model.limits.windowDays,
                         matchUnit: .distance, openStatuses: type.rule.openStatuses)
    }

    /// Decides a new report against the open candidates read under the locks.
    public func parentChooser(for type: ServiceType) -> ParentChooser {
        guard usesModel(type), let model = dedupModel else {
            return ParentChooser(readsStreets: false) { new, candidates, rule in
                DedupScorer.decide(new, candidates: candidates.map(\.request), rule: rule)
            }
        }
        let group = DedupDefaults.group(serviceName: type.name)
        return ParentChooser(readsStreets: true) { new, candidates, limits in
            // Times are exact at intake: the arrival gap is estimated from the type's volume.
            let timed = candidates.map { c in
                var c = c
                c.reportsBetween = model.priors.expectedReports(type: new.serviceCode, seconds: new.requestedAt - c.request.requestedAt)
                return c
            }
            let selected = DedupCandidatePool.select(new, timed, limits: model.limits)
            guard let best = model.best(new, group: group, candidates: selected), best.isDuplicate,
                  let parent = selected.first(where: { $0.request.id == best.parentID }) else { return nil }
            return DedupDecision(best, request: new, parent: parent.request, limits: limits)
        }
    }
}

/// Who picks a new report's parent among its candidates (`ServiceCatalog.parentChooser`), and
/// what it reads of them. It picks only a candidate within the rule's radius, at the same address
/// or on the same block: intake stores a report with no such candidate without asking it.
public struct ParentChooser: Sendable {
    /// Whether it reads each case's house number and street (the model's side-of-street and
    /// number-gap features). They come from parsing each candidate's address, which cost intake
    /// more than the rule's whole choice (a twentieth of the server's work at a busy spot), so
    /// callers read them only for a chooser that asks (`DedupCase.readingStreet`).
    public let readsStreets: Bool
    private let decide: @Sendable (DedupCase, [DedupCandidate], DedupRule) -> DedupDecision?

    public init(readsStreets: Bool, decide: @escaping @Sendable (DedupCase, [DedupCandidate], DedupRule) -> DedupDecision?) {
        self.readsStreets = readsStreets
        self.decide = decide
    }

    /// `new` and its candidates with what this chooser reads filled in, then the choice.
    public func choose(_ new: DedupCase, among candidates: [DedupCandidate], rule: DedupRule) -> DedupDecision? {
        guard readsStreets else { return decide(new, candidates, rule) }
        return decide(new.readingStreet(), candidates.map { c in
            var c = c
            c.request = c.request.readingStreet()
            return c
        }, rule)
    }
}

extension DedupCase {
    /// The case with its house number and street read from its address key ("4853 S WOOD ST"),
    /// as the replays of the city's files read them; unchanged when it has no address.
    public func readingStreet() -> DedupCase {
        guard !addressKey.isEmpty else { return self }
        var read = self
        let parsed = AddressNormalizer.parse(addressKey)
        (read.houseNumber, read.streetKey) = (parsed.houseNumber, parsed.streetKey)
        return read
    }
}
