/// Evaluates actors under strict order, optional stages and exclusions
/// (`ChainRules`), one at a time, reusing its buffers. Not thread-safe.
///
/// One pass over the actor's instants keeps, per stage and per "cap" (the
/// deepest stage a chain may still reach after an excluded event tainted it),
/// the latest chain start: for equal stage and cap a later start leaves the
/// most room in the window. Under strict rules only the chains ending at the
/// previous instant can be extended. The reported chain's times are then
/// found by a search from the earliest stage-0 event that reaches the depth.
package struct ChainEvaluator {
    package let rules: ChainRules
    /// The distinct caps, ascending: each exclusion's end stage - 1, and the last stage.
    private let caps: [Int]
    /// Per exclusion, the index in `caps` of its end stage - 1.
    private let exclusionCaps: [Int]
    /// Per stage, the first stage a chain may come from (the previous required stage).
    private let sourceFrom: [Int]
    /// The required stages, in order.
    private let required: [Int]
    private var best: [Int64]
    private var pending: [Int64]
    private var search: ChainSearch
    private static let none = Int64.min

    package init(rules: ChainRules) {
        self.rules = rules
        caps = Array(Set([rules.stageCount - 1] + rules.exclusions.map { $0.to - 1 })).sorted()
        exclusionCaps = rules.exclusions.map { [caps] exclusion in caps.firstIndex(of: exclusion.to - 1)! }
        sourceFrom = (0..<rules.stageCount).map { stage in
            (0..<stage).last(where: rules.isRequired) ?? 0
        }
        required = rules.requiredStages
        best = Array(repeating: Self.none, count: rules.stageCount * caps.count)
        pending = best
        search = ChainSearch(rules: rules, caps: caps, exclusionCaps: exclusionCaps)
    }

    /// Evaluates an actor from its events in journey order.
    /// - Parameters:
    ///   - timestamps: milliseconds, non-decreasing.
    ///   - masks: per event, the stages it matches (bit i: stage i).
    ///   - exclusionMasks: per event, the exclusions it is an X event of (bit k: exclusion k);
    ///     empty when the rules have no exclusions.
    package mutating func evaluate(timestamps: UnsafeBufferPointer<Int64>, masks: UnsafeBufferPointer<UInt32>,
                                   exclusionMasks: UnsafeBufferPointer<UInt32>) -> ChainResult {
        let count = timestamps.count, capCount = caps.count, top = capCount - 1
        let window = rules.window, strict = rules.strict
        let hasExclusions = !exclusionMasks.isEmpty
        for slot in best.indices { best[slot] = Self.none }
        var reached: UInt32 = 0
        var excluded = false
        var lastStart: Int64?
        var live = false // whether `best` holds any chain
        var index = 0
        while index < count {
            let time = timestamps[index]
            var end = index
            var groupMask: UInt32 = 0, groupX: UInt32 = 0
            while end < count && timestamps[end] == time {
                groupMask |= masks[end]
                if hasExclusions { groupX |= exclusionMasks[end] }
                end += 1
            }
            defer { index = end }
            if groupMask == 0 && (groupX == 0 || !live) {
                // Nothing starts or extends here; under strict rules the chains are broken.
                if strict && live {
                    for slot in best.indices { best[slot] = Self.none }
                    live = false
                }
                continue
            }
            // Chains from earlier instants: kept (ordered, tainted by this instant's X
            // events when they lie between the exclusion's stages) or broken (strict).
            for slot in pending.indices { pending[slot] = strict ? Self.none : best[slot] }
            if !strict && groupX != 0 {
                for (k, exclusion) in rules.exclusions.enumerated() where groupX & (UInt32(1) << UInt32(k)) != 0 {
                    let capped = exclusionCaps[k]
                    for stage in exclusion.from..<exclusion.to {
                        for cap in (capped + 1)..<capCount {
                            let slot = stage * capCount + cap
                            guard pending[slot] != Self.none else { continue }
                            let target = stage * capCount + capped
                            if pending[slot] > pending[target] { pending[target] = pending[slot] }
                            pending[slot] = Self.none
                        }
                    }
                }
            }
            if groupMask != 0 {
                for event in index..<end {
                    var mask = masks[event]
                    while mask != 0 {
                        let stage = mask.trailingZeroBitCount
                        mask &= mask - 1
                        if stage == 0 {
                            lastStart = time
                            let slot = top
                            if time > pending[slot] { pending[slot] = time }
                            reached |= 1
                            continue
                        }
                        guard live else { continue }
                        // Arriving strictly inside an exclusion's span, with its X event at this instant, taints.
                        var arrivalCap = top
                        if groupX != 0 {
                            for (k, exclusion) in rules.exclusions.enumerated()
                            where groupX & (UInt32(1) << UInt32(k)) != 0 && exclusion.from < stage && stage < exclusion.to {
                                arrivalCap = min(arrivalCap, exclusionCaps[k])
                            }
                        }
                        for source in sourceFrom[stage]..<stage {
                            for cap in 0..<capCount {
                                let start = best[source * capCount + cap]
                                guard start != Self.none, time - start <= window else { continue }
                                guard caps[cap] >= stage else {
                                    excluded = true // A tainted chain would reach its exclusion's end stage.
                                    continue
                                }
                                let slot = stage * capCount + min(cap, arrivalCap)
                                if start > pending[slot] { pending[slot] = start }
                                reached |= UInt32(1) << UInt32(stage)
                            }
                        }
                    }
                }
            }
            swap(&best, &pending)
            live = best.contains { $0 != Self.none }
        }
        var depth = 0
        for stage in 0..<rules.stageCount where rules.isRequired(stage) {
            guard reached & (UInt32(1) << UInt32(stage)) != 0 else { break }
            depth += 1
        }
        guard depth > 0 else {
            return ChainResult(depth: 0, reached: 0, excluded: excluded, lastStart: lastStart, stageTimes: [], startIndex: nil)
        }
        let found: (times: [Int64], start: Int)?
        if depth == 1 {
            // The earliest stage-0 event is a chain of its own.
            let start = (0..<count).first { masks[$0] & 1 != 0 }!
            found = ([timestamps[start]], start)
        } else if !strict && rules.exclusions.isEmpty {
            found = earliestRequiredChain(depth: depth, timestamps: timestamps, masks: masks)
        } else {
            found = search.earliest(depth: depth, timestamps: timestamps, masks: masks, exclusionMasks: exclusionMasks)
        }
        return ChainResult(depth: depth, reached: reached, excluded: excluded, lastStart: lastStart,
                           stageTimes: found?.times ?? [], startIndex: found?.start)
    }
}

