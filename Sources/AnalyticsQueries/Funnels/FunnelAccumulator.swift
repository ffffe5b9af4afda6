/// Sums actors' results into per-stage counts and durations.
struct FunnelAccumulator {
    private(set) var reached: [Int]
    private(set) var inWindow: [Int]
    private var fromPrevious: [[Double]]
    private var fromFirst: [[Double]]

    init(stageCount: Int) {
        reached = Array(repeating: 0, count: stageCount)
        inWindow = Array(repeating: 0, count: stageCount)
        fromPrevious = Array(repeating: [], count: stageCount)
        fromFirst = Array(repeating: [], count: stageCount)
    }

    /// Actors entering the funnel (reaching stage 1).
    var entering: Int { reached.first ?? 0 }

    mutating func add(_ actor: ActorFunnel) {
        guard actor.depth > 0 else { return }
        for stage in 0..<actor.depth {
            reached[stage] += 1
            if stage > 0 {
                fromPrevious[stage].append(Double(actor.stageTimes[stage] - actor.stageTimes[stage - 1]) / 1000)
                fromFirst[stage].append(Double(actor.stageTimes[stage] - actor.stageTimes[0]) / 1000)
            }
        }
    }

    /// Counts an actor that stopped at `depth` with its window still open.
    mutating func addInWindow(depth: Int) {
        if depth < inWindow.count { inWindow[depth] += 1 }
    }

    mutating func merge(_ other: FunnelAccumulator) {
        for stage in reached.indices {
            reached[stage] += other.reached[stage]
            inWindow[stage] += other.inWindow[stage]
            fromPrevious[stage] += other.fromPrevious[stage]
            fromFirst[stage] += other.fromFirst[stage]
        }
    }

    func results(names: [String]) -> [StageResult] {
        names.indices.map { stage in
            let count = reached[stage]
            let previous = stage == 0 ? count : reached[stage - 1]
            let first = reached[0]
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
                medianSecondsFromFirst: stage == 0 ? nil : Statistics.median(fromFirst[stage]))
        }
    }
}
