import AnalyticsCore

/// The most common paths from (or to) an anchor event, and the step-to-step
/// edges of every actor's path, as a Sankey diagram draws them.
public struct PathReport: Sendable, Equatable {
    /// One distinct path and how many actors followed it.
    public struct Path: Sendable, Equatable {
        public var nodes: [String]
        public var actors: Int
        /// actors / actors with an anchor.
        public var share: Double?
    }

    /// Actors going from `from` at step `step` to `to` at step `step + 1`.
    public struct Edge: Sendable, Equatable {
        /// 1-based step of `from`.
        public var step: Int
        public var from: String
        public var to: String
        public var actors: Int
    }

    /// The node that ends a path shorter than the steps asked for.
    public static let endNode = "(end)"
    /// The node that starts a path (before an `end` anchor) shorter than the steps asked for.
    public static let startNode = "(start)"

    /// `first event`, `start=EVENT`, `stage=NAME` or `end=EVENT`.
    public var anchor: String
    public var steps: Int
    public var actor: FunnelActor
    public var collapse: Bool
    public var range: TimeRange
    public var filters: [FieldFilter]
    /// Actors with an anchor event (the denominator of shares).
    public var actorsWithAnchor: Int
    /// How many different paths there are.
    public var distinctPaths: Int
    /// The `top` most common paths: actors descending, then nodes in byte order.
    public var paths: [Path]
    /// Every edge, by step, then actors descending, then names in byte order.
    public var edges: [Edge]
}
