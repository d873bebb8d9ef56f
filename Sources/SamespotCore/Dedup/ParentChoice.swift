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
    public func parentChooser(for type: ServiceType) -> @Sendable (DedupCase, [DedupCandidate], DedupRule) -> DedupDecision? {
        guard usesModel(type), let model = dedupModel else {
            return { new, candidates, rule in DedupScorer.decide(new, candidates: candidates.map(\.request), rule: rule) }
        }
        let group = DedupDefaults.group(serviceName: type.name)
        return { new, candidates, limits in
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
