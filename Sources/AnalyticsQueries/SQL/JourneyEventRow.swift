import AnalyticsCore
import AnalyticsSessions
import AnalyticsStorage

/// One event or order of a user's journey as SQL (`journey_events`) and the ClickHouse export show
/// it (docs/schema.md): names resolved (nil for none), the session numbered as in `sessions`,
/// orders with their amount and order id, orders-file rows without an event id.
struct JourneyEventRow {
    let user: String
    let event: JourneyEvent
    /// The event's session (its ordinal and touchpoint).
    let session: Session
    let page, channel, device, campaign: String?
    /// The session's touchpoint (what funnel stages compare with).
    let sessionChannel, sessionDevice, sessionCampaign: String?

    var amount: Double? { event.isOrder ? event.revenue : nil }
    var orderID: String? { event.isOrder ? event.orderKey : nil }
    var eventID: String? { event.fromOrdersFile ? nil : event.externalID }

    /// Every event and order of a journey, in journey order.
    static func rows(of journey: SessionStore.Journey) -> [JourneyEventRow] {
        let names = journey.names
        func name(_ id: Int64?) -> String? {
            let text = names.name(id)
            return text == LabelNames.none ? nil : text
        }
        return journey.events.indices.map { index in
            let event = journey.events[index], session = journey.sessions[journey.sessionOfEvent[index]]
            return JourneyEventRow(user: journey.user, event: event, session: session, page: name(event.pageID),
                                   channel: name(event.channelID), device: name(event.deviceID),
                                   campaign: name(event.campaignID), sessionChannel: name(session.channelID),
                                   sessionDevice: name(session.deviceID), sessionCampaign: name(session.campaignID))
        }
    }
}
