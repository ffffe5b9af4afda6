/// Evaluates actors for a funnel whose stages may happen in any order.
///
/// A window starts at an event matching some stage, at time t, and holds the
/// actor's events with times in [t, t + window]. Its steps are the most
/// distinct stages that distinct events in it match (a maximum matching;
/// events at the same instant may fill different stages). An actor's depth is
/// the most steps of any window; `stageTimes[k - 1]` is, in the earliest window
/// reaching that depth, the smallest u such that the events in [t, u] match k
/// steps; `startIndex` is the first event of that window matching a stage;
/// `lastStart` the time of the last event matching any stage. Not thread-safe.
package struct AnyOrderEvaluator {
    package let stageCount: Int
    package let window: Int64

    package init(stageCount: Int, window: Int64) {
        self.stageCount = stageCount
        self.window = window
    }

    /// Evaluates an actor from its events in time order.
    package mutating func evaluate(timestamps: UnsafeBufferPointer<Int64>, masks: UnsafeBufferPointer<UInt32>) -> ActorFunnel {
        fatalError("not yet")
    }
}

extension AnyOrderEvaluator {
    /// Convenience for arrays (tests and small inputs).
    package mutating func evaluate(timestamps: [Int64], masks: [UInt32]) -> ActorFunnel {
        timestamps.withUnsafeBufferPointer { times in
            masks.withUnsafeBufferPointer { evaluate(timestamps: times, masks: $0) }
        }
    }
}
