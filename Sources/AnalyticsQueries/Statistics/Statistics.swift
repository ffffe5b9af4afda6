import Foundation

/// Small statistics used by the metrics, each with its exact definition.
package enum Statistics {
    /// The q-quantile of sorted values by linear interpolation between the two
    /// nearest ranks (h = (n - 1) q; DuckDB's `quantile_cont`, R's type 7).
    /// q = 0.5 is the median: the mean of the two middle values for an even count.
    /// nil for no values.
    package static func quantile(sorted values: [Double], _ q: Double) -> Double? {
        guard !values.isEmpty else { return nil }
        let h = Double(values.count - 1) * q
        let lower = Int(h.rounded(.down))
        let upper = min(lower + 1, values.count - 1)
        return values[lower] + (h - Double(lower)) * (values[upper] - values[lower])
    }

    /// The quantiles `qs` of unsorted values, each exactly as `quantile(sorted:_:)` gives it, found by
    /// selection in linear time (the values are reordered); nil for no values. Sorting the session
    /// durations of a 10M-event database for a median and a 90th percentile took 0.2-0.3 s of the
    /// touchpoint report's 1.8-2.0 s.
    package static func quantiles(unsorted values: inout [Double], _ qs: [Double]) -> [Double?] {
        guard !values.isEmpty else { return qs.map { _ in nil } }
        return qs.map { q in
            let h = Double(values.count - 1) * q
            let lower = Int(h.rounded(.down))
            let low = select(&values, lower)
            // After selecting, everything after `lower` is >= low: the next value up is their minimum.
            let high = lower + 1 < values.count ? values[(lower + 1)...].min() ?? low : low
            return low + (h - Double(lower)) * (high - low)
        }
    }

    /// The median of unsorted values (see `quantile`), found by selection in
    /// linear time rather than by sorting.
    package static func median(_ values: [Double]) -> Double? {
        var copy = values
        return quantiles(unsorted: &copy, [0.5])[0]
    }

    /// Moves the k-th smallest value (0-based) to index k, smaller ones before it,
    /// and returns it (Hoare's quickselect, middle-of-three pivot).
    static func select(_ values: inout [Double], _ k: Int) -> Double {
        var low = 0, high = values.count - 1
        while low < high {
            let middle = low + (high - low) / 2
            let pivot = [values[low], values[middle], values[high]].sorted()[1]
            var i = low, j = high
            while i <= j {
                while values[i] < pivot { i += 1 }
                while values[j] > pivot { j -= 1 }
                if i <= j {
                    values.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if k <= j { high = j } else if k >= i { low = i } else { break }
        }
        return values[k]
    }

    /// numerator / denominator, or nil when the denominator is 0 (never NaN).
    package static func ratio(_ numerator: Double, _ denominator: Double) -> Double? {
        denominator == 0 ? nil : numerator / denominator
    }

    /// The 95% Wilson score interval of a proportion of `successes` in `trials`;
    /// nil for no trials. z = 1.959963984540054.
    package static func wilson(successes: Int, trials: Int, z: Double = 1.959963984540054) -> (low: Double, high: Double)? {
        guard trials > 0 else { return nil }
        let n = Double(trials)
        let p = Double(successes) / n
        let z2 = z * z
        let center = (p + z2 / (2 * n)) / (1 + z2 / n)
        let half = z / (1 + z2 / n) * sqrt(p * (1 - p) / n + z2 / (4 * n * n))
        return (max(0, center - half), min(1, center + half))
    }

    /// Two-proportion z-test with a pooled standard error.
    /// - Returns: z (positive when the first rate is higher) and the two-sided
    ///   p-value; nil when either group is empty or the pooled rate is 0 or 1.
    package static func twoProportionZTest(successes1: Int, trials1: Int, successes2: Int, trials2: Int)
        -> (z: Double, p: Double)? {
        guard trials1 > 0, trials2 > 0 else { return nil }
        let p1 = Double(successes1) / Double(trials1), p2 = Double(successes2) / Double(trials2)
        let pooled = Double(successes1 + successes2) / Double(trials1 + trials2)
        let se = sqrt(pooled * (1 - pooled) * (1 / Double(trials1) + 1 / Double(trials2)))
        guard se > 0 else { return nil }
        let z = (p1 - p2) / se
        return (z, erfc(abs(z) / 2.0.squareRoot()))
    }

    /// 95% confidence interval of p1 - p2 (unpooled Wald); nil for empty groups.
    package static func differenceInterval(successes1: Int, trials1: Int, successes2: Int, trials2: Int,
                                          z: Double = 1.959963984540054) -> (low: Double, high: Double)? {
        guard trials1 > 0, trials2 > 0 else { return nil }
        let p1 = Double(successes1) / Double(trials1), p2 = Double(successes2) / Double(trials2)
        let se = sqrt(p1 * (1 - p1) / Double(trials1) + p2 * (1 - p2) / Double(trials2))
        return (p1 - p2 - z * se, p1 - p2 + z * se)
    }

    /// Holm's step-down adjustment of p-values (controls the family-wise error
    /// rate); returns adjusted p-values in the input order.
    package static func holm(_ pValues: [Double]) -> [Double] {
        let order = pValues.indices.sorted { pValues[$0] < pValues[$1] }
        var adjusted = [Double](repeating: 1, count: pValues.count)
        var running = 0.0
        for (rank, index) in order.enumerated() {
            running = max(running, min(1, Double(pValues.count - rank) * pValues[index]))
            adjusted[index] = running
        }
        return adjusted
    }
}
