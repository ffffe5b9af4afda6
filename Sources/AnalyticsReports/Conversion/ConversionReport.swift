import AnalyticsCore
import AnalyticsIngest
import AnalyticsQueries

/// Everything in a stage-conversion report, computed and ready to render.
/// Built by `ConversionReport.build`; rendered by the Reports layer.
public struct ConversionReport: Sendable {
    /// How to build a report.
    public struct Options: Sendable {
        public var journey: JourneyDefinition = .customerJourney
        /// The period; nil ends default to the first and last day with data.
        public var range: TimeRange = .all
        public var comparison: Comparison?
        /// The touchpoint of the stage x touchpoint matrix.
        public var matrixDimension: TouchpointDimension = .channel
        /// The cohort interval of the trend.
        public var interval: FunnelBreakdown = .week
        /// How many of the stages losing the most users get a touchpoint analysis.
        public var painPointStages = 2
        /// Groups need at least this many actors at the previous stage to be tested.
        public var minimumGroupSize = 30
        /// Significance level, after the multiple-testing correction.
        public var alpha = 0.05

        public init() {}
    }

    /// What the report compares against.
    public enum Comparison: Sendable, Equatable {
        /// The period of the same length just before the report's period.
        case previousPeriod
        /// An explicit period.
        case period(TimeRange)
        /// Two segments of actors (A/B): users whose first event had `a`, versus `b`.
        case segments(dimension: TouchpointDimension, a: String, b: String)
    }

    /// One headline number, with its value in the comparison period when there is one.
    public struct Headline: Sendable, Equatable {
        public enum Kind: Sendable { case count, money, rate }
        public var name: String
        public var kind: Kind
        public var value: Double?
        public var previous: Double?

        /// Relative change from the previous value (nil without one, or from 0).
        public var change: Double? {
            guard let value, let previous, previous != 0 else { return nil }
            return (value - previous) / abs(previous)
        }
    }

    /// One touchpoint group tested at a stage.
    public struct PainPoint: Sendable, Equatable {
        public var dimension: TouchpointDimension
        public var value: String
        /// Actors of the group at the previous stage, and those who went on.
        public var trials: Int
        public var successes: Int
        public var rate: Double
        /// The conversion of all other actors at this stage.
        public var restRate: Double
        public var z: Double
        public var p: Double
        /// p after Holm's correction over every test in the report.
        public var adjustedP: Double
        /// Users lost compared with the stage's overall rate: (overall - group rate) x trials.
        public var usersLost: Double
        /// usersLost x revenue per user reaching the stage.
        public var revenueLost: Double
        public var significant: Bool
    }

    /// A stage that loses many users, with the groups doing significantly worse there.
    public struct LeakingStage: Sendable, Equatable {
        public var stageIndex: Int
        public var stage: String
        public var lost: Int
        public var rate: Double?
        /// Every group tested (significant or not), worst first.
        public var tested: [PainPoint]
        public var worse: [PainPoint] { tested.filter(\.significant) }
    }

    /// One stage of a comparison.
    public struct ComparedStage: Sendable, Equatable {
        public enum Verdict: String, Sendable { case better, worse, noSignificantDifference = "no significant difference" }
        public var stage: String
        public var trialsA: Int
        public var successesA: Int
        public var trialsB: Int
        public var successesB: Int
        public var rateA: Double?
        public var rateB: Double?
        /// rateB - rateA with a 95% interval.
        public var difference: Double?
        public var ciLow: Double?
        public var ciHigh: Double?
        public var p: Double?
        public var verdict: Verdict
    }

    /// A comparison of two funnels stage by stage (B against A).
    public struct ComparisonResult: Sendable, Equatable {
        public var labelA: String
        public var labelB: String
        public var stages: [ComparedStage]
    }

    public var options: Options
    /// The period actually reported (ends filled in from the data).
    public var period: TimeRange
    public var comparisonPeriod: TimeRange?
    public var headline: [Headline]
    public var funnel: FunnelReport
    /// Stages ranked by users lost, the worst first.
    public var leaks: [LeakingStage]
    /// How many group tests the correction covered.
    public var testsRun: Int
    public var kpisByChannel: TouchpointReport
    public var kpisByDevice: TouchpointReport
    public var matrix: FunnelReport
    public var trend: FunnelReport
    public var comparison: ComparisonResult?
    public var sessionTimeoutMilliseconds: Int64
    public var engineVersion: String
    public var imports: [ImportLedger.Entry]
}
