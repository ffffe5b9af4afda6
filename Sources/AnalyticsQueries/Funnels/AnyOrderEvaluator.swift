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
    /// The events matching some stage: index, time, mask.
    private var matching: [(index: Int, time: Int64, mask: UInt32)] = []
    private var matcher = StageMatching()
    /// Per stage, the events in the current window matching it.
    private var stageCounts: [Int] = []

    package init(stageCount: Int, window: Int64) {
        self.stageCount = stageCount
        self.window = window
    }

    /// Evaluates an actor from its events in time order.
    package mutating func evaluate(timestamps: UnsafeBufferPointer<Int64>, masks: UnsafeBufferPointer<UInt32>) -> ActorFunnel {
        matching.removeAll(keepingCapacity: true)
        for index in 0..<timestamps.count where masks[index] != 0 {
            matching.append((index, timestamps[index], masks[index]))
        }
        guard let last = matching.last else { return ActorFunnel(depth: 0, lastStart: nil, stageTimes: []) }
        // Slide the window over start events, keeping per stage the number of events in it
        // that match the stage. While every event in it matches one stage only, its steps are
        // the stages present; otherwise a matching decides. A window is only evaluated when it
        // gained events since the last one evaluated (otherwise it holds a subset of it).
        stageCounts.removeAll(keepingCapacity: true)
        stageCounts.append(contentsOf: repeatElement(0, count: stageCount))
        var present: UInt32 = 0, shared = 0 // events matching several stages
        func add(_ mask: UInt32, _ delta: Int) {
            var bits = mask
            while bits != 0 {
                let stage = bits.trailingZeroBitCount
                bits &= bits - 1
                stageCounts[stage] += delta
                if stageCounts[stage] == 0 { present &= ~(UInt32(1) << UInt32(stage)) } else { present |= UInt32(1) << UInt32(stage) }
            }
            if mask.nonzeroBitCount > 1 { shared += delta }
        }
        var depth = 0, bestStart = 0
        var end = 0, evaluatedEnd = 0
        var start = 0
        while start < matching.count && depth < stageCount {
            let limit = matching[start].time + window
            while end < matching.count && matching[end].time <= limit {
                add(matching[end].mask, 1)
                end += 1
            }
            if end > evaluatedEnd {
                evaluatedEnd = end
                if present.nonzeroBitCount > depth {
                    let steps = shared == 0 ? present.nonzeroBitCount
                        : matcher.size(matching[start..<end].lazy.map(\.mask), stageCount: stageCount)
                    if steps > depth {
                        depth = steps
                        bestStart = start
                    }
                }
            }
            add(matching[start].mask, -1)
            start += 1
        }
        // Times of each step in the reported window: grow it one instant at a time.
        var times: [Int64] = []
        var position = bestStart
        var union: UInt32 = 0, anyShared = false
        while times.count < depth {
            let time = matching[position].time
            while position < matching.count && matching[position].time == time {
                union |= matching[position].mask
                anyShared = anyShared || matching[position].mask.nonzeroBitCount > 1
                position += 1
            }
            let steps = anyShared ? matcher.size(matching[bestStart..<position].lazy.map(\.mask), stageCount: stageCount)
                : union.nonzeroBitCount
            while times.count < min(steps, depth) { times.append(time) }
        }
        return ActorFunnel(depth: depth, lastStart: last.time, stageTimes: times, startIndex: matching[bestStart].index)
    }
}

/// The size of a maximum matching of stages to events (each event fills at
/// most one stage it matches), over events grouped by their masks.
struct StageMatching {
    private var groups: [UInt32: Int] = [:]
    private var masks: [UInt32] = []
    private var capacity: [Int] = []
    private var load: [Int] = []
    private var assigned: [Int] = []
    private var visited: [Bool] = []

    mutating func size<Masks: Sequence>(_ events: Masks, stageCount: Int) -> Int where Masks.Element == UInt32 {
        groups.removeAll(keepingCapacity: true)
        for mask in events { groups[mask, default: 0] += 1 }
        masks = Array(groups.keys)
        capacity = masks.map { min(groups[$0]!, stageCount) }
        load = Array(repeating: 0, count: masks.count)
        assigned = Array(repeating: -1, count: stageCount)
        var size = 0
        for stage in 0..<stageCount {
            visited = Array(repeating: false, count: masks.count)
            if augment(stage) { size += 1 }
        }
        return size
    }

    /// Kuhn's augmenting path from `stage` to a group with room.
    private mutating func augment(_ stage: Int) -> Bool {
        let bit = UInt32(1) << UInt32(stage)
        for group in masks.indices where masks[group] & bit != 0 && !visited[group] {
            visited[group] = true
            if load[group] < capacity[group] {
                load[group] += 1
                assigned[stage] = group
                return true
            }
            for other in assigned.indices where assigned[other] == group && other != stage {
                if augment(other) {
                    assigned[stage] = group
                    return true
                }
            }
        }
        return false
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
