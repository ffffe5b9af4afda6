import AnalyticsCore
import AnalyticsSessions
import AnalyticsStorage

/// One user's journey map as text or JSON.
public struct UserJourneyReport {
    let journey: SessionStore.Journey

    package init(_ journey: SessionStore.Journey) {
        self.journey = journey
    }

    public func render(_ format: OutputFormat) -> String {
        switch format {
        case .json: return json.rendered()
        case .csv: return table.render(.csv)
        case .table, .markdown: return text(markdown: format == .markdown)
        }
    }

    /// One row per event and order in journey order, with its session's values (the CSV form).
    package var table: ResultTable {
        var table = ResultTable(columns: ["user", "session", "session_id", "session_start", "channel", "device", "campaign",
                                          "landing_page", "time", "seconds_after_session_start", "event_type", "page", "id",
                                          "is_order", "revenue", "counts_revenue"])
        for (index, event) in journey.events.enumerated() {
            let session = journey.sessions[journey.sessionOfEvent[index]]
            table.rows.append([
                .text(journey.user), .integer(Int64(session.ordinal)), .text(session.sessionKey ?? ""),
                .text(Timestamp.iso8601(session.start)), .text(names.name(session.channelID)),
                .text(names.name(session.deviceID)), .text(names.name(session.campaignID)),
                .text(names.name(session.landingPageID)), .text(Timestamp.iso8601(event.timestamp)),
                .seconds(Double(event.timestamp - session.start) / 1000), .text(event.eventTypeName),
                .text(event.pageID.map { names.name($0) } ?? ""), .text(event.externalID ?? ""),
                .text(event.isOrder ? "yes" : "no"), event.isOrder ? .money(event.revenue) : .text(""),
                .text(event.isOrder ? (event.countsRevenue ? "yes" : "no") : ""),
            ])
        }
        return table
    }

    private var names: LabelNames { journey.names }

    package var json: JSONValue {
        .object([
            ("user", .string(journey.user)),
            ("sessions", .array(journey.sessions.enumerated().map { index, session in
                .object([
                    ("session", .integer(Int64(session.ordinal))), ("session_id", .string(session.sessionKey)),
                    ("start", .string(Timestamp.iso8601(session.start))), ("end", .string(Timestamp.iso8601(session.end))),
                    ("duration_seconds", .number(Double(session.durationMilliseconds) / 1000)),
                    ("channel", .string(names.name(session.channelID))), ("device", .string(names.name(session.deviceID))),
                    ("campaign", .string(names.name(session.campaignID))),
                    ("landing_page", .string(names.name(session.landingPageID))),
                    ("orders", .integer(Int64(session.orders))), ("revenue", .number(session.revenue)),
                    ("events", .array(events(of: index).map { event in
                        .object([
                            ("time", .string(Timestamp.iso8601(event.timestamp))), ("event_type", .string(event.eventTypeName)),
                            ("page", event.pageID.map { .string(names.name($0)) } ?? .null),
                            ("id", .string(event.externalID)),
                            ("revenue", event.isOrder ? .number(event.revenue) : .null),
                        ])
                    })),
                ])
            })),
        ])
    }

    private func events(of session: Int) -> [JourneyEvent] {
        journey.events.indices.filter { journey.sessionOfEvent[$0] == session }.map { journey.events[$0] }
    }

    private func text(markdown: Bool) -> String {
        let orders = journey.sessions.reduce(0) { $0 + $1.orders }
        let revenue = journey.sessions.reduce(0) { $0 + $1.revenue }
        var out = (markdown ? "## " : "") + "Journey of \(journey.user): \(journey.sessions.count) sessions, "
            + "\(journey.events.count) events, \(orders) orders, revenue \(Format.decimal(revenue, places: 2))\n\n"
        for (index, session) in journey.sessions.enumerated() {
            out += (markdown ? "### " : "") + "Session \(session.ordinal)  \(Timestamp.iso8601(session.start))  "
                + "\(names.name(session.channelID)) / \(names.name(session.deviceID)) / \(names.name(session.campaignID))  "
                + "landing \(names.name(session.landingPageID))  \(Format.duration(Double(session.durationMilliseconds) / 1000))"
                + "  \(session.events) events\n"
            let rows = events(of: index).map { event -> [Cell] in
                [.text("+" + Format.duration(Double(event.timestamp - session.start) / 1000)), .text(event.eventTypeName),
                 .text(event.pageID.map { names.name($0) } ?? ""),
                 .text(event.isOrder ? "order \(event.externalID ?? "") \(Format.decimal(event.revenue, places: 2))"
                       + (event.countsRevenue ? "" : " (not counted: status)") : "")]
            }
            let table = ResultTable(columns: ["after", "event", "page", "order"], rows: rows)
            out += table.render(markdown ? .markdown : .table) + "\n"
        }
        return out
    }
}