extension ChainEvaluator {
    /// Ordered rules without exclusions: optional stages never help, so the reported chain is the
    /// greedy one over the required stages from the earliest start that reaches `depth` (each
    /// stage at its earliest event: from a fixed start that leaves the most room for the next).
    private func earliestRequiredChain(depth: Int, timestamps: UnsafeBufferPointer<Int64>,
                                       masks: UnsafeBufferPointer<UInt32>) -> (times: [Int64], start: Int)? {
        var times = [Int64](repeating: 0, count: depth)
        var previousStart: Int64?
        for start in 0..<timestamps.count where masks[start] & 1 != 0 && timestamps[start] != previousStart {
            let startTime = timestamps[start]
            previousStart = startTime
            times[0] = startTime
            var rank = 1, previous = startTime, event = start + 1
            while rank < depth && event < timestamps.count {
                let time = timestamps[event]
                if time - startTime > rules.window { break }
                if time > previous && masks[event] & (UInt32(1) << UInt32(required[rank])) != 0 {
                    times[rank] = time
                    previous = time
                    rank += 1
                }
                event += 1
            }
            if rank == depth { return (times, start) }
        }
        return nil
    }
}

/// Finds, for an actor known to reach `depth` required stages, the clean chain
/// with the lexicographically smallest required-stage times: the earliest
/// stage-0 event that can reach the depth, then depth-first search, trying
/// next events in time order, with the states that cannot reach the depth
/// remembered. Its buffers are reused from actor to actor.
struct ChainSearch {
    private let rules: ChainRules
    private let caps: [Int]
    private let exclusionCaps: [Int]
    /// Per stage, the number of required stages among stages 0...stage.
    private let requiredRanks: [Int]
    /// Per stage, the next required stage (stageCount when none).
    private let nextRequired: [Int]
    /// Whether several next stages can be tried from one state (strict order with optional stages):
    /// then the best of them is kept, and successes are remembered too.
    private let branches: Bool
    private var timestamps = UnsafeBufferPointer<Int64>(start: nil, count: 0)
    private var masks = UnsafeBufferPointer<UInt32>(start: nil, count: 0)
    private var depth = 0
    /// Per event, the index after the last event at its instant, and the first at it.
    private var groupEnd: [Int] = []
    private var groupStart: [Int] = []
    /// Per exclusion k, the count of its X events before each index: xBefore[k x (count + 1) + index].
    private var xBefore: [Int] = []
    private var startTime: Int64 = 0
    /// States (event, stage, cap) known to fail from the current start: stamped with `generation`.
    private var failed: [UInt32] = []
    private var generation: UInt32 = 0
    /// With branches: the result of each state already searched from the current start.
    private var solved: [Int: [Int64]] = [:]

    init(rules: ChainRules, caps: [Int], exclusionCaps: [Int]) {
        self.rules = rules
        self.caps = caps
        self.exclusionCaps = exclusionCaps
        requiredRanks = (0..<rules.stageCount).map(rules.requiredRank)
        nextRequired = (0..<rules.stageCount).map { stage in
            ((stage + 1)..<rules.stageCount).first(where: rules.isRequired) ?? rules.stageCount
        }
        branches = rules.strict && rules.optional != 0
    }

