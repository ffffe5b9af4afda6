import Foundation
import AnalyticsCore
import AnalyticsQueries
import AnalyticsSessions

extension ConversionReport {
    /// The report as Markdown: the same sections as the HTML, with text tables.
    public var markdown: String {
        var out = "# Stage conversion report: \(options.journey.name)\n\n"
        out += "Period: \(ReportText.period(self))"
        if let comparison { out += " · compared with \(comparison.labelA)" }
        if !options.filters.isEmpty { out += " · where " + options.filters.map { "`\($0.text)`" }.joined(separator: ", ") }
        out += "\n\n## Headline\n\n"
        for warning in ReportText.incompletePeriods(self) { out += "> **\(warning)**\n\n" }
        out += headlineTable.render(.markdown)
        out += "\n" + ReportText.currencyNote(self) + "\n"

        out += "\n## Stage conversion\n\n"
        for line in funnelModeLines { out += "- \(line)\n" }
        if !funnelModeLines.isEmpty { out += "\n" }
        out += stagesTable(funnel.stages).render(.markdown)
        if funnel.hasTimeToConvert { out += "\n### Time to convert\n\n" + timeToConvertTable.render(.markdown) }
        if let worst = ReportText.worstSentence(self) {
            out += "\nWorst stage: **\(worst.stage)**: \(worst.text)\n"
        }

        out += "\n## Where it leaks\n\n"
        out += "Stages ranked by users lost. Touchpoints are tested against all other users at that stage "
            + "(two-proportion z-test, Holm correction over \(testsRun) tests, adjusted p < \(Format.plainNumber(options.alpha)), "
            + "at least \(options.minimumGroupSize) users at the previous stage). The first is the worst stage.\n\n"
        out += leaksTable.render(.markdown)
        for leak in leaks where !leak.tested.isEmpty {
            out += "\n### \(leak.stage)\n\n"
            if leak.worse.isEmpty {
                out += "No touchpoint converts significantly worse than the rest at this stage.\n"
            } else {
                out += painPointTable(leak.worse).render(.markdown)
            }
        }

        let pathSections = self.pathSections
        if !pathSections.isEmpty {
            out += "\n## Paths\n\n" + ReportText.pathsIntro(steps: Self.pathSteps) + "\n"
            for section in pathSections {
                out += "\n### \(section.heading)\n\n\(section.caption).\n\n" + pathTable(section.report).render(.markdown)
            }
        }

        out += "\n## Touchpoint KPIs\n\n" + ReportText.currencyNote(self) + "\n\n### By channel\n\n"
            + withAmountUnits(kpisByChannel.compactTable).render(.markdown)
        out += "\n### By device\n\n" + withAmountUnits(kpisByDevice.compactTable).render(.markdown)
        if let attribution {
            out += "\n## Attribution\n\n" + ReportText.attributionIntro(attribution, filtered: !options.filters.isEmpty)
                + "\n\n" + ReportText.attributionModels(attribution) + "\n\n### \(ReportText.amountColumn("Revenue credited", self))\n\n"
                + attributionTable(attribution, revenue: true).render(.markdown)
                + "\n### Orders credited\n\n" + attributionTable(attribution, revenue: false).render(.markdown)
        }
        out += "\n## Stage x \(matrix.breakdown?.rawValue ?? "touchpoint")\n\n"
        out += "Users reaching each stage (share of the group's users entering).\n\n" + matrixTable.render(.markdown)
        out += "\n## Trend by \(trend.breakdown?.rawValue ?? "interval")\n\n"
        out += "Conversion from the previous stage, users grouped by the \(trend.breakdown?.rawValue ?? "interval") "
            + "of their first event.\n\n" + ReportText.trendNotes(self, ReportText.trendPeriods(self)).map { "- \($0)\n" }.joined()
            + "\n" + trendTable.render(.markdown)
        if let retention {
            out += "\n## Retention cohorts\n\n" + ReportText.retentionIntro(retention) + "\n\n"
                + retentionGrid(retention).render(.markdown)
                + "\n\\* " + ReportText.openPeriod(retention) + "\n"
        }
        if let comparison {
            out += "\n## Comparison: \(comparison.labelB) against \(comparison.labelA)\n\n"
            for warning in ReportText.incompletePeriods(self) { out += "> **\(warning)**\n\n" }
            out += comparisonTable(comparison).render(.markdown)
        }
        out += "\n## Definitions and provenance\n\n"
        for definition in ReportText.definitions(self) { out += "- **\(definition.term)**: \(definition.meaning)\n" }
        out += "\n" + provenanceLines.map { "- \($0)\n" }.joined()
        out += "\n" + importsTable.render(.markdown)
        return out
    }

    // MARK: Tables shared by Markdown and HTML

