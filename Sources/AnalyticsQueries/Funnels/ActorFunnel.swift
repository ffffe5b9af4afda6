/// How far one actor (a user or a session) got through a journey.
///
/// Stage k is reached when there are distinct events e1...ek of the actor with
/// strictly increasing timestamps, ei matching stage i, and
/// t(ek) - t(e1) <= window; any chain start counts. This is ClickHouse's
/// `windowFunnel(window, 'strict_increase', 'strict_once')`.
package struct ActorFunnel: Sendable, Equatable {
    /// The deepest stage reached (0: not even stage 1).
    package var depth: Int
    /// The time of the latest stage-1 event (nil when depth is 0).
    package var lastStart: Int64?
    /// For depth d: the times of stages 1...d on the chain that starts earliest
    /// among those reaching d, each later stage at its earliest possible event.
    package var stageTimes: [Int64]
    /// The index (among the events evaluated) of that chain's stage-1 event: the
    /// actor's counted stage-1 event (nil when depth is 0).
    package var startIndex: Int? = nil
}

/// Evaluates actors one at a time, reusing its buffers. Not thread-safe.
package struct ActorFunnelEvaluator {
    package let stageCount: Int
    package let window: Int64
    private var best: [Int64]
    private var pending: [Int64]
    private static let none = Int64.min

    package init(stageCount: Int, window: Int64) {
        self.stageCount = stageCount
        self.window = window
        best = Array(repeating: Self.none, count: stageCount)
        pending = best
    }

    /// Evaluates an actor from its events in time order.
    /// - Parameters:
    ///   - timestamps: milliseconds, non-decreasing.
    ///   - masks: for each event, the stages it matches (bit i: stage i).
    package mutating func evaluate(timestamps: UnsafeBufferPointer<Int64>, masks: UnsafeBufferPointer<UInt32>) -> ActorFunnel {
        let count = timestamps.count
        for stage in 0..<stageCount { best[stage] = Self.none }
        // One pass in time order. best[i] is the latest chain start among the
        // chains reaching stage i with events strictly before the current
        // instant: a later start leaves the most room in the window, and
        // events at the same instant never extend each other.
        var index = 0
        var lastStart: Int64?
        while index < count {
            let time = timestamps[index]
            var end = index
            var groupMask: UInt32 = 0
            while end < count && timestamps[end] == time {
                groupMask |= masks[end]
                end += 1
            }
            if groupMask != 0 {
                for stage in 0..<stageCount { pending[stage] = best[stage] }
                for event in index..<end {
                    var mask = masks[event]
                    while mask != 0 {
                        let stage = mask.trailingZeroBitCount
                        mask &= mask - 1
                        let candidate: Int64
                        if stage == 0 {
                            candidate = time
                            lastStart = time
                        } else {
                            let start = best[stage - 1]
                            guard start != Self.none, time - start <= window else { continue }
                            candidate = start
                        }
                        if candidate > pending[stage] { pending[stage] = candidate }
                    }
                }
                for stage in 0..<stageCount { best[stage] = pending[stage] }
            }
            index = end
        }
        var depth = 0
        while depth < stageCount && best[depth] != Self.none { depth += 1 }
        guard depth > 0 else { return ActorFunnel(depth: 0, lastStart: lastStart, stageTimes: []) }
        let chain = earliestChain(depth: depth, timestamps: timestamps, masks: masks)
        return ActorFunnel(depth: depth, lastStart: lastStart, stageTimes: chain.times, startIndex: chain.start)
    }

    /// The times of the chain that starts earliest among those reaching
    /// `depth`, taking each later stage at its earliest possible event.
    /// Greedy is exact here: from a fixed start, the earliest event for each
    /// stage leaves the most room for the next ones.
    private func earliestChain(depth: Int, timestamps: UnsafeBufferPointer<Int64>,
                               masks: UnsafeBufferPointer<UInt32>) -> (times: [Int64], start: Int) {
        var times = [Int64](repeating: 0, count: depth)
        for start in 0..<timestamps.count where masks[start] & 1 != 0 {
            let startTime = timestamps[start]
            times[0] = startTime
            var stage = 1
            var previous = startTime
            var event = start + 1
            while stage < depth && event < timestamps.count {
                let time = timestamps[event]
                if time - startTime > window { break }
                if time > previous && masks[event] & (UInt32(1) << UInt32(stage)) != 0 {
                    times[stage] = time
                    previous = time
                    stage += 1
                }
                event += 1
            }
            if stage == depth { return (times, start) }
        }
        return (times, 0) // Unreachable when depth came from `evaluate`.
    }
}

extension ActorFunnelEvaluator {
    /// Convenience for arrays (tests and small inputs).
    package mutating func evaluate(timestamps: [Int64], masks: [UInt32]) -> ActorFunnel {
        timestamps.withUnsafeBufferPointer { times in
            masks.withUnsafeBufferPointer { evaluate(timestamps: times, masks: $0) }
        }
    }
}
