import AnalyticsCore
import AnalyticsStorage

extension SessionStore {
    /// One stored session with its user and touchpoint names.
    package struct Listed: Sendable, Equatable {
        package let user: String
        package let session: Session
        package let channel: String
        package let device: String
        package let campaign: String
        package let landingPage: String
    }

    /// Stored sessions in start order, filtered by user and start time.
    package func list(user: String? = nil, range: TimeRange = .all, limit: Int? = nil) throws -> [Listed] {
        let names = try LabelNames(database: database)
        return try database.query("""
            SELECT u.external_id, s.ordinal, s.session_key, s.start_ts, s.end_ts, s.events, s.page_views, s.orders,
                   s.revenue_orders, s.revenue, s.channel_id, s.device_id, s.campaign_id, s.landing_page_id, s.props
            FROM sessions AS s JOIN users AS u ON u.id = s.user_id
            WHERE (?1 IS NULL OR u.external_id = ?1) AND s.start_ts >= ?2 AND s.start_ts < ?3
            ORDER BY s.start_ts, u.external_id, s.ordinal
            LIMIT ?4
            """, [.string(user), .integer(range.lower), .integer(range.upper), .integer(Int64(limit ?? -1))]) { row in
            let session = Session(ordinal: row.int(1), sessionKey: row.stringOrNil(2), start: row.int64(3), end: row.int64(4),
                                  events: row.int(5), pageViews: row.int(6), orders: row.int(7), revenueOrders: row.int(8),
                                  revenue: row.double(9), channelID: row.int64OrNil(10), deviceID: row.int64OrNil(11),
                                  campaignID: row.int64OrNil(12), landingPageID: row.int64OrNil(13),
                                  props: row.isNull(14) ? [] : row.withBlob(14) { Array($0) })
            return Listed(user: row.string(0), session: session, channel: names.name(session.channelID),
                          device: names.name(session.deviceID), campaign: names.name(session.campaignID),
                          landingPage: names.name(session.landingPageID))
        }
    }

    /// The first session start and the last session end, nil without sessions.
    package func timeSpan() throws -> (first: Int64?, last: Int64?) {
        let bounds = try database.query("SELECT min(start_ts), max(end_ts) FROM sessions") {
            ($0.int64OrNil(0), $0.int64OrNil(1))
        }.first
        return (bounds?.0, bounds?.1)
    }

    /// How many sessions are stored.
    package func count() throws -> Int64 {
        try database.scalarInt("SELECT count(*) FROM sessions") ?? 0
    }

    /// One user's whole journey: every event and order in journey order, cut into sessions.
    package struct Journey: Sendable {
        package let user: String
        package let sessions: [Session]
        /// The rows in journey order.
        package let events: [JourneyEvent]
        /// For each row, the index of its session in `sessions`.
        package let sessionOfEvent: [Int]
        package let names: LabelNames

        /// The same journey listing only the events at `indices` (sessions unchanged).
        package func keeping(_ indices: [Int]) -> Journey {
            Journey(user: user, sessions: sessions, events: indices.map { events[$0] },
                    sessionOfEvent: indices.map { sessionOfEvent[$0] }, names: names)
        }
    }

    /// The journey of a user by external id; nil when the user is unknown.
    /// One user's journey, by user id or by an anonymous id identified with the user (docs/ingest.md).
    package func journey(of user: String) throws -> Journey? {
        let resolved = try database.query("""
            SELECT users.id, users.external_id FROM users
            WHERE users.id = coalesce((SELECT user_id FROM identities WHERE anonymous_id = ?1),
                                      (SELECT id FROM users WHERE external_id = ?1))
            """, [.text(user)]) { (id: $0.int64(0), external: $0.string(1)) }
        guard let found = resolved.first else { return nil }
        return try JourneyReader(database: database).journey(ofUser: found.id, external: found.external)
    }
}

/// Reads users' journeys one at a time with labels and settings loaded once (SQL access to events).
package final class JourneyReader {
    private let store: SessionStore
    private let context: SessionStore.Context
    package let names: LabelNames

    package init(database: Database) throws {
        store = SessionStore(database: database)
        context = try SessionStore.Context(store: store)
        names = try LabelNames(database: database)
    }

    /// The journey of a user by internal id: every event and order in journey order, cut into sessions.
    package func journey(ofUser id: Int64, external: String) throws -> SessionStore.Journey {
        var events = try store.loadEvents(of: id, context: context)
        let (sessions, sessionOfEvent) = context.sessionizer.sessionize(&events)
        return SessionStore.Journey(user: external, sessions: sessions, events: events, sessionOfEvent: sessionOfEvent,
                                    names: names)
    }
}
