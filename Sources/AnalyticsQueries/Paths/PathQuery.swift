import AnalyticsCore

/// What `analytics paths` follows: the events after an anchor event (or before
/// it, for `.end`), per user or per session. Definitions: docs/metrics.md, "Paths".
public struct PathQuery: Sendable {
    /// Where each actor's path is anchored.
    public enum Anchor: Sendable, Equatable {
        /// The actor's first event.
        case firstEvent
        /// The actor's first event of a type (`order` and `page_view` also match their roles).
        case start(String)
        /// The actor's first event matching a stage of a journey (its events, page, touchpoint and `where:`).
        case startStage(StageDefinition)
        /// The actor's last event of a type; the path is the events leading to it.
        case end(String)

        /// Whether the path runs backwards from the anchor.
        public var isEnd: Bool { if case .end = self { return true } else { return false } }
    }

    public var anchor: Anchor = .firstEvent
    /// Nodes per path, the anchor included.
    public var steps = 5
    public var actor: FunnelActor = .user
    /// Merge consecutive repeats of the same event type into one node.
    public var collapse = false
    /// Only events meeting every condition are part of paths (`--where`).
    public var filters: [FieldFilter] = []
    /// Only events in this range are part of paths.
    public var range: TimeRange = .all
    /// How many paths to list, the most common first (edges always cover every actor).
    public var top = 10

    /// The most nodes a path may have.
    public static let maximumSteps = 20

    public init(anchor: Anchor = .firstEvent) {
        self.anchor = anchor
    }
}
