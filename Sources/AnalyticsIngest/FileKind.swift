/// The kinds of input file, told apart by their header.
public enum FileKind: String, CaseIterable, Sendable {
    case events
    case orders
    /// Columns to add to stored events, by event id (one table per event type in Segment's warehouse).
    case eventDetails = "event-details"

    /// The canonical fields of this kind, required ones first.
    public var fields: [CanonicalField] {
        switch self {
        case .events:
            return [.timestamp, .userID, .eventType, .eventID, .sessionID, .page, .channel, .device, .campaign, .revenue,
                    .url, .referrer, .orderID, .quantity, .anonymousID]
        case .orders: return [.orderID, .timestamp, .userID, .revenue, .sessionID, .currency, .status]
        case .eventDetails: return [.eventID, .url, .referrer, .page, .channel, .device, .campaign]
        }
    }

    /// The fields a file of this kind must have (an events file may have `anonymous_id` instead of `user_id`;
    /// an orders file without `user_id` takes the user of the event whose id is the order id).
    public var requiredFields: [CanonicalField] {
        switch self {
        case .events: return [.timestamp, .userID, .eventType]
        case .orders: return [.orderID, .timestamp, .revenue]
        case .eventDetails: return [.eventID]
        }
    }
}

/// A column the importer understands, by its canonical (header) name.
public enum CanonicalField: String, CaseIterable, Sendable {
    case timestamp
    case userID = "user_id"
    case eventType = "event_type"
    case eventID = "event_id"
    case sessionID = "session_id"
    case page
    case channel
    case device
    case campaign
    case revenue
    case orderID = "order_id"
    case currency
    case status
    /// Multiplies an order line's revenue (events of the order role).
    case quantity
    /// A page URL: its path fills `page` (unless mapped), its UTM and click-id parameters become properties.
    case url
    /// The referring URL: kept as a property; its host feeds the default channel grouping.
    case referrer
    /// A visitor's id before they are known (Segment's `anonymous_id`): a row with it and a user id
    /// identifies it with that user, whose events then include the anonymous rows (docs/ingest.md).
    case anonymousID = "anonymous_id"

    /// Header names recognised for the field besides its own (before any mapping).
    public var aliases: [String] {
        switch self {
        case .url: return ["page_url", "page_location"]
        case .referrer: return ["page_referrer", "referer"]
        default: return []
        }
    }
}
