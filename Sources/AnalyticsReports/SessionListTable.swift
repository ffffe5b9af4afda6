import AnalyticsCore
import AnalyticsSessions

extension SessionStore.Listed {
    /// Stored sessions as a table, one row per session.
    package static func table(_ sessions: [SessionStore.Listed]) -> ResultTable {
        ResultTable(
            columns: ["user", "session", "start", "duration_seconds", "events", "page_views", "orders", "revenue",
                      "channel", "device", "campaign", "landing_page", "session_id"],
            rows: sessions.map { listed in
                let session = listed.session
                return [.text(listed.user), .integer(Int64(session.ordinal)), .text(Timestamp.iso8601(session.start)),
                        .seconds(Double(session.durationMilliseconds) / 1000), .integer(Int64(session.events)),
                        .integer(Int64(session.pageViews)), .integer(Int64(session.orders)), .money(session.revenue),
                        .text(listed.channel), .text(listed.device), .text(listed.campaign), .text(listed.landingPage),
                        .text(session.sessionKey ?? "")]
            })
    }
}
