import AnalyticsQueries

extension TouchpointKPI {
    /// The JSON object with the documented keys, in order.
    package var json: JSONValue {
        .object([
            ("touchpoint", .string(touchpoint)), ("sessions", .integer(Int64(sessions))), ("users", .integer(Int64(users))),
            ("events", .integer(Int64(events))), ("bounce_rate", .number(bounceRate)),
            ("avg_session_seconds", .number(averageSessionSeconds)),
            ("median_session_seconds", .number(medianSessionSeconds)),
            ("p90_session_seconds", .number(p90SessionSeconds)), ("engaged_rate", .number(engagedRate)),
            ("conversion_rate", .number(conversionRate)), ("orders", .integer(Int64(orders))),
            ("revenue", .number(revenue)), ("average_order_value", .number(averageOrderValue)),
            ("revenue_per_session", .number(revenuePerSession)),
        ])
    }

    /// The row of cells for tables, in the order of `TouchpointReport.columns`.
    var cells: [Cell] {
        [.text(touchpoint), .integer(Int64(sessions)), .integer(Int64(users)), .integer(Int64(events)), .rate(bounceRate),
         .seconds(averageSessionSeconds), .seconds(medianSessionSeconds), .seconds(p90SessionSeconds), .rate(engagedRate),
         .rate(conversionRate), .integer(Int64(orders)), .money(revenue), .money(averageOrderValue),
         .money(revenuePerSession)]
    }
}

extension TouchpointReport {
    static let columns = ["touchpoint", "sessions", "users", "events", "bounce_rate", "avg_session_seconds",
                          "median_session_seconds", "p90_session_seconds", "engaged_rate", "conversion_rate", "orders",
                          "revenue", "average_order_value", "revenue_per_session"]

    /// Rows then the total, as a table.
    package var table: ResultTable {
        ResultTable(columns: [dimension.rawValue] + Self.columns.dropFirst(), rows: (rows + [total]).map(\.cells))
    }

    /// The same table with short headers, for reports where width is scarce.
    package var compactTable: ResultTable {
        ResultTable(columns: [dimension.rawValue, "sessions", "users", "events", "bounce", "avg length", "median length",
                              "p90 length", "engaged", "conversion", "orders", "revenue", "order value", "revenue / session"],
                    rows: (rows + [total]).map(\.cells))
    }

    package var json: JSONValue {
        .object([
            ("dimension", .string(dimension.rawValue)), ("from", .string(range.fromText)), ("to", .string(range.toText)),
            ("rows", .array(rows.map(\.json))), ("total", total.json),
        ])
    }

    public func render(_ format: OutputFormat) -> String {
        switch format {
        case .json: return json.rendered()
        case .csv: return table.render(.csv)
        case .table, .markdown:
            var text = table.render(format)
            if total.sessions == 0 { text += "\nNo sessions in this range: import events first, or widen --from/--to.\n" }
            return text
        }
    }
}
