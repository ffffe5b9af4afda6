import AnalyticsCore
import AnalyticsStorage

/// `analytics funnel --emit-sql clickhouse`: the funnel as one ClickHouse SELECT over the
/// exported `events` table, one row per stage (`stage` 1-based, `name`, `reached`).
///
/// Each actor's depth is `windowFunnel(window, 'strict_increase', 'strict_once')`, our ordered
/// rule (docs/metrics.md, "Funnels"); `reached` of stage k counts actors with depth >= k.
/// Breakdowns, timing, `in_window` and `--mature-only` are not emitted.
package enum ClickHouseFunnelSQL {
    /// Compiles a funnel query.
    /// - Parameters:
    ///   - roles: the event types playing the `order` and `page_view` roles (a stage of `order`
    ///     matches them too), as the engine reads them from the database.
    /// - Throws: `UnknownField` for a `--where` or stage `where:` field the database does not know.
    package static func select(_ query: FunnelQuery, roles: EventRoles, catalog: FieldCatalog) throws -> String {
        let stages = query.journey.stages
        let conditions = try stages.map { stage -> String in
            let types = Set(stage.events.flatMap { event in EventRole(rawValue: event).map { roles.types($0) } ?? [event] })
            var parts = ["event_type IN (\(types.sorted().map(ClickHouseSQL.literal).joined(separator: ", ")))"]
            if let page = stage.page {
                parts.append(ClickHouseSQL.condition(try FieldFilter(parsing: "page~" + page), on: "page"))
            }
            for (column, value) in [("session_channel", stage.channel), ("session_device", stage.device),
                                    ("session_campaign", stage.campaign)] {
                if let value { parts.append("\(column) = \(ClickHouseSQL.literal(value))") }
            }
            for filter in stage.filters {
                parts.append(ClickHouseSQL.condition(filter, on: try ClickHouseSQL.eventColumn(filter.field, catalog: catalog)))
            }
            return parts.joined(separator: " AND ")
        }
        var filters = try query.filters.map {
            ClickHouseSQL.condition($0, on: try ClickHouseSQL.eventColumn($0.field, catalog: catalog))
        }
        if let range = ClickHouseSQL.range(query.range) { filters.insert(range, at: 0) }
        let actor = query.actor == .user ? "user" : "user, session"
        let counts = stages.indices.map { "countIf(depth >= \($0 + 1))" }.joined(separator: ", ")
        let numbers = stages.indices.map { String($0 + 1) }.joined(separator: ", ")
        let names = stages.map { ClickHouseSQL.literal($0.name) }.joined(separator: ", ")
        return """
            -- Funnel '\(query.journey.name.replacingOccurrences(of: "\n", with: " "))' by \(query.actor.rawValue), window \(query.window) ms (analytics funnel --emit-sql clickhouse).
            SELECT stage, name, reached
            FROM
            (
                SELECT [\(counts)] AS counts
                FROM
                (
                    SELECT windowFunnel(\(query.window), 'strict_increase', 'strict_once')(
                        toUInt64(ts),
                        \(conditions.map { "(\($0))" }.joined(separator: ",\n            "))) AS depth
                    FROM events\(filters.isEmpty ? "" : "\n        WHERE " + filters.joined(separator: "\n          AND "))
                    GROUP BY \(actor)
                )
            )
            ARRAY JOIN counts AS reached, [\(numbers)] AS stage, [\(names)] AS name
            ORDER BY stage

            """
    }
}
