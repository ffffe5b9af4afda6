import AnalyticsCore

/// One event or order of a user, as sessionization sees it.
package struct JourneyEvent: Sendable, Equatable {
    /// Milliseconds since the Unix epoch, UTC.
    package var timestamp: Int64
    /// Orders sort after events at the same instant.
    package var isOrder: Bool
    /// `event_id` or `order_id`; breaks ties in time.
    package var externalID: String?
    /// The `labels` id of the event type (`order` for orders).
    package var eventTypeID: Int64
    /// The event type's name, for ordering ties independently of id assignment.
    package var eventTypeName: String
    /// The session id given in the file, if any (scoped to the user).
    package var sessionKey: String?
    package var pageID: Int64?
    package var channelID: Int64?
    package var deviceID: Int64?
    package var campaignID: Int64?
    /// Order amount (0 for events).
    package var revenue: Double
    /// Whether the order counts toward revenue (status empty or `completed`).
    package var countsRevenue: Bool
    /// Storage row id: the last tie-breaker, for rows identical in every other way.
    package var rowID: Int64
    /// Property pairs (`PropertyCodec`); empty when none.
    package var props = PropertyBytes()
    /// For orders: the order id lines share (an order event's mapped `order_id`,
    /// else its `event_id`; an orders-file row's `order_id`); nil: the row is its own order.
    package var orderKey: String? = nil
    /// Whether the row comes from an orders file (not an event of the order role).
    package var fromOrdersFile = false

    package init(timestamp: Int64, isOrder: Bool = false, externalID: String? = nil, eventTypeID: Int64,
                eventTypeName: String, sessionKey: String? = nil, pageID: Int64? = nil, channelID: Int64? = nil,
                deviceID: Int64? = nil, campaignID: Int64? = nil, revenue: Double = 0, countsRevenue: Bool = false,
                rowID: Int64 = 0, props: PropertyBytes = PropertyBytes(), orderKey: String? = nil) {
        self.timestamp = timestamp
        self.isOrder = isOrder
        self.externalID = externalID
        self.eventTypeID = eventTypeID
        self.eventTypeName = eventTypeName
        self.sessionKey = sessionKey
        self.pageID = pageID
        self.channelID = channelID
        self.deviceID = deviceID
        self.campaignID = campaignID
        self.revenue = revenue
        self.countsRevenue = countsRevenue
        self.rowID = rowID
        self.props = props
        self.orderKey = orderKey
    }

    /// Journey order: time, then events before orders, then id, type and storage row,
    /// so results never depend on the order of rows in the files.
    package static func journeyOrder(_ a: JourneyEvent, _ b: JourneyEvent) -> Bool {
        if a.timestamp != b.timestamp { return a.timestamp < b.timestamp }
        if a.isOrder != b.isOrder { return !a.isOrder }
        let aID = a.externalID ?? "", bID = b.externalID ?? ""
        if aID != bID { return aID < bID }
        if a.eventTypeName != b.eventTypeName { return a.eventTypeName < b.eventTypeName }
        return a.rowID < b.rowID
    }
}