    var headlineTable: ResultTable {
        var columns = ["metric", "value"]
        if comparisonPeriod != nil { columns += ["previous", "change"] }
        let currency = ReportText.currency(self), mixed = ReportText.mixedCurrencies(self)
        return ResultTable(columns: columns, rows: headline.map { item in
            // Mixed currencies are listed, never summed.
            let value = item.kind == .money && mixed ? ReportText.currencyList(self)
                : ReportText.headlineValue(item, currency: currency)
            var row: [Cell] = [.text(item.name), .text(value)]
            if comparisonPeriod != nil {
                row += item.kind == .money && mixed ? [.text("-"), .text("-")]
                    : [.text(ReportText.headlinePrevious(item, currency: currency)), .text(ReportText.change(item))]
            }
            return row
        })
    }

    func stagesTable(_ stages: [StageResult]) -> ResultTable {
        ResultTable(columns: ["stage", "reached", "from previous", "from first", "dropped", "drop-off", "95% CI",
                              "in window", "median time from previous"],
                    rows: stages.enumerated().map { index, stage in
                        // No interval on the first stage: everyone counted reached it (always 100%).
                        [.text(stage.optional ? "\(stage.stage) (optional)" : stage.stage), .integer(Int64(stage.reached)),
                         .rate(stage.conversionFromPrevious), .rate(stage.conversionFromFirst),
                         stage.optional ? .number(nil) : .integer(Int64(stage.dropped)), .rate(stage.dropOffRate),
                         .text(index == 0 ? "-" : stage.ciLow.map { "\(Format.percent($0)) - \(Format.percent(stage.ciHigh ?? $0))" } ?? "-"),
                         stage.optional ? .number(nil) : .integer(Int64(stage.inWindow)), .seconds(stage.medianSecondsFromPrevious)]
                    })
    }

    /// How the funnel was counted, when not the default: order, count, exclusions, optional stages.
    var funnelModeLines: [String] {
        var lines: [String] = []
        switch funnel.order {
        case .ordered: break
        case .strict: lines.append("Strict order: no other event of a user between two consecutive stages.")
        case .any: lines.append("Any order: a user reaches k steps with k different stages in one window.")
        }
        if funnel.count == .conversions { lines.append("Counting conversions: every entry into the funnel, not each user once.") }
        let optional = funnel.stages.filter(\.optional).map(\.stage)
        if !optional.isEmpty {
            lines.append("Optional: \(optional.joined(separator: ", ")) (a user may skip it; conversion after it is from the stage before).")
        }
        return lines + funnel.exclusionLines.map { $0.prefix(1).uppercased() + $0.dropFirst() + "." }
    }

    /// Per stage after the first: how long converting users took from the previous stage (and the median from the first).
    var timeToConvertTable: ResultTable {
        ResultTable(columns: ["stage", "converted", "mean", "p10", "p25", "median", "p75", "p90", "median from first"],
                    rows: funnel.stages.dropFirst().compactMap { stage in
                        guard let times = stage.timeToConvert, !stage.optional else { return nil }
                        let previous = times.fromPrevious
                        return [.text(stage.stage), .integer(Int64(previous.count)), .seconds(previous.mean),
                                .seconds(previous.p10), .seconds(previous.p25), .seconds(previous.p50),
                                .seconds(previous.p75), .seconds(previous.p90), .seconds(times.fromFirst.p50)]
                    })
    }

    var leaksTable: ResultTable {
        ResultTable(columns: ["rank", "stage", "users lost", "conversion from previous", "groups tested",
                              "significantly worse"],
                    rows: leaks.enumerated().map { rank, leak in
                        [.integer(Int64(rank + 1)), .text(leak.stage), .integer(Int64(leak.lost)), .rate(leak.rate),
                         .integer(Int64(leak.tested.count)), .integer(Int64(leak.worse.count))]
                    })
    }

    func painPointTable(_ points: [PainPoint]) -> ResultTable {
        ResultTable(columns: ["touchpoint", "value", "users", "conversion", "rest", "p (adjusted)", "users lost",
                              ReportText.amountColumn("revenue lost", self)],
                    rows: points.map { point in
                        [.text(point.dimension.rawValue), .text(point.value), .integer(Int64(point.trials)),
                         .rate(point.rate), .rate(point.restRate), .text(Self.pValue(point.adjustedP)),
                         .integer(Int64(point.usersLost.rounded())), .money(point.revenueLost)]
                    })
    }

    var matrixTable: ResultTable {
        ResultTable(columns: [matrix.breakdown?.rawValue ?? "group"] + funnel.stages.map(\.stage),
                    rows: matrix.groups.map { group in
                        [.text(group.value)] + group.stages.map { stage in
                            .text("\(Format.grouped(Int64(stage.reached))) (\(stage.conversionFromFirst.map(Format.percent) ?? "-"))")
                        }
                    })
    }

    /// One row per period of the trend, empty ones included (users 0); cohorts clipped to the period,
    /// open ones marked `*`.
    var trendTable: ResultTable {
        ResultTable(columns: ["cohort", "users"] + funnel.stages.dropFirst().map(\.stage) + ["in window"],
                    rows: ReportText.trendPeriods(self).map { period in
                        let label = Cell.text(period.label + (period.open ? "*" : ""))
                        guard let group = period.group else {
                            return [label, .integer(0)] + funnel.stages.dropFirst().map { _ in Cell.rate(nil) } + [.integer(0)]
                        }
                        return [label, .integer(Int64(group.stages.first?.reached ?? 0))]
                            + group.stages.dropFirst().map { Cell.rate($0.conversionFromPrevious) }
                            + [.integer(Int64(group.stages.reduce(0) { $0 + $1.inWindow }))]
                    })
    }

