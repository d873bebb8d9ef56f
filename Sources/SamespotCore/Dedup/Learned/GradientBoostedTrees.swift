#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A binary classifier of small gradient-boosted regression trees on the logistic loss.
///
/// Written here rather than borrowed because no package in the local set does it, and the job is
/// small: a few hundred thousand rows of a few dozen features, fitted in seconds. Trees are grown
/// level by level on histograms of quantile bins (as LightGBM and XGBoost's `hist` do), so a fit
/// costs rows × features per level. Row sampling draws from a seeded `SplitMix64`: the same
/// data and seed give the same trees, bit for bit.
public struct GradientBoostedTrees: Sendable, Codable, Equatable {
    public struct Parameters: Sendable, Codable, Equatable {
        public var trees = 200
        public var depth = 4
        public var learningRate = 0.1
        /// L2 penalty on leaf weights (XGBoost's λ).
        public var l2 = 1.0
        /// The least hessian (≈ weighted rows near p = 0.5 × 4) a child may hold.
        public var minChildWeight = 2.0
        /// The share of rows each tree sees.
        public var rowSample = 0.8
        public var bins = 64
        public var seed: UInt64 = 1
        public init() {}
    }

    /// One node of a tree: a split (`feature` ≥ 0) sends `x[feature] <= threshold` left, or a leaf.
    /// Every node keeps the weight it would have as a leaf, so a prediction can be explained as
    /// the sum of the changes along its path (Saabas's attribution).
    public struct Node: Sendable, Codable, Equatable {
        public var feature: Int
        public var threshold: Double
        public var left: Int
        public var right: Int
        public var value: Double
    }

    public var featureCount: Int
    /// The log-odds before any tree: the training rows' weighted rate.
    public var bias: Double
    public var trees: [[Node]]
    public var parameters: Parameters

    /// The log-odds of a row.
    public func logit(_ x: [Double]) -> Double {
        var sum = bias
        for tree in trees {
            var i = 0
            while tree[i].feature >= 0 {
                i = x[tree[i].feature] <= tree[i].threshold ? tree[i].left : tree[i].right
            }
            sum += tree[i].value
        }
        return sum
    }

    public func probability(_ x: [Double]) -> Double { 1 / (1 + exp(-logit(x))) }

    /// Each feature's share of the log-odds (they sum, with `bias` and the roots' values, to `logit`).
    public func contributions(_ x: [Double]) -> (base: Double, perFeature: [Double]) {
        var perFeature = [Double](repeating: 0, count: featureCount)
        var base = bias
        for tree in trees {
            var i = 0
            base += tree[0].value
            while tree[i].feature >= 0 {
                let next = x[tree[i].feature] <= tree[i].threshold ? tree[i].left : tree[i].right
                perFeature[tree[i].feature] += tree[next].value - tree[i].value
                i = next
            }
        }
        return (base, perFeature)
    }

    /// Fits on `rows` (each `featureCount` long) with labels 0/1 and weights.
    public static func fit(rows: [[Double]], labels: [Bool], weights: [Double]? = nil, parameters: Parameters = .init()) -> GradientBoostedTrees {
        precondition(rows.count == labels.count, "one label per row")
        let n = rows.count
        let featureCount = rows.first?.count ?? 0
        let w = weights ?? [Double](repeating: 1, count: n)
        let positive = zip(labels, w).reduce(0.0) { $0 + ($1.0 ? $1.1 : 0) }
        let total = w.reduce(0, +)
        let rate = min(max(positive / max(total, 1e-12), 1e-6), 1 - 1e-6)
        var model = GradientBoostedTrees(featureCount: featureCount, bias: log(rate / (1 - rate)), trees: [], parameters: parameters)
        guard n > 0, featureCount > 0 else { return model }

        let binning = Binning(rows: rows, featureCount: featureCount, bins: parameters.bins)
        let binned = binning.binned(rows)
        var margin = [Double](repeating: model.bias, count: n)
        var gradient = [Double](repeating: 0, count: n)
        var hessian = [Double](repeating: 0, count: n)
        var random = SplitMix64(seed: parameters.seed)
        for _ in 0..<parameters.trees {
            for i in 0..<n {
                let p = 1 / (1 + exp(-margin[i]))
                gradient[i] = (p - (labels[i] ? 1 : 0)) * w[i]
                hessian[i] = max(p * (1 - p), 1e-6) * w[i]
            }
            var sample: [Int32] = []
            sample.reserveCapacity(Int(Double(n) * parameters.rowSample) + 1)
            for i in 0..<n where parameters.rowSample >= 1 || Double(random.next() >> 11) / Double(1 << 53) < parameters.rowSample {
                sample.append(Int32(i))
            }
            let tree = TreeGrower(binned: binned, featureCount: featureCount, binning: binning, gradient: gradient,
                                  hessian: hessian, parameters: parameters).grow(sample)
            model.trees.append(tree)
            // A threshold is its bin's upper edge, so raw values take the same branch as their bins did.
            for i in 0..<n { margin[i] += Self.value(of: tree, rows[i]) }
        }
        return model
    }

