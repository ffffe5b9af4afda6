/// One session of one user with everything the touchpoint KPIs need.
public struct Session: Sendable, Equatable {
    /// 1-based position among the user's sessions, by start time.
    public var ordinal: Int
    /// The session id from the files, or nil for sessions cut by the timeout.
    public var sessionKey: String?
    public var start: Int64
    public var end: Int64
    /// Events and orders in the session.
    public var events: Int
    public var pageViews: Int
    public var orders: Int
    /// Orders whose status is empty or `completed`.
    public var revenueOrders: Int
    public var revenue: Double
    /// The touchpoint: taken from the session's first event.
    public var channelID: Int64?
    public var deviceID: Int64?
    public var campaignID: Int64?
    public var landingPageID: Int64?

    /// Last event time minus first, in milliseconds (0 for one event).
    public var durationMilliseconds: Int64 { end - start }
}
