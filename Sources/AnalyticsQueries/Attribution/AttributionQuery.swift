import AnalyticsCore

/// How the credit for an order is shared among its touchpoints (the user's
/// sessions that start within the lookback before it). Definitions: docs/metrics.md, "Attribution".
public enum AttributionModel: String, CaseIterable, Sendable {
    case first
    case last
    case lastNonDirect = "last-non-direct"
    case linear
    case position
    case timeDecay = "time-decay"
}

/// What `analytics attribution` computes.
public struct AttributionQuery: Sendable {
    public var model: AttributionModel = .lastNonDirect
    /// Touchpoints are sessions starting at most this long before the order (inclusive).
    public var lookbackMilliseconds: Int64 = 30 * 86_400_000
    /// Time decay: a touchpoint this much older than another gets half its weight.
    public var halfLifeMilliseconds: Int64 = 7 * 86_400_000
    /// Credit goes to the session's value of this touchpoint or property.
    public var dimension: TouchpointDimension = .channel
    /// Only orders in this range are attributed (their touchpoints may start before it).
    public var range: TimeRange = .all

    public init(model: AttributionModel = .lastNonDirect) {
        self.model = model
    }
}
