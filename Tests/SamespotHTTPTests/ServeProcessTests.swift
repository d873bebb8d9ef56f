import Testing

/// The suites that start `samespot serve` processes run one at a time. Started together at the
/// beginning of a full parallel run, on a 2-core machine that is then at its busiest, one of
/// them twice failed to start its server in fresh-clone CI runs (never here); each suite still
/// runs in parallel with everything else.
@Suite(.serialized) struct ServeProcessTests {}
