/// Counts conversions rather than actors (Mixpanel's "totals"), ordered mode.
///
/// Stage-0 events, in journey order, each start an entry unless an earlier
/// entry already used them. An entry takes, stage by stage, the earliest unused
/// event matching the stage that is strictly later than its previous event and
/// within the window of its start, and marks it used; events used by an entry
/// that does not complete stay used. Not thread-safe.
package struct ConversionCounter {
    package let stageCount: Int
    package let window: Int64
    private var used: [Bool] = []

    package init(stageCount: Int, window: Int64) {
        self.stageCount = stageCount
        self.window = window
    }

    /// The entries of an actor from its events in journey order: per entry its
    /// depth, start time (`lastStart`), stage times and stage-0 event index.
    package mutating func entries(timestamps: UnsafeBufferPointer<Int64>, masks: UnsafeBufferPointer<UInt32>) -> [ActorFunnel] {
        let count = timestamps.count
        used.removeAll(keepingCapacity: true)
        used.append(contentsOf: repeatElement(false, count: count))
        var entries: [ActorFunnel] = []
        for start in 0..<count where masks[start] & 1 != 0 && !used[start] {
            used[start] = true
            let startTime = timestamps[start]
            var times = [startTime]
            var previous = startTime
            // Events are in time order: one forward scan finds each stage's earliest unused event.
            var event = start + 1
            while times.count < stageCount && event < count {
                let time = timestamps[event]
                if time - startTime > window { break }
                if time > previous && !used[event] && masks[event] & (UInt32(1) << UInt32(times.count)) != 0 {
                    used[event] = true
                    times.append(time)
                    previous = time
                }
                event += 1
            }
            entries.append(ActorFunnel(depth: times.count, lastStart: startTime, stageTimes: times, startIndex: start))
        }
        return entries
    }
}

extension ConversionCounter {
    /// Convenience for arrays (tests and small inputs).
    package mutating func entries(timestamps: [Int64], masks: [UInt32]) -> [ActorFunnel] {
        timestamps.withUnsafeBufferPointer { times in
            masks.withUnsafeBufferPointer { entries(timestamps: times, masks: $0) }
        }
    }
}
