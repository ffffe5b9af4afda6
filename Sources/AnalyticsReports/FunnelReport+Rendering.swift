import AnalyticsCore
import AnalyticsQueries
import AnalyticsStorage

extension StageResult {
    /// The JSON object with the documented keys, in order (`dropped` and `in_window` null for optional stages).
    package var json: JSONValue {
        .object([
            ("stage", .string(stage)), ("reached", .integer(Int64(reached))),
            ("conversion_from_previous", .number(conversionFromPrevious)),
            ("conversion_from_first", .number(conversionFromFirst)),
            ("dropped", optional ? .null : .integer(Int64(dropped))),
            ("drop_off_rate", .number(dropOffRate)), ("ci_low", .number(ciLow)), ("ci_high", .number(ciHigh)),
            ("in_window", optional ? .null : .integer(Int64(inWindow))),
            ("median_seconds_from_previous", .number(medianSecondsFromPrevious)),
            ("median_seconds_from_first", .number(medianSecondsFromFirst)),
            ("optional", .bool(optional)),
            ("time_to_convert", timeToConvert.map(\.json) ?? .null),
        ])
    }

    /// The CSV cells: the stage columns, then with time to convert its columns.
    func cells(timeToConvert withTimes: Bool) -> [Cell] {
        var cells: [Cell] = [
            .text(stage), .integer(Int64(reached)), .rate(conversionFromPrevious), .rate(conversionFromFirst),
            optional ? .number(nil) : .integer(Int64(dropped)), .rate(dropOffRate), .rate(ciLow), .rate(ciHigh),
            optional ? .number(nil) : .integer(Int64(inWindow)), .seconds(medianSecondsFromPrevious),
            .seconds(medianSecondsFromFirst), .text(optional ? "true" : "false"),
        ]
        if withTimes {
            let times = timeToConvert
            for summary in [times?.fromPrevious, times?.fromFirst] {
                cells += [summary?.mean, summary?.p10, summary?.p25, summary?.p50, summary?.p75, summary?.p90].map(Cell.seconds)
            }
            cells.append(.text(times?.histogram.edges.map(Format.plainNumber).joined(separator: ";") ?? ""))
            cells.append(.text(times?.histogram.counts.map(String.init).joined(separator: ";") ?? ""))
        }
        return cells
    }
}

extension TimeToConvert {
    package var json: JSONValue {
        func summary(_ summary: Summary) -> JSONValue {
            .object([("count", .integer(Int64(summary.count))), ("mean", .number(summary.mean)), ("p10", .number(summary.p10)),
                     ("p25", .number(summary.p25)), ("p50", .number(summary.p50)), ("p75", .number(summary.p75)),
                     ("p90", .number(summary.p90))])
        }
        return .object([
            ("seconds_from_previous", summary(fromPrevious)), ("seconds_from_first", summary(fromFirst)),
            ("histogram", .object([("edges_seconds", .array(histogram.edges.map { .number($0) })),
                                   ("counts", .array(histogram.counts.map { .integer(Int64($0)) }))])),
        ])
    }
}

extension FunnelReport {
    static let stageColumns = ["stage", "reached", "conversion_from_previous", "conversion_from_first", "dropped",
                               "drop_off_rate", "ci_low", "ci_high", "in_window", "median_seconds_from_previous",
                               "median_seconds_from_first", "optional"]
    /// The columns `--time-to-convert` adds to CSV.
    static let timeToConvertColumns = ["previous", "first"].flatMap { from in
        ["mean", "p10", "p25", "p50", "p75", "p90"].map { "\($0)_seconds_from_\(from)" }
    } + ["histogram_edges_seconds", "histogram_counts"]

    /// Whether the stages carry time-to-convert distributions.
    var hasTimeToConvert: Bool { stages.contains { $0.timeToConvert != nil } }

