import AnalyticsCore

/// One stage's row of a funnel. Rates are fractions, nil when undefined.
public struct StageResult: Sendable, Equatable {
    public var stage: String
    public var reached: Int
    public var conversionFromPrevious: Double?
    public var conversionFromFirst: Double?
    public var dropped: Int
    public var dropOffRate: Double?
    /// 95% Wilson interval of `conversionFromPrevious`.
    public var ciLow: Double?
    public var ciHigh: Double?
    /// Actors that reached the previous stage but not this one whose window is still open.
    public var inWindow: Int
    public var medianSecondsFromPrevious: Double?
    public var medianSecondsFromFirst: Double?
    /// A chain may skip this stage: `dropped`, `inWindow` (0), the rates of loss and the
    /// times are not defined for it (shown as null); conversion is from the previous required stage.
    public var optional: Bool
    /// With `--time-to-convert`: the distribution of times to reach this stage.
    public var timeToConvert: TimeToConvert?

    public init(stage: String, reached: Int, conversionFromPrevious: Double?, conversionFromFirst: Double?, dropped: Int,
                 dropOffRate: Double?, ciLow: Double?, ciHigh: Double?, inWindow: Int, medianSecondsFromPrevious: Double?,
                 medianSecondsFromFirst: Double?, optional: Bool = false, timeToConvert: TimeToConvert? = nil) {
        self.optional = optional
        self.timeToConvert = timeToConvert
        self.stage = stage
        self.reached = reached
        self.conversionFromPrevious = conversionFromPrevious
        self.conversionFromFirst = conversionFromFirst
        self.dropped = dropped
        self.dropOffRate = dropOffRate
        self.ciLow = ciLow
        self.ciHigh = ciHigh
        self.inWindow = inWindow
        self.medianSecondsFromPrevious = medianSecondsFromPrevious
        self.medianSecondsFromFirst = medianSecondsFromFirst
    }
}

/// A funnel: per-stage reach and drop-off, overall and per breakdown group.
public struct FunnelReport: Sendable, Equatable {
    public struct Group: Sendable, Equatable {
        public var value: String
        public var stages: [StageResult]
    }

    public var journey: String
    public var actor: FunnelActor
    public var windowMilliseconds: Int64
    public var range: TimeRange
    /// The instant windows were judged at (nil when there were no events).
    public var asOf: Int64?
    public var matureOnly: Bool
    public var stages: [StageResult]
    public var breakdown: FunnelBreakdown?
    public var groups: [Group]
    /// How stages follow each other and what was counted (the journey's, after command-line overrides).
    public var order: FunnelOrder = .ordered
    public var count: FunnelCount = .actors
    /// An exclusion as reported: its events and the names of the stages it lies between.
    public struct Exclusion: Sendable, Equatable {
        public var events: [String]
        public var from: String
        public var to: String
    }

    /// Each exclusion of the journey.
    public var exclusions: [Exclusion] = []
    public var excludeMode: ExcludeMode = .cut
    /// With `exclude_mode: drop_actor`: the actors left out of every stage (nil otherwise).
    public var excludedActors: Int?

    /// The worst stage, the one definition every command and report names: the required stage (from the
    /// second on) that loses the most actors (`dropped`), the earlier one on a tie; nil when no stage
    /// loses any. (Not the highest drop-off rate: a late stage with a handful of actors reaches a
    /// high rate easily; docs/metrics.md.)
    public var worstStageIndex: Int? { Self.worstStageIndex(stages) }

    /// The stage a stage's conversion is measured from: the previous required stage.
    public static func previousRequired(_ stages: [StageResult], before stage: Int) -> Int {
        (0..<stage).last { !stages[$0].optional } ?? 0
    }

    /// See `worstStageIndex`.
    public static func worstStageIndex(_ stages: [StageResult]) -> Int? {
        stages.indices.dropFirst().filter { stages[$0].dropped > 0 && !stages[$0].optional }
            .max { (stages[$0].dropped, -$0) < (stages[$1].dropped, -$1) }
    }
}
