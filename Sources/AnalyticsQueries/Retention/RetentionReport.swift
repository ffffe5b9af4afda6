import AnalyticsCore

/// Retention cohorts: per calendar period of entry, the users entering and how
/// many of them returned in each period after it.
public struct RetentionReport: Sendable, Equatable {
    /// One period of a cohort.
    public struct Cell: Sendable, Equatable {
        /// Users of the cohort with a return in this period; nil when the period starts after the as-of instant.
        public var returned: Int?
        /// returned / cohort size.
        public var rate: Double?
        /// The period ends after the as-of instant: its count may still grow.
        public var open: Bool
    }

    /// The users who entered in one calendar period.
    public struct Cohort: Sendable, Equatable {
        /// The period's first day (`2024-02-26`; months `2024-02`).
        public var label: String
        /// The period's start instant.
        public var start: Int64
        public var size: Int
        /// Periods 0 ..< periods.
        public var cells: [Cell]
    }

    /// The cohorts of one breakdown value (or of everyone).
    public struct Group: Sendable, Equatable {
        public var value: String
        public var cohorts: [Cohort]
        /// Per period: returned / size summed over the cohorts whose period is complete (nil when none is).
        public var meanRates: [Double?]
        /// Per period: the users those mean rates rest on (the sizes of the cohorts counted).
        public var meanBase: [Int]
    }

    public var start: String?
    public var returnEvent: String?
    public var period: CalendarPeriod.Unit
    public var periods: Int
    public var zone: String
    public var range: TimeRange
    public var asOf: Int64?
    public var filters: [FieldFilter]
    public var breakdown: String?
    /// Everyone (the only group without a breakdown).
    public var total: Group
    /// Per breakdown value, the largest first.
    public var groups: [Group]
}
