/// One session of one user with everything the touchpoint KPIs need.
package struct Session: Sendable, Equatable {
    /// 1-based position among the user's sessions, by start time.
    package var ordinal: Int
    /// The session id from the files, or nil for sessions cut by the timeout.
    package var sessionKey: String?
    package var start: Int64
    package var end: Int64
    /// Events and orders in the session.
    package var events: Int
    package var pageViews: Int
    package var orders: Int
    /// Orders whose status is empty or `completed`.
    package var revenueOrders: Int
    package var revenue: Double
    /// The touchpoint: each value from the session's first event that has one
    /// (the landing page: the first event's page).
    package var channelID: Int64?
    package var deviceID: Int64?
    package var campaignID: Int64?
    package var landingPageID: Int64?
    /// Per property, the value on the session's first event that has one (`PropertyCodec`).
    package var props: [UInt8] = []

    /// Last event time minus first, in milliseconds (0 for one event).
    package var durationMilliseconds: Int64 { end - start }
}
