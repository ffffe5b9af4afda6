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
        /// `--where`: the funnels keep the events, the KPIs the sessions, that meet every condition.
        public var filters: [FieldFilter] = []
        /// `--time-to-convert`: the histogram bins of each stage's time to convert (nil: not shown).
        public var timeToConvertBins: Int?

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
    package struct Headline: Sendable, Equatable {
        package enum Kind: Sendable { case count, money, rate }
        package var name: String
        package var kind: Kind
        package var value: Double?
        package var previous: Double?

        /// Relative change from the previous value (nil without one, or from 0).
        package var change: Double? {
            guard let value, let previous, previous != 0 else { return nil }
            return (value - previous) / abs(previous)
        }
    }

    /// One touchpoint group tested at a stage.
    package struct PainPoint: Sendable, Equatable {
        package var dimension: TouchpointDimension
        package var value: String
        /// Actors of the group at the previous stage, and those who went on.
        package var trials: Int
        package var successes: Int
        package var rate: Double
        /// The conversion of all other actors at this stage.
        package var restRate: Double
        package var z: Double
        package var p: Double
        /// p after Holm's correction over every test in the report.
        package var adjustedP: Double
        /// Users lost compared with the stage's overall rate: (overall - group rate) x trials.
        package var usersLost: Double
        /// usersLost x revenue per user reaching the stage.
        package var revenueLost: Double
        package var significant: Bool
    }

    /// A stage that loses many users, with the groups doing significantly worse there.
    package struct LeakingStage: Sendable, Equatable {
        package var stageIndex: Int
        package var stage: String
        package var lost: Int
        package var rate: Double?
        /// Every group tested (significant or not), worst first.
        package var tested: [PainPoint]
        package var worse: [PainPoint] { tested.filter(\.significant) }
    }

    /// One stage of a comparison.
    package struct ComparedStage: Sendable, Equatable {
        package enum Verdict: String, Sendable { case better, worse, noSignificantDifference = "no significant difference" }
        package var stage: String
        package var trialsA: Int
        package var successesA: Int
        package var trialsB: Int
        package var successesB: Int
        package var rateA: Double?
        package var rateB: Double?
        /// rateB - rateA with a 95% interval.
        package var difference: Double?
        package var ciLow: Double?
        package var ciHigh: Double?
        package var p: Double?
        package var verdict: Verdict
    }

    /// A comparison of two funnels stage by stage (B against A).
    package struct ComparisonResult: Sendable, Equatable {
        package var labelA: String
        package var labelB: String
        package var stages: [ComparedStage]
    }

    /// Trend points (a cohort's conversion from the previous stage) resting on fewer actors than this at
    /// the previous stage are drawn hollow, with their 95% interval.
    package static let trendMinimumActors = 20

    /// Nodes per path in the path diagrams, the anchor included (4 columns stay legible 400 px wide).
    package static let pathSteps = 4
    /// Retention cohorts: periods followed, the entry period included.
    package static let retentionPeriods = 8
    /// Attribution: sessions starting at most this long before an order are its touchpoints.
    package static let attributionLookbackMilliseconds: Int64 = 30 * 86_400_000

    package var options: Options
    /// The period actually reported (ends filled in from the data).
    package var period: TimeRange
    package var comparisonPeriod: TimeRange?
    package var headline: [Headline]
    package var funnel: FunnelReport
    /// Stages ranked by users lost, the worst first.
    package var leaks: [LeakingStage]
    /// How many group tests the correction covered.
    package var testsRun: Int
    package var kpisByChannel: TouchpointReport
    package var kpisByDevice: TouchpointReport
    package var matrix: FunnelReport
    package var trend: FunnelReport
    package var comparison: ComparisonResult?
    /// Paths after the journey's entry stage (its first matching event in the period, then the next
    /// ones); nil when no user has such an event.
    package var entryPaths: PathReport?
    /// Paths after the stage just before the worst stage (`worstStageIndex - 1`); nil when
    /// that is the entry stage, when no stage drops users, or when no user has an event of it.
    package var dropOffPaths: PathReport?
    /// Cohorts of users by the period (the trend's interval) of their first event in the period, and
    /// their returns in the next periods; nil when no user has an event in the period.
    package var retention: RetentionReport?
    /// The orders of the period credited to channels under every attribution model; nil without orders.
    package var attribution: AttributionReport?
    /// Revenue by currency of the orders placed in the period, largest first (every order of the
    /// period, like attribution: the report's conditions do not apply).
    package var currencies: [CurrencyTotal] = []
    /// The first and last instants with sessions in the store (nil when empty).
    package var dataFirst: Int64?
    package var dataLast: Int64?
    package var sessionTimeoutMilliseconds: Int64
    package var engineVersion: String
    package var imports: [ImportLedger.Entry]

    /// The worst stage (`FunnelReport.worstStageIndex`: the stage losing the most users), the one
    /// definition every format names. It is the first of "Where it leaks", which ranks stages the same way.
    package var worstStageIndex: Int? { funnel.worstStageIndex }
}