    private static func value(of tree: [Node], _ x: [Double]) -> Double {
        var i = 0
        while tree[i].feature >= 0 { i = x[tree[i].feature] <= tree[i].threshold ? tree[i].left : tree[i].right }
        return tree[i].value
    }
}

/// Quantile bins per feature: the upper edges, at most `bins` of them.
struct Binning {
    var edges: [[Double]]

    init(rows: [[Double]], featureCount: Int, bins: Int) {
        edges = (0..<featureCount).map { f in
            var values = rows.map { $0[f] }
            values.sort()
            var unique: [Double] = []
            for v in values where unique.last != v { unique.append(v) }
            if unique.count <= bins { return unique }
            var cuts: [Double] = []
            for b in 1...bins {
                let v = values[min(values.count - 1, b * values.count / bins - 1)]
                if cuts.last != v { cuts.append(v) }
            }
            if cuts.last != unique.last { cuts.append(unique.last!) }
            return cuts
        }
    }

    func bin(_ value: Double, feature: Int) -> UInt8 {
        let e = edges[feature]
        var lo = 0, hi = e.count - 1
        while lo < hi {
            let mid = (lo + hi) / 2
            if value <= e[mid] { hi = mid } else { lo = mid + 1 }
        }
        return UInt8(lo)
    }

    func binned(_ rows: [[Double]]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: rows.count * edges.count)
        for (i, row) in rows.enumerated() {
            for f in 0..<edges.count { out[i * edges.count + f] = bin(row[f], feature: f) }
        }
        return out
    }
}

/// Grows one tree, level by level, on the sampled rows' gradients.
private struct TreeGrower {
    let binned: [UInt8]
    let featureCount: Int
    let binning: Binning
    let gradient: [Double]
    let hessian: [Double]
    let parameters: GradientBoostedTrees.Parameters

    func grow(_ sample: [Int32]) -> [GradientBoostedTrees.Node] {
        var nodes: [GradientBoostedTrees.Node] = []
        var frontier: [(node: Int, rows: [Int32])] = []
        nodes.append(leaf(sample))
        frontier.append((0, sample))
        for _ in 0..<parameters.depth {
            var next: [(node: Int, rows: [Int32])] = []
            for (index, rows) in frontier {
                guard let split = bestSplit(rows) else { continue }
                let left = rows.filter { binned[Int($0) * featureCount + split.feature] <= split.bin }
                let right = rows.filter { binned[Int($0) * featureCount + split.feature] > split.bin }
                let l = nodes.count
                nodes.append(leaf(left))
                nodes.append(leaf(right))
                nodes[index].feature = split.feature
                nodes[index].threshold = binning.edges[split.feature][Int(split.bin)]
                nodes[index].left = l
                nodes[index].right = l + 1
                next.append((l, left))
                next.append((l + 1, right))
            }
            frontier = next
        }
        // Shrink every node's weight by the learning rate: internal ones too, so that the
        // per-feature attributions add up to the shrunk prediction.
        for i in nodes.indices { nodes[i].value *= parameters.learningRate }
        return nodes
    }

    private func leaf(_ rows: [Int32]) -> GradientBoostedTrees.Node {
        var g = 0.0, h = 0.0
        for r in rows { g += gradient[Int(r)]; h += hessian[Int(r)] }
        return .init(feature: -1, threshold: 0, left: -1, right: -1, value: -g / (h + parameters.l2))
    }

    private func bestSplit(_ rows: [Int32]) -> (feature: Int, bin: UInt8)? {
        guard rows.count >= 2 else { return nil }
        var best: (gain: Double, feature: Int, bin: UInt8)?
        var g = 0.0, h = 0.0
        for r in rows { g += gradient[Int(r)]; h += hessian[Int(r)] }
        let parentScore = g * g / (h + parameters.l2)
        var histG = [Double](repeating: 0, count: 256), histH = [Double](repeating: 0, count: 256)
        for f in 0..<featureCount {
            let binCount = binning.edges[f].count
            guard binCount > 1 else { continue }
            for b in 0..<binCount { histG[b] = 0; histH[b] = 0 }
            for r in rows {
                let b = Int(binned[Int(r) * featureCount + f])
                histG[b] += gradient[Int(r)]
                histH[b] += hessian[Int(r)]
            }
            var gl = 0.0, hl = 0.0
            for b in 0..<(binCount - 1) {
                gl += histG[b]; hl += histH[b]
                let gr = g - gl, hr = h - hl
                guard hl >= parameters.minChildWeight, hr >= parameters.minChildWeight else { continue }
                let gain = gl * gl / (hl + parameters.l2) + gr * gr / (hr + parameters.l2) - parentScore
                if gain > (best?.gain ?? 1e-9) { best = (gain, f, UInt8(b)) }
            }
        }
        return best.map { ($0.feature, $0.bin) }
    }
}
