/// Sums actors' (or entries') results into per-stage counts and durations.
struct FunnelAccumulator {
    /// The stage indexes of the required stages, in order; the others are optional.
    let required: [Int]
    private(set) var reached: [Int]
    private(set) var inWindow: [Int]
    private var fromPrevious: [[Double]]
    private var fromFirst: [[Double]]
    /// Actors left out under `exclude_mode: drop_actor`.
    private(set) var excludedActors = 0

    /// - Parameter optional: the optional stages (bit i: stage i).
    init(stageCount: Int, optional: UInt32 = 0) {
        required = (0..<stageCount).filter { optional & (UInt32(1) << UInt32($0)) == 0 }
        reached = Array(repeating: 0, count: stageCount)
        inWindow = Array(repeating: 0, count: stageCount)
        fromPrevious = Array(repeating: [], count: stageCount)
        fromFirst = Array(repeating: [], count: stageCount)
    }

    /// An empty accumulator of the same shape.
    var empty: FunnelAccumulator {
        var empty = self
        empty.reached = reached.map { _ in 0 }
        empty.inWindow = empty.reached
        empty.fromPrevious = fromPrevious.map { _ in [] }
        empty.fromFirst = empty.fromPrevious
        empty.excludedActors = 0
        return empty
    }

    /// Actors entering the funnel (reaching stage 1).
    var entering: Int { reached.first ?? 0 }

    mutating func add(_ actor: ActorFunnel) {
        add(depth: actor.depth, optionalReached: 0, stageTimes: actor.stageTimes)
    }

    /// Counts an actor (or entry) that reached `depth` required stages and the optional
    /// stages in `optionalReached`, with its required stages' times.
    mutating func add(depth: Int, optionalReached: UInt32, stageTimes: [Int64]) {
        guard depth > 0 else { return }
        for rank in 0..<depth {
            let stage = required[rank]
            reached[stage] += 1
            if rank > 0 {
                fromPrevious[stage].append(Double(stageTimes[rank] - stageTimes[rank - 1]) / 1000)
                fromFirst[stage].append(Double(stageTimes[rank] - stageTimes[0]) / 1000)
            }
        }
        var optional = optionalReached
        while optional != 0 {
            reached[optional.trailingZeroBitCount] += 1
            optional &= optional - 1
        }
    }

    /// Counts an actor left out of every stage (`drop_actor`).
    mutating func addExcluded() { excludedActors += 1 }

    /// Counts an actor that stopped at `depth` required stages with its window still open.
    mutating func addInWindow(depth: Int) {
        if depth < required.count { inWindow[required[depth]] += 1 }
    }

    mutating func merge(_ other: FunnelAccumulator) {
        for stage in reached.indices {
            reached[stage] += other.reached[stage]
            inWindow[stage] += other.inWindow[stage]
            fromPrevious[stage] += other.fromPrevious[stage]
            fromFirst[stage] += other.fromFirst[stage]
        }
        excludedActors += other.excludedActors
    }

    /// - Parameter bins: with time to convert, the histogram's bins (nil: without).
    func results(names: [String], bins: Int? = nil) -> [StageResult] {
        var previousRequired = 0
        return names.indices.map { stage in
            let isOptional = !required.contains(stage)
            let count = reached[stage]
            let previous = stage == 0 ? count : reached[previousRequired]
            let first = reached[0]
            defer { if !isOptional { previousRequired = stage } }
            let timeToConvert = bins.map { bins in
                TimeToConvert(fromPrevious: isOptional ? [] : fromPrevious[stage], fromFirst: isOptional ? [] : fromFirst[stage],
                              bins: bins)
            }
            if isOptional {
                return StageResult(
                    stage: names[stage], reached: count,
                    conversionFromPrevious: Statistics.ratio(Double(count), Double(previous)),
                    conversionFromFirst: Statistics.ratio(Double(count), Double(first)), dropped: 0, dropOffRate: nil,
                    ciLow: nil, ciHigh: nil, inWindow: 0, medianSecondsFromPrevious: nil, medianSecondsFromFirst: nil,
                    optional: true, timeToConvert: timeToConvert)
            }
            let interval: (low: Double, high: Double)?
            if stage == 0 {
                interval = count > 0 ? (1, 1) : nil
            } else {
                interval = Statistics.wilson(successes: count, trials: previous)
            }
            return StageResult(
                stage: names[stage], reached: count,
                conversionFromPrevious: Statistics.ratio(Double(count), Double(previous)),
                conversionFromFirst: Statistics.ratio(Double(count), Double(first)),
                dropped: previous - count,
                dropOffRate: Statistics.ratio(Double(previous - count), Double(previous)),
                ciLow: interval?.low, ciHigh: interval?.high,
                inWindow: inWindow[stage],
                medianSecondsFromPrevious: stage == 0 ? nil : Statistics.median(fromPrevious[stage]),
                medianSecondsFromFirst: stage == 0 ? nil : Statistics.median(fromFirst[stage]),
                timeToConvert: timeToConvert)
        }
    }
}
