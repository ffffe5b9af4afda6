import AnalyticsCore
import AnalyticsStorage

/// `analytics touchpoints --emit-sql clickhouse`: the touchpoint KPI table as one ClickHouse
/// SELECT over the exported `sessions` table, with the same definitions (docs/metrics.md,
/// "Touchpoint KPIs"): one row per value and the total `(all)` last, values sorted by sessions
/// descending, then name.
///
/// The median and p90 are `quantileExactInclusive`: linear interpolation between the two nearest
/// ranks, h = (n - 1) q, which is `Statistics.quantile` (R's type 7). Amounts and seconds are
/// rounded to 6 decimals as ours are; average order value and revenue per session divide the rounded revenue,
/// then are rounded to 6 decimals too.
package enum ClickHouseTouchpointSQL {
    /// The KPI columns after `touchpoint`, in the order of the CSV output.
    package static let columns = ["sessions", "users", "events", "bounce_rate", "avg_session_seconds",
                                  "median_session_seconds", "p90_session_seconds", "engaged_rate", "conversion_rate",
                                  "orders", "revenue", "average_order_value", "revenue_per_session"]

    /// Compiles the KPI query.
    /// - Throws: `UnknownField` for an unknown field, or `event_type` (it does not describe a session).
    package static func select(by dimension: TouchpointDimension, range: TimeRange, filters: [FieldFilter],
                               catalog: FieldCatalog) throws -> String {
        let field: String
        switch dimension {
        case .channel: field = "channel"
        case .device: field = "device"
        case .campaign: field = "campaign"
        case .landingPage: field = "page"
        case .property(let name): field = name
        }
        let key = try ClickHouseSQL.sessionColumn(field, catalog: catalog)
        var conditions = try filters.map {
            ClickHouseSQL.condition($0, on: try ClickHouseSQL.sessionColumn($0.field, catalog: catalog))
        }
        if let range = ClickHouseSQL.range(range) { conditions.insert(range, at: 0) }
        let kpis = """
            count() AS k_sessions,
                    uniqExact(user) AS k_users,
                    sum(events) AS k_events,
                    if(count() = 0, NULL, countIf(events = 1) / count()) AS k_bounce_rate,
                    if(count() = 0, NULL, round(sum(end_ts - ts) / 1000 / count(), 6)) AS k_avg_session_seconds,
                    if(count() = 0, NULL, round(quantileExactInclusive(0.5)((end_ts - ts) / 1000), 6)) AS k_median_session_seconds,
                    if(count() = 0, NULL, round(quantileExactInclusive(0.9)((end_ts - ts) / 1000), 6)) AS k_p90_session_seconds,
                    if(count() = 0, NULL, countIf(end_ts - ts >= \(TouchpointKPI.engagedMilliseconds) OR page_views >= 2 OR orders >= 1) / count()) AS k_engaged_rate,
                    if(count() = 0, NULL, countIf(orders >= 1) / count()) AS k_conversion_rate,
                    sum(orders) AS k_orders,
                    round(sum(revenue), 6) AS k_revenue,
                    if(sum(revenue_orders) = 0, NULL, round(round(sum(revenue), 6) / sum(revenue_orders), 6)) AS k_average_order_value,
                    if(count() = 0, NULL, round(round(sum(revenue), 6) / count(), 6)) AS k_revenue_per_session
            """
        return """
            -- Touchpoint KPIs by \(dimension.rawValue) (analytics touchpoints --emit-sql clickhouse).
            WITH kept AS
            (
                SELECT *, if(\(key) = '', '(none)', \(key)) AS touchpoint
                FROM sessions\(conditions.isEmpty ? "" : "\n    WHERE " + conditions.joined(separator: "\n      AND "))
            )
            SELECT touchpoint, \(Self.columns.map { "k_\($0) AS \($0)" }.joined(separator: ", "))
            FROM
            (
                SELECT 0 AS is_total, touchpoint,
                    \(kpis)
                FROM kept
                GROUP BY touchpoint
                UNION ALL
                SELECT 1 AS is_total, '(all)' AS touchpoint,
                    \(kpis)
                FROM kept
            )
            ORDER BY is_total, k_sessions DESC, touchpoint

            """
    }
}
