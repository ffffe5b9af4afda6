/// Who moves through the funnel.
public enum FunnelActor: String, CaseIterable, Sendable {
    /// Each user, across all their sessions.
    case user
    /// Each session on its own.
    case session
}

/// The touchpoint a funnel is broken down by.
public enum FunnelBreakdown: String, CaseIterable, Sendable {
    case channel, device, campaign
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

    public init(journey: JourneyDefinition) {
        self.journey = journey
    }

    /// The window in force.
    public var window: Int64 { windowMilliseconds ?? journey.windowMilliseconds }
}
