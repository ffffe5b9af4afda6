/// Evaluates actors under strict order, optional stages and exclusions
/// (`ChainRules`), one at a time, reusing its buffers. Not thread-safe.
package struct ChainEvaluator {
    package let rules: ChainRules

    package init(rules: ChainRules) {
        self.rules = rules
    }

    /// Evaluates an actor from its events in journey order.
    /// - Parameters:
    ///   - timestamps: milliseconds, non-decreasing.
    ///   - masks: per event, the stages it matches (bit i: stage i).
    ///   - exclusionMasks: per event, the exclusions it is an X event of (bit k: exclusion k);
    ///     empty when the rules have no exclusions.
    package mutating func evaluate(timestamps: UnsafeBufferPointer<Int64>, masks: UnsafeBufferPointer<UInt32>,
                                   exclusionMasks: UnsafeBufferPointer<UInt32>) -> ChainResult {
        fatalError("not yet")
    }
}

extension ChainEvaluator {
    /// Convenience for arrays (tests and small inputs).
    package mutating func evaluate(timestamps: [Int64], masks: [UInt32], exclusionMasks: [UInt32] = []) -> ChainResult {
        timestamps.withUnsafeBufferPointer { times in
            masks.withUnsafeBufferPointer { masks in
                exclusionMasks.withUnsafeBufferPointer { evaluate(timestamps: times, masks: masks, exclusionMasks: $0) }
            }
        }
    }
}