    package var json: JSONValue {
        .object([
            ("journey", .string(journey)), ("actor", .string(actor.rawValue)),
            ("window_seconds", .integer(windowMilliseconds / 1000)),
            ("from", .string(range.fromText)), ("to", .string(range.toText)),
            ("order", .string(order.rawValue)), ("count", .string(count.rawValue)),
            ("exclusions", .array(exclusions.map { exclusion in
                .object([("events", .array(exclusion.events.map { .string($0) })),
                         ("between", .array([.string(exclusion.from), .string(exclusion.to)]))])
            })),
            ("exclude_mode", .string(excludeMode.rawValue)),
            ("excluded_actors", excludedActors.map { .integer(Int64($0)) } ?? .null),
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
        let withTimes = hasTimeToConvert
        var table = ResultTable(columns: ["group"] + Self.stageColumns + (withTimes ? Self.timeToConvertColumns : []))
        for stage in stages { table.rows.append([.text("(all)")] + stage.cells(timeToConvert: withTimes)) }
        for group in groups {
            for stage in group.stages { table.rows.append([.text(group.value)] + stage.cells(timeToConvert: withTimes)) }
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
        var parts = ["journey \(journey)", count == .conversions ? "conversions of \(actor.rawValue)s" : "\(actor.rawValue)s",
                     "window \(DurationText.format(windowMilliseconds))"]
        switch order {
        case .ordered: break
        case .strict: parts.append("strict order")
        case .any: parts.append("any order")
        }
        switch (range.fromText, range.toText) {
        case (nil, nil): parts.append("all events")
        case let (from, to): parts.append("events in [\(from ?? "start"), \(to ?? "end"))")
        }
        if let asOf { parts.append("windows judged at \(Timestamp.iso8601(asOf))") }
        if matureOnly { parts.append("mature actors only") }
        return parts.joined(separator: " · ")
    }

    /// One line per exclusion, and the actors left out under `drop_actor`.
    package var exclusionLines: [String] {
        exclusions.map { exclusion in
            "excluding \(exclusion.events.joined(separator: ", ")) between \(exclusion.from) and \(exclusion.to) ("
                + (excludeMode == .cut ? "the chain counts up to the stage before \(exclusion.to)" : "the actor is left out") + ")"
        } + (excludedActors.map { ["\(actor.rawValue)s left out by the exclusions: \(Format.grouped(Int64($0)))"] } ?? [])
    }

    private func text(markdown: Bool) -> String {
        var out = (markdown ? "## Funnel\n\n" : "") + caption + "\n"
        for line in exclusionLines { out += (markdown ? "- " : "") + line + "\n" }
        out += "\n" + stageTable(stages, markdown: markdown)
        if hasTimeToConvert { out += "\n" + (markdown ? "### " : "") + "Time to convert\n\n" + timeTable(stages, markdown: markdown) }
        if stages.first?.reached == 0 {
            out += "\nNo \(actor.rawValue) reached the first stage: nothing to show (check the journey's event names and the period).\n"
        }
        for group in groups {
            out += "\n" + (markdown ? "### " : "") + "\(breakdown?.rawValue ?? "group"): \(group.value)\n\n"
            out += stageTable(group.stages, markdown: markdown)
        }
        return out
    }

    /// Per stage: the distribution of seconds from the previous stage and from the first, and a bar per histogram bin.
    private func timeTable(_ stages: [StageResult], markdown: Bool) -> String {
        let rows: [[Cell]] = stages.dropFirst().compactMap { stage in
            guard let times = stage.timeToConvert, !stage.optional else { return nil }
            let previous = times.fromPrevious, first = times.fromFirst
            let peak = max(times.histogram.counts.max() ?? 0, 1)
            let sparkline = times.histogram.counts.map { count -> Character in
                let levels = Array(" ▁▂▃▄▅▆▇█")
                return count == 0 ? "·" : levels[max(1, Int((Double(count) / Double(peak) * 8).rounded()))]
            }
            let span = times.histogram.edges.first.map { low in
                "\(Format.duration(low))–\(Format.duration(times.histogram.edges.last ?? low))"
            } ?? "-"
            return [.text(stage.stage), .integer(Int64(previous.count)), .seconds(previous.mean), .seconds(previous.p10),
                    .seconds(previous.p25), .seconds(previous.p50), .seconds(previous.p75), .seconds(previous.p90),
                    .seconds(first.p50), .text(String(sparkline)), .text(span)]
        }
        let table = ResultTable(columns: ["stage", "converted", "mean", "p10", "p25", "p50", "p75", "p90",
                                          "p50_from_first", "histogram", "range"], rows: rows)
        return table.render(markdown ? .markdown : .table)
    }

    private func stageTable(_ stages: [StageResult], markdown: Bool) -> String {
        let worst = Self.worstStageIndex(stages)
        let first = Double(max(stages.first?.reached ?? 0, 1))
        let rows: [[Cell]] = stages.enumerated().map { index, stage in
            let width = Int((Double(stage.reached) / first * 20).rounded())
            let bar = String(repeating: "#", count: width) + String(repeating: ".", count: 20 - width)
            let interval = stage.ciLow.map { low in "\(Format.percent(low))-\(Format.percent(stage.ciHigh ?? low))" } ?? "-"
            let note = index == worst ? "<- worst stage" : stage.optional ? "optional" : ""
            return [.text(stage.stage), .integer(Int64(stage.reached)), .text(bar), .rate(stage.conversionFromPrevious),
                    .rate(stage.conversionFromFirst), stage.optional ? .number(nil) : .integer(Int64(stage.dropped)),
                    .rate(stage.dropOffRate), .text(interval), stage.optional ? .number(nil) : .integer(Int64(stage.inWindow)),
                    .seconds(stage.medianSecondsFromPrevious), .seconds(stage.medianSecondsFromFirst), .text(note)]
        }
        let table = ResultTable(columns: ["stage", "reached", "reach", "from_previous", "from_first", "dropped",
                                          "drop_off", "95%_ci", "in_window", "median_from_previous",
                                          "median_from_first", "note"], rows: rows)
        return table.render(markdown ? .markdown : .table)
    }
}
