import AnalyticsCore
import AnalyticsStorage

/// One row of an event-details file: what to set on the stored event with `eventID`.
struct EventDetails {
    let eventID: String
    var pageID: Int64?
    var channelID: Int64?
    var deviceID: Int64?
    var campaignID: Int64?
    /// Property pairs (`PropertyCodec`), in property id order.
    var props: [UInt8]

    /// Sets the row's fields on the event: its properties win over the event's for the same property,
    /// and a page, channel, device or campaign it gives replaces the event's.
    func apply(to event: inout StoredEvent) {
        event.props = PropertyCodec.merged(PropertyBytes(props), event.props)
        if let pageID { event.pageID = pageID }
        if let channelID { event.channelID = channelID }
        if let deviceID { event.deviceID = deviceID }
        if let campaignID { event.campaignID = campaignID }
    }
}
