import Foundation
import AnalyticsCore

/// What `analytics retention` measures: of the users who entered (first event
/// of `start`) in each calendar period, how many came back (an event of
/// `returnEvent`) in each later period. Definitions: docs/metrics.md, "Retention".
public struct RetentionQuery: Sendable {
    /// The entry event type; nil: any event (`order` and `page_view` also match their roles).
    public var start: String?
    /// The return event type; nil: any event or order.
    public var returnEvent: String?
    public var period: CalendarPeriod.Unit = .week
    /// Periods 0 ..< periods.
    public var periods = 8
    /// The calendar's time zone (cohorts and periods start at its midnight).
    public var zone = TimeZone(identifier: "UTC")!
    /// Only entries in this range count (returns may come later).
    public var range: TimeRange = .all
    /// Cohorts per value of this field on the entry event: channel, device, campaign,
    /// landing-page (of the entry's session), event_type, page, or a property.
    public var breakdown: String?
    /// Periods ending after this instant are open; default: the latest event or order stored.
    public var asOf: Int64?
    /// Only events meeting every condition count, as entries and as returns (`--where`).
    public var filters: [FieldFilter] = []

    /// The most periods a table may have.
    public static let maximumPeriods = 400

    public init() {}
}