    /// The reported chain of an actor: its required-stage times and its stage-0 event.
    mutating func earliest(depth: Int, timestamps: UnsafeBufferPointer<Int64>, masks: UnsafeBufferPointer<UInt32>,
                           exclusionMasks: UnsafeBufferPointer<UInt32>) -> (times: [Int64], start: Int)? {
        self.timestamps = timestamps
        self.masks = masks
        self.depth = depth
        let count = timestamps.count
        groupEnd.removeAll(keepingCapacity: true)
        groupStart.removeAll(keepingCapacity: true)
        groupEnd.append(contentsOf: repeatElement(count, count: count))
        groupStart.append(contentsOf: repeatElement(0, count: count))
        for index in 0..<count {
            groupStart[index] = index > 0 && timestamps[index - 1] == timestamps[index] ? groupStart[index - 1] : index
        }
        var index = count - 1
        while index >= 0 {
            groupEnd[index] = index + 1 < count && timestamps[index + 1] == timestamps[index] ? groupEnd[index + 1] : index + 1
            index -= 1
        }
        xBefore.removeAll(keepingCapacity: true)
        if !exclusionMasks.isEmpty {
            for k in rules.exclusions.indices {
                var seen = 0
                xBefore.append(0)
                for event in 0..<count {
                    if exclusionMasks[event] & (UInt32(1) << UInt32(k)) != 0 { seen += 1 }
                    xBefore.append(seen)
                }
            }
        }
        let states = count * rules.stageCount * caps.count
        if failed.count < states { failed.append(contentsOf: repeatElement(0, count: states - failed.count)) }
        var previous: Int64?
        for start in 0..<count where masks[start] & 1 != 0 && timestamps[start] != previous {
            previous = timestamps[start]
            startTime = timestamps[start]
            nextGeneration()
            if let rest = complete(event: start, stage: 0, cap: caps.count - 1) { return ([startTime] + rest, start) }
        }
        return nil
    }

    private mutating func nextGeneration() {
        if generation == .max {
            for slot in failed.indices { failed[slot] = 0 }
            generation = 0
        }
        generation += 1
        if branches { solved.removeAll(keepingCapacity: true) }
    }

    /// The smallest remaining required-stage times from a chain ending at `event`
    /// on `stage` with `cap`, or nil when the depth cannot be reached from there.
    private mutating func complete(event: Int, stage: Int, cap: Int) -> [Int64]? {
        if requiredRanks[stage] == depth { return [] }
        let key = (event * rules.stageCount + stage) * caps.count + cap
        if failed[key] == generation { return nil }
        if branches, let known = solved[key] { return known }
        let result = search(event: event, stage: stage, cap: cap)
        if let result {
            if branches { solved[key] = result }
        } else {
            failed[key] = generation
        }
        return result
    }

    private mutating func search(event: Int, stage: Int, cap: Int) -> [Int64]? {
        let required = nextRequired[stage]
        guard required < rules.stageCount else { return nil }
        let from = groupEnd[event]
        // Ordered: optional stages never help reach required ones, so only the next
        // required stage is tried, earliest first. Strict: only the next instant.
        let to = rules.strict ? (from < timestamps.count ? groupEnd[from] : from) : timestamps.count
        let firstTarget = rules.strict ? stage + 1 : required
        var best: [Int64]?
        for candidate in from..<to {
            let time = timestamps[candidate]
            guard time - startTime <= rules.window else { break }
            for target in firstTarget...required where masks[candidate] & (UInt32(1) << UInt32(target)) != 0 {
                guard let arrived = arrivalCap(from: event, stage: stage, cap: cap, to: candidate, target: target),
                      let rest = complete(event: candidate, stage: target, cap: arrived) else { continue }
                if target == required { return [time] + rest } // Nothing reachable from here comes earlier.
                if best.map({ rest.lexicographicallyPrecedes($0) }) ?? true { best = rest }
            }
        }
        return best
    }

    /// The cap of a chain extended from `event` (on `stage`) to `candidate` (on
    /// `target`), or nil when an excluded event between forbids it.
    private func arrivalCap(from event: Int, stage: Int, cap: Int, to candidate: Int, target: Int) -> Int? {
        var cap = cap
        if !xBefore.isEmpty {
            let between = groupEnd[event], arrival = groupStart[candidate], arrivalEnd = groupEnd[candidate]
            let width = timestamps.count + 1
            for (k, exclusion) in rules.exclusions.enumerated() {
                // An X event strictly between taints a chain already at or past the exclusion's start;
                // one at the arrival instant taints a chain arriving strictly inside its span.
                let strictlyBetween = xBefore[k * width + arrival] - xBefore[k * width + between] > 0
                if strictlyBetween && exclusion.from <= stage && stage < exclusion.to { cap = min(cap, exclusionCaps[k]) }
                let atArrival = xBefore[k * width + arrivalEnd] - xBefore[k * width + arrival] > 0
                if atArrival && exclusion.from < target && target < exclusion.to { cap = min(cap, exclusionCaps[k]) }
            }
        }
        return caps[cap] >= target ? cap : nil
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