    /// The retention grid with cohorts clipped to the report's period.
    func retentionGrid(_ retention: RetentionReport) -> ResultTable {
        var table = retention.grid(retention.total)
        for (index, cohort) in retention.total.cohorts.enumerated() where index < table.rows.count {
            table.rows[index][0] = .text(ReportText.cohortLabel(cohort, from: period.from))
        }
        return table
    }

    /// A KPI table whose amount columns name their currency (`revenue (EUR)`).
    func withAmountUnits(_ table: ResultTable) -> ResultTable {
        var table = table
        table.columns = table.columns.map { ["revenue", "order value", "revenue / session"].contains($0)
            ? ReportText.amountColumn($0, self) : $0 }
        return table
    }

    func comparisonTable(_ result: ComparisonResult) -> ResultTable {
        ResultTable(columns: ["stage", "A: \(result.labelA)", "B: \(result.labelB)", "difference (B - A)", "95% CI",
                              "p", "verdict"],
                    rows: result.stages.map { stage in
                        [.text(stage.stage),
                         .text("\(stage.rateA.map(Format.percent) ?? "-") (\(stage.successesA)/\(stage.trialsA))"),
                         .text("\(stage.rateB.map(Format.percent) ?? "-") (\(stage.successesB)/\(stage.trialsB))"),
                         .text(stage.difference.map { Self.points($0) } ?? "-"),
                         .text(stage.ciLow.map { "\(Self.points($0)) to \(Self.points(stage.ciHigh ?? $0))" } ?? "-"),
                         .text(stage.p.map(Self.pValue) ?? "-"), .text(ReportText.verdict(stage, labelB: "B"))]
                    })
    }

    /// The path diagrams shown: after the entry stage, then after the stage before the worst stage.
    var pathSections: [(heading: String, caption: String, report: PathReport)] {
        var sections: [(heading: String, caption: String, report: PathReport)] = []
        let stages = funnel.stages.map(\.stage)
        func caption(_ report: PathReport) -> String {
            "\(Format.grouped(Int64(report.actorsWithAnchor))) users, \(Format.grouped(Int64(report.distinctPaths))) "
                + "distinct path\(report.distinctPaths == 1 ? "" : "s")"
        }
        if let entryPaths, let first = stages.first {
            sections.append(("After \(first), the entry stage", caption(entryPaths), entryPaths))
        }
        if let dropOffPaths, let worst = worstStageIndex, worst >= 2 {
            sections.append(("After \(stages[worst - 1]), before the worst stage (\(stages[worst]))",
                             caption(dropOffPaths), dropOffPaths))
        }
        return sections
    }

    /// The most common paths of a diagram (its text alternative).
    func pathTable(_ report: PathReport) -> ResultTable {
        ResultTable(columns: ["rank", "users", "share", "path"], rows: report.paths.enumerated().map { index, path in
            [.integer(Int64(index + 1)), .integer(Int64(path.actors)), .rate(path.share),
             .text(path.nodes.joined(separator: " > "))]
        })
    }

    /// Revenue (or orders) credited to each channel, one column per model, and the total.
    func attributionTable(_ report: AttributionReport, revenue: Bool) -> ResultTable {
        var table = ResultTable(columns: [report.dimension.rawValue] + report.models.map(\.rawValue))
        for row in report.rows {
            table.rows.append([.text(row.value)] + row.credits.map { revenue ? .money($0.revenue) : .number($0.orders) })
        }
        table.rows.append([.text("(total)")] + report.models.map { _ in
            revenue ? .money(report.revenue) : .number(Double(report.orders))
        })
        return table
    }

    var provenanceLines: [String] {
        let stages = options.journey.stages.map { stage in
            "\(stage.name) (\(stage.events.joined(separator: ", ")))"
        }
        return [
            "Data window: \(ReportText.period(self)) (UTC)",
            "Journey: \(options.journey.name), window \(DurationText.format(options.journey.windowMilliseconds)): "
                + stages.joined(separator: " -> "),
            "Session timeout: \(DurationText.format(sessionTimeoutMilliseconds))",
            "Engine: Journey Analytics \(engineVersion)",
            "Imported files: \(imports.count)",
        ]
    }

    var importsTable: ResultTable {
        ResultTable(columns: ["file", "kind", "rows", "sha256"], rows: imports.map { entry in
            [.text(URL(fileURLWithPath: entry.path).lastPathComponent), .text(entry.kind), .integer(entry.rowsImported),
             .text(entry.sha256)]
        })
    }

    static func pValue(_ p: Double) -> String {
        p < 0.0001 ? "< 0.0001" : Format.decimal(p, places: 4, grouping: false)
    }

    static func points(_ difference: Double) -> String {
        (difference >= 0 ? "+" : "") + Format.decimal(difference * 100, places: 1, grouping: false) + " pts"
    }
}
