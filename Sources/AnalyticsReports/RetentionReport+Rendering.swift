import AnalyticsCore
import AnalyticsQueries

extension RetentionReport {
    package var json: JSONValue {
        .object([
            ("start", .string(start ?? "(any event)")), ("return", .string(returnEvent ?? "(any event)")),
            ("period", .string(period.rawValue)), ("periods", .integer(Int64(periods))), ("timezone", .string(zone)),
            ("from", .string(range.fromText)), ("to", .string(range.toText)),
            ("as_of", .string(asOf.map(Timestamp.iso8601))), ("filters", .array(filters.map { .string($0.text) })),
            ("total", Self.json(total)),
            ("breakdown", breakdown.map { field in
                .object([("field", .string(field)), ("groups", .array(groups.map(Self.json)))])
            } ?? .null),
        ])
    }

    private static func json(_ group: Group) -> JSONValue {
        .object([
            ("value", .string(group.value)),
            ("cohorts", .array(group.cohorts.map { cohort in
                .object([
                    ("cohort", .string(cohort.label)), ("start", .string(Timestamp.iso8601(cohort.start))),
                    ("users", .integer(Int64(cohort.size))),
                    ("periods", .array(cohort.cells.enumerated().map { index, cell in
                        .object([("period", .integer(Int64(index))),
                                 ("returned", cell.returned.map { .integer(Int64($0)) } ?? .null),
                                 ("rate", .number(cell.rate)), ("open", .bool(cell.open))])
                    })),
                ])
            })),
            ("mean", .array(group.meanRates.enumerated().map { index, rate in
                .object([("period", .integer(Int64(index))), ("rate", .number(rate)),
                         ("users", .integer(Int64(group.meanBase[index])))])
            })),
        ])
    }

    /// One row per cohort and period, for scripts: group, cohort, users, period, returned, rate, open.
    package var longTable: ResultTable {
        var table = ResultTable(columns: ["group", "cohort", "users", "period", "returned", "rate", "open"])
        for group in [total] + groups {
            for cohort in group.cohorts {
                for (index, cell) in cohort.cells.enumerated() {
                    table.rows.append([.text(group.value), .text(cohort.label), .integer(Int64(cohort.size)),
                                       .integer(Int64(index)), cell.returned.map { .integer(Int64($0)) } ?? .text(""),
                                       .rate(cell.rate), .text(cell.returned == nil ? "" : cell.open ? "yes" : "no")])
                }
            }
            for (index, rate) in group.meanRates.enumerated() {
                table.rows.append([.text(group.value), .text("mean"), .integer(Int64(group.meanBase[index])),
                                   .integer(Int64(index)), .text(""), .rate(rate), .text("no")])
            }
        }
        return table
    }

    /// The cohort grid of a group: one row per cohort, one column per period (rate, `*` when open).
    package func grid(_ group: Group) -> ResultTable {
        let periodNames = (0..<periods).map { "\(period.rawValue) \($0)" }
        var table = ResultTable(columns: ["cohort", "users"] + periodNames)
        for cohort in group.cohorts {
            table.rows.append([.text(cohort.label), .integer(Int64(cohort.size))] + cohort.cells.map { cell in
                guard let rate = cell.rate else { return .text("") }
                return .text(Format.percent(rate) + (cell.open ? "*" : ""))
            })
        }
        table.rows.append([.text("mean"), .integer(Int64(group.meanBase.first ?? 0))] + group.meanRates.map {
            .text($0.map(Format.percent) ?? "-")
        })
        return table
    }

    /// A one-line description of what was computed.
    package var caption: String {
        var parts = ["users entering with \(start ?? "any event")", "returning with \(returnEvent ?? "any event")",
                     "\(period.rawValue)ly cohorts (\(zone))"]
        if range.from != nil || range.to != nil {
            parts.append("entries in [\(range.fromText ?? "start"), \(range.toText ?? "end"))")
        }
        if !filters.isEmpty { parts.append("where " + filters.map(\.text).joined(separator: ", ")) }
        if let asOf { parts.append("as of \(Timestamp.iso8601(asOf))") }
        return parts.joined(separator: " · ")
    }

    public func render(_ format: OutputFormat) -> String {
        switch format {
        case .json: return json.rendered()
        case .csv: return longTable.render(.csv)
        case .table, .markdown:
            let markdown = format == .markdown
            var out = (markdown ? "## Retention\n\n" : "") + caption + "\n\n" + grid(total).render(format)
            for group in groups {
                out += "\n" + (markdown ? "### " : "") + "\(breakdown ?? "group"): \(group.value)\n\n" + grid(group).render(format)
            }
            out += total.cohorts.isEmpty
                ? "\nNo user has an entry event: check the event name (`analytics info` lists them) and the period.\n"
                : "\n* open period: it ends after the as-of time, so its count may still grow; the mean counts complete periods only.\n"
            return out
        }
    }
}
