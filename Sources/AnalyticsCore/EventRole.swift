/// A part an event type can play, whatever it is called in an export.
public enum EventRole: String, CaseIterable, Sendable {
    /// An order: counts in orders, revenue, conversion and `order` funnel stages.
    case order
    /// A page view: counts wherever `page_view` counts (bounce, engagement, page views).
    case pageView = "page_view"
}
