import AnalyticsCore
import AnalyticsQueries
import AnalyticsStorage

extension StageResult {
    /// The JSON object with the documented keys, in order.
    package var json: JSONValue {
        .object([
            ("stage", .string(stage)), ("reached", .integer(Int64(reached))),
            ("conversion_from_previous", .number(conversionFromPrevious)),
            ("conversion_from_first", .number(conversionFromFirst)), ("dropped", .integer(Int64(dropped))),
            ("drop_off_rate", .number(dropOffRate)), ("ci_low", .number(ciLow)), ("ci_high", .number(ciHigh)),
            ("in_window", .integer(Int64(inWindow))),
            ("median_seconds_from_previous", .number(medianSecondsFromPrevious)),
            ("median_seconds_from_first", .number(medianSecondsFromFirst)),
        ])
    }

    var cells: [Cell] {
        [.text(stage), .integer(Int64(reached)), .rate(conversionFromPrevious), .rate(conversionFromFirst),
         .integer(Int64(dropped)), .rate(dropOffRate), .rate(ciLow), .rate(ciHigh), .integer(Int64(inWindow)),
         .seconds(medianSecondsFromPrevious), .seconds(medianSecondsFromFirst)]
    }
}

extension FunnelReport {
    static let stageColumns = ["stage", "reached", "conversion_from_previous", "conversion_from_first", "dropped",
                               "drop_off_rate", "ci_low", "ci_high", "in_window", "median_seconds_from_previous",
                               "median_seconds_from_first"]

    package var json: JSONValue {
        .object([
            ("journey", .string(journey)), ("actor", .string(actor.rawValue)),
            ("window_seconds", .integer(windowMilliseconds / 1000)),
            ("from", .string(range.fromText)), ("to", .string(range.toText)),
            ("stages", .array(stages.map(\.json))),
            ("breakdown", breakdown.map { dimension in
                .object([
                    ("dimension", .string(dimension.rawValue)),
                    ("groups", .array(groups.map { group in
                        .object([("value", .string(group.value)), ("stages", .array(group.stages.map(\.json)))])
                    })),
                ])
            } ?? .null),
        ])
    }

    /// Every stage of the total and of each group, one row each, with a group column.
    package var table: ResultTable {
        var table = ResultTable(columns: ["group"] + Self.stageColumns)
        for stage in stages { table.rows.append([.text("(all)")] + stage.cells) }
        for group in groups {
            for stage in group.stages { table.rows.append([.text(group.value)] + stage.cells) }
        }
        return table
    }

    public func render(_ format: OutputFormat) -> String {
        switch format {
        case .json: return json.rendered()
        case .csv: return table.render(.csv)
        case .table, .markdown: return text(markdown: format == .markdown)
        }
    }

    /// A one-line description of what was computed.
    package var caption: String {
        var parts = ["journey \(journey)", "\(actor.rawValue)s", "window \(DurationText.format(windowMilliseconds))"]
        switch (range.fromText, range.toText) {
        case (nil, nil): parts.append("all events")
        case let (from, to): parts.append("events in [\(from ?? "start"), \(to ?? "end"))")
        }
        if let asOf { parts.append("windows judged at \(Timestamp.iso8601(asOf))") }
        if matureOnly { parts.append("mature actors only") }
        return parts.joined(separator: " · ")
    }

    private func text(markdown: Bool) -> String {
        var out = (markdown ? "## Funnel\n\n" : "") + caption + "\n\n"
        out += stageTable(stages, markdown: markdown)
        if stages.first?.reached == 0 {
            out += "\nNo \(actor.rawValue) reached the first stage: nothing to show (check the journey's event names and the period).\n"
        }
        for group in groups {
            out += "\n" + (markdown ? "### " : "") + "\(breakdown?.rawValue ?? "group"): \(group.value)\n\n"
            out += stageTable(group.stages, markdown: markdown)
        }
        return out
    }

    private func stageTable(_ stages: [StageResult], markdown: Bool) -> String {
        let worst = Self.worstStageIndex(stages)
        let first = Double(max(stages.first?.reached ?? 0, 1))
        let rows: [[Cell]] = stages.enumerated().map { index, stage in
            let width = Int((Double(stage.reached) / first * 20).rounded())
            let bar = String(repeating: "#", count: width) + String(repeating: ".", count: 20 - width)
            let interval = stage.ciLow.map { low in "\(Format.percent(low))-\(Format.percent(stage.ciHigh ?? low))" } ?? "-"
            return [.text(stage.stage), .integer(Int64(stage.reached)), .text(bar), .rate(stage.conversionFromPrevious),
                    .rate(stage.conversionFromFirst), .integer(Int64(stage.dropped)), .rate(stage.dropOffRate),
                    .text(interval), .integer(Int64(stage.inWindow)), .seconds(stage.medianSecondsFromPrevious),
                    .seconds(stage.medianSecondsFromFirst), .text(index == worst ? "<- worst stage" : "")]
        }
        let table = ResultTable(columns: ["stage", "reached", "reach", "from_previous", "from_first", "dropped",
                                          "drop_off", "95%_ci", "in_window", "median_from_previous",
                                          "median_from_first", "note"], rows: rows)
        return table.render(markdown ? .markdown : .table)
    }
}
