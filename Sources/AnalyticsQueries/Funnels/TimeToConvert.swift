import Foundation

/// How long actors took to reach a stage: summaries of the seconds from the
/// previous (required) stage and from the first, on the chain the medians use,
/// and a histogram of the seconds from the previous stage (docs/metrics.md).
public struct TimeToConvert: Sendable, Equatable {
    /// Mean and quantiles (linear interpolation, as `quantile_cont`); nil without values.
    public struct Summary: Sendable, Equatable {
        public var count: Int
        public var mean: Double?
        public var p10: Double?
        public var p25: Double?
        public var p50: Double?
        public var p75: Double?
        public var p90: Double?

        package init(_ values: [Double]) {
            let sorted = values.sorted()
            count = sorted.count
            mean = sorted.isEmpty ? nil : sorted.reduce(0, +) / Double(sorted.count)
            p10 = Statistics.quantile(sorted: sorted, 0.10)
            p25 = Statistics.quantile(sorted: sorted, 0.25)
            p50 = Statistics.quantile(sorted: sorted, 0.50)
            p75 = Statistics.quantile(sorted: sorted, 0.75)
            p90 = Statistics.quantile(sorted: sorted, 0.90)
        }
    }

    /// Counts of values between log-spaced edges.
    ///
    /// With values v, lo the smallest positive one and hi the largest, the N + 1
    /// edges are lo x (hi / lo)^(i / N), i = 0...N (the first exactly lo, the
    /// last exactly hi). Bin i holds edges[i] <= v < edges[i + 1]; the last bin
    /// also holds hi, the first also values below lo (zero: steps at the same
    /// instant). With one distinct positive value there is one bin [lo, lo];
    /// with no positive value one bin [0, 0]; with no values none.
    public struct Histogram: Sendable, Equatable {
        public var edges: [Double]
        public var counts: [Int]

        package init(_ values: [Double], bins: Int) {
            guard let high = values.max() else {
                edges = []
                counts = []
                return
            }
            guard let low = values.filter({ $0 > 0 }).min() else {
                edges = [0, 0]
                counts = [values.count]
                return
            }
            if low == high || bins <= 1 {
                edges = [low, high]
                counts = [values.count]
                return
            }
            let ratio = high / low
            var edges = [low]
            for index in 1..<bins { edges.append(low * Foundation.pow(ratio, Double(index) / Double(bins))) }
            edges.append(high)
            self.edges = edges
            var counts = [Int](repeating: 0, count: bins)
            for value in values {
                // The last edge not above the value (binary search), clamped to the bins.
                var lower = 0, upper = bins
                while lower < upper {
                    let middle = (lower + upper + 1) / 2
                    if edges[middle] <= value { lower = middle } else { upper = middle - 1 }
                }
                counts[min(lower, bins - 1)] += 1
            }
            self.counts = counts
        }
    }

    public var fromPrevious: Summary
    public var fromFirst: Summary
    /// Of the seconds from the previous stage.
    public var histogram: Histogram

    package init(fromPrevious: [Double], fromFirst: [Double], bins: Int) {
        self.fromPrevious = Summary(fromPrevious)
        self.fromFirst = Summary(fromFirst)
        histogram = Histogram(fromPrevious, bins: bins)
    }
}
