/// The rules a chain of one actor's events must follow, compiled from a
/// journey for the per-actor evaluators (stage i is bit i of a mask).
package struct ChainRules: Sendable, Equatable {
    /// One exclusion: events with bit `bit` of the exclusion mask must not lie
    /// strictly between (in time) a chain's stage `from` and stage `to` events.
    package struct Exclusion: Sendable, Equatable {
        package var from: Int
        package var to: Int

        package init(from: Int, to: Int) {
            self.from = from
            self.to = to
        }
    }

    package var stageCount: Int
    /// Milliseconds from the stage-1 event to the last chain event, inclusive.
    package var window: Int64
    /// No other event of the actor strictly between consecutive chain events.
    package var strict = false
    /// Stages a chain may skip (bit i: stage i); never stage 0.
    package var optional: UInt32 = 0
    /// Exclusion k matches events whose exclusion mask has bit k.
    package var exclusions: [Exclusion] = []

    package init(stageCount: Int, window: Int64, strict: Bool = false, optional: UInt32 = 0, exclusions: [Exclusion] = []) {
        self.stageCount = stageCount
        self.window = window
        self.strict = strict
        self.optional = optional
        self.exclusions = exclusions
    }

    /// Whether stage i is required.
    @inline(__always)
    package func isRequired(_ stage: Int) -> Bool { optional & (UInt32(1) << UInt32(stage)) == 0 }

    /// The number of required stages among stages 0...stage.
    package func requiredRank(_ stage: Int) -> Int {
        (0...stage).filter(isRequired).count
    }

    /// The indexes of the required stages, in order.
    package var requiredStages: [Int] { (0..<stageCount).filter(isRequired) }
}

/// How far one actor got under `ChainRules`.
///
/// A chain is a sequence of distinct events with strictly increasing times,
/// the first matching stage 0 and each next one a later stage, skipping only
/// optional stages, all within the window of the first; under strict rules no
/// event of the actor lies strictly between two consecutive chain events. A
/// chain is clean when, for every exclusion (X, a, b) whose stages a and b it
/// contains, no X event lies strictly between its stage-a and stage-b times.
package struct ChainResult: Sendable, Equatable {
    /// The number of required stages on the deepest clean chain.
    package var depth: Int
    /// Bit i: some clean chain contains stage i.
    package var reached: UInt32
    /// Some chain (clean or not) is not clean: the actor is left out under `drop_actor`.
    package var excluded: Bool
    /// The time of the latest stage-0 event (nil when there is none).
    package var lastStart: Int64?
    /// The times of the required stages 1...depth on the clean chain reaching
    /// `depth` whose required-stage times are lexicographically smallest.
    package var stageTimes: [Int64]
    /// The smallest event index among the stage-0 events of such chains.
    package var startIndex: Int?

    package init(depth: Int, reached: UInt32, excluded: Bool, lastStart: Int64?, stageTimes: [Int64], startIndex: Int?) {
        self.depth = depth
        self.reached = reached
        self.excluded = excluded
        self.lastStart = lastStart
        self.stageTimes = stageTimes
        self.startIndex = startIndex
    }
}
