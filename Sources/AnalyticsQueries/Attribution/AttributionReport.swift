import AnalyticsCore

/// Orders and revenue credited to each touchpoint value, under one or several models.
public struct AttributionReport: Sendable, Equatable {
    /// One value's credit under one model.
    public struct Credit: Sendable, Equatable {
        /// Fractional orders.
        public var orders: Double
        public var revenue: Double
        /// orders / all orders.
        public var orderShare: Double?
        /// revenue / all revenue.
        public var revenueShare: Double?
    }

    /// One touchpoint value, with its credit under each model of `models` (same order).
    public struct Row: Sendable, Equatable {
        public var value: String
        public var credits: [Credit]
    }

    public var models: [AttributionModel]
    public var dimension: TouchpointDimension
    public var lookbackMilliseconds: Int64
    public var halfLifeMilliseconds: Int64
    public var range: TimeRange
    /// Orders attributed (every order in range, whatever its status).
    public var orders: Int
    /// Revenue of the orders whose status is empty or `completed`.
    public var revenue: Double
    /// Touchpoints per order, on average.
    public var touchpointsPerOrder: Double?
    /// Values by credit under the first model, descending, then name in byte order.
    public var rows: [Row]
}
