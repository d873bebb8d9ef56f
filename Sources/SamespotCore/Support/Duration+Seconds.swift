extension Duration {
    /// The duration in seconds, for figures and timings.
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
