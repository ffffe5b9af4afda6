/// A bundled mapping for a well-known export layout (`import --preset NAME`); `analytics presets
/// NAME` prints its YAML to copy and edit as a `--mapping` file. Fields may be SQLite
/// expressions over the file's columns (see `ColumnMapping`).
public struct ImportPreset: Sendable {
    public let name: String
    /// What export it reads, in one line.
    public let summary: String
    /// The columns it expects (others are kept as properties unless ignored).
    public let columns: [String]
    /// The mapping, as a `--mapping` file would hold it.
    public let yaml: String

    /// The mapping it stands for.
    /// - Throws: `IngestError.invalidMapping` (never for the bundled presets; a test parses each).
    public func mapping() throws -> ColumnMapping { try ColumnMapping(text: yaml, source: "preset \(name)") }

    /// The preset of that name, or nil.
    public static func named(_ name: String) -> ImportPreset? { all.first { $0.name == name } }

    public static let all: [ImportPreset] = [
        ImportPreset(
            name: "rees46", summary: "Kaggle \"eCommerce behavior data from multi category store\" (REES46), one event per row",
            columns: ["event_time", "event_type", "product_id", "category_id", "category_code", "brand", "price", "user_id",
                      "user_session"],
            yaml: """
                # REES46 (Kaggle): view, cart, remove_from_cart and purchase events; a purchase row is an order line.
                timestamp: event_time
                session_id: user_session
                revenue: price
                roles:
                  order: purchase

                """),
        ImportPreset(
            name: "ga4", summary: "GA4 BigQuery export, flattened to one row per event",
            columns: ["event_timestamp", "event_name", "user_pseudo_id", "ga_session_id", "page_location", "page_referrer",
                      "purchase_revenue", "transaction_id"],
            yaml: """
                # GA4 BigQuery export flattened (event_params unnested into columns). event_timestamp is in
                # microseconds (read by magnitude); page_location is split into page and UTM properties.
                timestamp: event_timestamp
                user_id: user_pseudo_id
                event_type: event_name
                session_id: ga_session_id
                url: page_location
                referrer: page_referrer
                revenue: purchase_revenue
                order_id: transaction_id
                roles:
                  order: purchase
                  page_view: page_view

                """),
        ImportPreset(
            name: "ga-sessions",
            summary: "GA360 sample (Google Merchandise Store), flattened to one row per hit; prices in micros",
            columns: ["fullVisitorId", "visitId", "time", "type", "eCommerceAction_type", "channelGrouping", "country", "city",
                      "pagePathLevel1", "v2ProductName", "productPrice", "transactionRevenue"],
            yaml: """
                # GA360 sessions sample flattened to one row per hit. A hit's time is the visit start
                # (visitId, epoch seconds) plus its offset in milliseconds; the shopping stage is a code.
                user_id: fullVisitorId
                session_id: visitId
                timestamp: "CAST(visitId AS INTEGER) * 1000 + CAST(time AS INTEGER)"
                event_type: >-
                  CASE eCommerceAction_type WHEN '1' THEN 'product_click' WHEN '2' THEN 'product_view'
                  WHEN '3' THEN 'add_to_cart' WHEN '4' THEN 'remove_from_cart' WHEN '5' THEN 'checkout'
                  WHEN '6' THEN 'purchase' WHEN '7' THEN 'refund'
                  ELSE CASE type WHEN 'PAGE' THEN 'page_view' ELSE 'event' END END
                revenue: "CAST(transactionRevenue AS REAL) / 1000000"
                channel: channelGrouping
                page: pagePathLevel1
                roles:
                  order: purchase
                  page_view: page_view
                ignore: [visitId, time, type, eCommerceAction_type, transactionRevenue]

                """),
        ImportPreset(
            name: "segment-tracks", summary: "Segment (or RudderStack) warehouse tracks table: one row per track call",
            columns: ["id", "user_id", "anonymous_id", "event", "timestamp", "context_page_url", "context_page_referrer"],
            yaml: """
                # Segment warehouse `tracks`. A call with only an anonymous_id belongs to the user that id
                # is identified with (by any call carrying both); an order is an Order Completed call.
                event_id: id
                event_type: event
                url: context_page_url
                referrer: context_page_referrer
                roles:
                  order: order_completed
                ignore: [event_text, received_at, sent_at, original_timestamp, uuid_ts]

                """),
        ImportPreset(
            name: "segment-pages", summary: "Segment (or RudderStack) warehouse pages table: one row per page call",
            columns: ["id", "user_id", "anonymous_id", "timestamp", "url", "referrer", "path", "title", "name"],
            yaml: """
                # Segment warehouse `pages`: every row is a page view (its URL's path is the page); anonymous
                # pages belong to the user their anonymous_id is identified with.
                event_id: id
                event_type: "'page_view'"
                url: url
                referrer: referrer
                ignore: [path, received_at, sent_at, original_timestamp, uuid_ts]

                """),
        ImportPreset(
            name: "segment-details",
            summary: "Segment (or RudderStack) per-event table (order_completed, product_viewed...): its columns join the call",
            columns: ["id", "url", "referrer", "(the event's properties)"],
            yaml: """
                # A Segment warehouse per-event table: the columns of one event type, joined to the stored
                # call by its id (import the tracks first). Tables that repeat the call's own columns need
                # --kind event-details; those are left out here.
                event_id: id
                ignore: [user_id, anonymous_id, timestamp, event, event_text, received_at, sent_at, original_timestamp,
                         uuid_ts, context_library_name, context_library_version]

                """),
        ImportPreset(
            name: "shopify-orders", summary: "Shopify orders CSV export: one row per line item, customers by email",
            columns: ["Name", "Email", "Financial Status", "Currency", "Total", "Created at", "Lineitem name", "Lineitem sku",
                      "Discount Code", "Shipping Method", "Shipping Country", "Source"],
            yaml: """
                # Shopify's orders export lists an order's line items one per row; the order's fields are
                # on its first row only, the others repeat its Name (they are merged into the order).
                # Paid and partially refunded orders count toward revenue (status completed); refunded,
                # voided, pending and authorized ones are kept with their status and do not.
                order_id: Name
                user_id: Email
                timestamp: Created at
                revenue: Total
                currency: Currency
                status: >-
                  CASE lower("Financial Status") WHEN 'paid' THEN 'completed' WHEN 'partially_refunded' THEN 'completed'
                  ELSE lower("Financial Status") END
                properties: [discount code, shipping method, shipping country, source, lineitem name, lineitem sku]

                """),
    ]
}
