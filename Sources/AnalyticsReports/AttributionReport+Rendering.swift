import AnalyticsCore
import AnalyticsQueries

extension AttributionReport {
    package var json: JSONValue {
        func credit(_ credit: Credit) -> [(String, JSONValue)] {
            [("orders", .number(credit.orders)), ("revenue", .number(credit.revenue)),
             ("order_share", .number(credit.orderShare)), ("revenue_share", .number(credit.revenueShare))]
        }
        return .object([
            ("models", .array(models.map { .string($0.rawValue) })), ("by", .string(dimension.rawValue)),
            ("lookback_seconds", .integer(lookbackMilliseconds / 1000)),
            ("half_life_seconds", .integer(halfLifeMilliseconds / 1000)),
            ("from", .string(range.fromText)), ("to", .string(range.toText)),
            ("orders", .integer(Int64(orders))), ("revenue", .number(revenue)),
            ("touchpoints_per_order", .number(touchpointsPerOrder)),
            ("rows", .array(rows.map { row in
                .object([("value", .string(row.value))] + (row.credits.first.map(credit) ?? [])
                    + [("by_model", .object(zip(models, row.credits).map { ($0.rawValue, .object(credit($1))) }))])
            })),
        ])
    }

    /// One row per value and a total: orders and revenue credited, and shares (per model when several).
    package var table: ResultTable {
        var columns = [dimension.rawValue]
        if models.count == 1 {
            columns += ["orders", "revenue", "order_share", "revenue_share"]
        } else {
            for model in models { columns += ["\(model.rawValue)_orders", "\(model.rawValue)_revenue"] }
        }
        var table = ResultTable(columns: columns)
        for row in rows {
            var cells: [Cell] = [.text(row.value)]
            for credit in row.credits {
                cells += [.number(credit.orders), .money(credit.revenue)]
                if models.count == 1 { cells += [.rate(credit.orderShare), .rate(credit.revenueShare)] }
            }
            table.rows.append(cells)
        }
        var total: [Cell] = [.text("(total)")]
        for _ in models {
            total += [.number(Double(orders)), .money(revenue)]
            if models.count == 1 { total += [.rate(orders > 0 ? 1 : nil), .rate(revenue != 0 ? 1 : nil)] }
        }
        table.rows.append(total)
        return table
    }

    /// A one-line description of what was computed.
    package var caption: String {
        var parts = [models.count == 1 ? "\(models[0].rawValue) attribution" : "attribution models compared",
                     "by \(dimension.rawValue)", "lookback \(DurationText.format(lookbackMilliseconds))"]
        if models.contains(.timeDecay) { parts.append("half-life \(DurationText.format(halfLifeMilliseconds))") }
        if range.from != nil || range.to != nil {
            parts.append("orders in [\(range.fromText ?? "start"), \(range.toText ?? "end"))")
        }
        parts.append("\(Format.grouped(Int64(orders))) orders, "
                     + "\(touchpointsPerOrder.map { Format.decimal($0, places: 2) } ?? "-") touchpoints per order")
        return parts.joined(separator: " · ")
    }

    public func render(_ format: OutputFormat) -> String {
        switch format {
        case .json: return json.rendered()
        case .csv: return table.render(.csv)
        case .table, .markdown:
            var out = (format == .markdown ? "## Attribution\n\n" : "") + caption + "\n\n" + table.render(format)
            if orders == 0 { out += "\nNo orders in this range: import orders (or events of the order role) first.\n" }
            return out
        }
    }
}
