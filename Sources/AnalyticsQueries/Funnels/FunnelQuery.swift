import AnalyticsCore

/// Who moves through the funnel.
public enum FunnelActor: String, CaseIterable, Sendable {
    /// Each user, across all their sessions.
    case user
    /// Each session on its own.
    case session
}

/// What a funnel is broken down by: a touchpoint of the actor's first event
/// in range, the cohort (day, week or month) that event falls in, or a
/// property's value on the actor's counted stage-1 event.
public enum FunnelBreakdown: RawRepresentable, CaseIterable, Sendable, Hashable {
    case channel, device, campaign
    case landingPage
    case day, week, month
    /// A property kept from the imported files, by name.
    case property(String)

    /// The built-in breakdowns (a property is any other name).
    public static let allCases: [FunnelBreakdown] = [.channel, .device, .campaign, .landingPage, .day, .week, .month]

    public init?(rawValue: String) {
        switch rawValue {
        case "day": self = .day
        case "week": self = .week
        case "month": self = .month
        default:
            guard let dimension = TouchpointDimension(rawValue: rawValue) else { return nil }
            self.init(dimension)
        }
    }

    public var rawValue: String {
        switch self {
        case .day: return "day"
        case .week: return "week"
        case .month: return "month"
        default: return dimension?.rawValue ?? ""
        }
    }

    /// The breakdown by a touchpoint dimension.
    package init(_ dimension: TouchpointDimension) {
        switch dimension {
        case .channel: self = .channel
        case .device: self = .device
        case .campaign: self = .campaign
        case .landingPage: self = .landingPage
        case .property(let name): self = .property(name)
        }
    }

    /// The touchpoint dimension, nil for cohorts.
    package var dimension: TouchpointDimension? {
        switch self {
        case .channel: return .channel
        case .device: return .device
        case .campaign: return .campaign
        case .landingPage: return .landingPage
        case .property(let name): return .property(name)
        case .day, .week, .month: return nil
        }
    }

    /// Whether groups are time cohorts rather than touchpoints.
    public var isCohort: Bool { self == .day || self == .week || self == .month }

    /// The cohort key of an instant: the UTC day number its day, ISO week (from
    /// Monday) or month starts on.
    func cohortStart(of instant: Int64) -> Int64 {
        let day = Timestamp.dayNumber(instant)
        switch self {
        case .week: return day - (day + 3) % 7 // 1970-01-01 was a Thursday.
        case .month:
            let date = Timestamp.civil(dayNumber: day)
            return Timestamp.dayNumber(Timestamp.milliseconds(year: date.year, month: date.month, day: 1))
        default: return day
        }
    }
}

/// Everything that defines one funnel computation.
public struct FunnelQuery: Sendable {
    public var journey: JourneyDefinition
    public var actor: FunnelActor = .user
    /// Only events in this range are considered, for every stage.
    public var range: TimeRange = .all
    /// Overrides the journey's window.
    public var windowMilliseconds: Int64?
    public var breakdown: FunnelBreakdown?
    /// Keep the N largest groups and fold the others into `(other)`.
    public var top: Int?
    /// The instant windows are judged open or closed at; default: the last event considered.
    public var asOf: Int64?
    /// Count only actors whose window has closed.
    public var matureOnly = false
    /// Only events meeting every condition count, for every stage (`--where`).
    public var filters: [FieldFilter] = []
    /// With time to convert: the number of histogram bins per stage (nil: no distribution).
    public var timeToConvertBins: Int?
    /// With more users than this (by id range), two workers read the timelines.
    public var parallelAbove: Int64 = 100_000

    public init(journey: JourneyDefinition) {
        self.journey = journey
    }

    /// The window in force.
    public var window: Int64 { windowMilliseconds ?? journey.windowMilliseconds }
}
