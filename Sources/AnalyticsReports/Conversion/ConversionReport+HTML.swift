import Foundation
import AnalyticsCore
import AnalyticsQueries

extension ConversionReport {
    /// One self-contained HTML file: inline CSS, SVG and one small inline script (sortable tables, a
    /// filter), nothing fetched; complete without the script.
    public var html: String {
        let title = "Stage conversion report: \(options.journey.name)"
        var out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
            + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
            + "<title>\(HTML.escape(title))</title>\n<style>\n\(HTML.style)\n</style>\n</head>\n<body>\n<main>\n"
        out += "<h1>\(HTML.escape(title))</h1>\n<p class=\"meta\">Period \(HTML.escape(ReportText.period(self)))"
        if let comparison { out += ", compared with \(HTML.escape(comparison.labelA))" }
        if !options.filters.isEmpty { out += " · where " + HTML.escape(options.filters.map(\.text).joined(separator: ", ")) }
        out += " · users as actors · conversion window \(DurationText.format(options.journey.windowMilliseconds))</p>\n"

        // 1. Headline
        out += "<section aria-labelledby=\"headline\">\n<h2 id=\"headline\">Headline</h2>\n"
        for warning in ReportText.incompletePeriods(self) { out += "<p class=\"warning\">\(HTML.escape(warning))</p>\n" }
        out += "<div class=\"cards\">\n"
        let currency = ReportText.currency(self), mixed = ReportText.mixedCurrencies(self)
        for item in headline {
            out += "<div class=\"card\"><div class=\"label\">\(HTML.escape(item.name))</div>"
            if item.kind == .money, mixed {
                // Mixed currencies are listed, never summed.
                out += currencies.map { total in
                    "<div class=\"value\">\(HTML.escape(total.code ?? "no currency")) "
                        + "\(Format.decimal(total.revenue, places: 2))</div>"
                }.joined()
            } else {
                out += "<div class=\"value\">\(HTML.escape(ReportText.headlineValue(item, currency: currency)))</div>"
                if item.previous != nil {
                    out += "<div class=\"change\">\(HTML.escape(ReportText.change(item))) vs "
                        + "\(HTML.escape(ReportText.headlinePrevious(item, currency: currency)))</div>"
                }
            }
            out += "</div>\n"
        }
        out += "</div>\n<p class=\"note\">\(HTML.escape(ReportText.currencyNote(self)))</p>\n</section>\n"

        // 2. Stage conversion
        out += "<section aria-labelledby=\"stages\">\n<h2 id=\"stages\">Stage conversion</h2>\n"
        if !funnelModeLines.isEmpty {
            out += "<ul class=\"note\">" + funnelModeLines.map { "<li>\(HTML.escape($0))</li>" }.joined() + "</ul>\n"
        }
        out += SVGChart.funnel(funnel.stages, id: "funnel-chart", title: "Users reaching each stage of \(options.journey.name)")
        out += HTML.legend("Chart:", [(mark: "fill", color: SVGChart.palette[0], text: "bar: users reaching the stage"),
                                      (mark: "", color: nil, text: "label: users (share of the first stage); hover a bar for exact counts")])
        out += HTML.table(stagesTable(funnel.stages), caption: "Reach, conversion and drop-off per stage")
        if let worst = ReportText.worstSentence(self) {
            out += "<p class=\"callout\">Worst stage: <strong>\(HTML.escape(worst.stage))</strong>: \(HTML.escape(worst.text))</p>\n"
        }
        if funnel.hasTimeToConvert {
            out += "<h3>Time to convert</h3>\n<div class=\"histograms\">\n"
            for (index, stage) in funnel.stages.enumerated().dropFirst() where !stage.optional {
                guard let times = stage.timeToConvert else { continue }
                out += "<figure>" + SVGChart.histogram(times.histogram, id: "ttc-\(index)",
                                                       title: "Time from the previous stage to \(stage.stage)")
                    + "<figcaption>\(HTML.escape(stage.stage)): median \(HTML.escape(times.fromPrevious.p50.map(Format.duration) ?? "-"))"
                    + "</figcaption></figure>\n"
            }
            out += "</div>\n"
            out += HTML.table(timeToConvertTable, caption: "Time from the previous stage for the users who converted")
        }
        out += "</section>\n"

        // 3. Where it leaks
        out += "<section aria-labelledby=\"leaks\">\n<h2 id=\"leaks\">Where it leaks</h2>\n"
        out += "<p>Stages ranked by users lost. For the \(options.painPointStages) worst, each touchpoint group is tested "
            + "against all other users at that stage (two-proportion z-test; Holm correction over \(testsRun) tests; "
            + "adjusted p &lt; \(Format.plainNumber(options.alpha)); at least \(options.minimumGroupSize) users at the "
            + "previous stage). The first is the worst stage.</p>\n"
        out += HTML.table(leaksTable, caption: "Stages by users lost")
        for leak in leaks where !leak.tested.isEmpty {
            out += "<h3>\(HTML.escape(leak.stage))</h3>\n"
            if leak.worse.isEmpty {
                out += "<p class=\"ok\">No touchpoint converts significantly worse than the rest at this stage.</p>\n"
            } else {
                out += HTML.table(painPointTable(leak.worse),
                                  caption: "Touchpoints significantly worse at \(leak.stage), by users lost")
            }
        }
        out += "</section>\n"

        // Paths after the entry stage and before the worst drop-off (only with data).
        let pathSections = self.pathSections
        if !pathSections.isEmpty {
            out += "<section aria-labelledby=\"paths\">\n<h2 id=\"paths\">Paths</h2>\n"
            out += "<p>\(HTML.escape(ReportText.pathsIntro(steps: Self.pathSteps))) \(HTML.escape(ReportText.sankeyReading))</p>\n"
            let diagrams = pathSections.map { Sankey($0.report) }
            let colors = Sankey.colors(diagrams)
            var named: [String] = []
            for node in diagrams.flatMap(\.nodes) where !named.contains(node.name) { named.append(node.name) }
            out += HTML.legend("Events:", named.map { (mark: "fill", color: colors[$0], text: $0) }
                + [(mark: "", color: nil, text: "heights and bands: users")])
            for (number, (section, diagram)) in zip(pathSections, diagrams).enumerated() {
                out += "<h3>\(HTML.escape(section.heading))</h3>\n"
                out += diagram.svg(
                    id: "paths-chart-\(number + 1)", title: "Paths \(section.heading.prefix(1).lowercased() + section.heading.dropFirst())",
                    description: "Sankey diagram of the paths of \(section.caption), over \(section.report.steps) steps: node "
                        + "heights and band widths are users. The table that follows lists the most common paths.",
                    colors: colors)
                out += HTML.table(pathTable(section.report), caption: "Most common paths: \(section.caption)", class: "paths")
            }
            out += "</section>\n"
        }

        // 4. Touchpoint KPIs
        out += "<section aria-labelledby=\"kpis\">\n<h2 id=\"kpis\">Touchpoint KPIs</h2>\n"
        out += "<p class=\"note\">\(HTML.escape(ReportText.currencyNote(self)))</p>\n"
        out += HTML.table(withAmountUnits(kpisByChannel.compactTable), caption: "Sessions by landing channel")
        out += HTML.table(withAmountUnits(kpisByDevice.compactTable), caption: "Sessions by device")
        out += "</section>\n"

        // Attribution (only with orders).
        if let attribution {
            out += "<section aria-labelledby=\"attribution\">\n<h2 id=\"attribution\">Attribution</h2>\n"
            out += "<p>\(HTML.escape(ReportText.attributionIntro(attribution, filtered: !options.filters.isEmpty)))</p>\n"
            out += "<p>\(HTML.escape(ReportText.attributionModels(attribution))) Darker cells: a larger share of the "
                + "model's revenue. \(HTML.escape(ReportText.currencyNote(self)))</p>\n"
            let rows = attribution.rows
            out += HTML.table(attributionTable(attribution, revenue: true),
                              caption: ReportText.amountColumn("Revenue credited to each \(attribution.dimension.rawValue), by model", self),
                              shade: { row, column in
                row < rows.count && column > 0 ? rows[row].credits[column - 1].revenueShare.map { sqrt($0) } : nil
            })
            out += HTML.table(attributionTable(attribution, revenue: false),
                              caption: "Orders credited to each \(attribution.dimension.rawValue), by model")
            out += "</section>\n"
        }

        // 5. Stage x touchpoint matrix
        let dimension = matrix.breakdown?.rawValue ?? "touchpoint"
        out += "<section aria-labelledby=\"matrix\">\n<h2 id=\"matrix\">Stage x \(HTML.escape(dimension))</h2>\n"
        out += "<p>Users reaching each stage, with the share of the group's users entering; darker cells convert better. "
            + "Hover a cell for exact counts; click a column header to sort.</p>\n"
        out += HTML.legend("Cells:", [(mark: "fill", color: "rgba(37, 99, 235, 0.14)", text: "few of the group's users reach the stage"),
                                      (mark: "fill", color: "rgba(37, 99, 235, 0.68)", text: "all of them")])
        let groups = matrix.groups, stageNames = funnel.stages.map(\.stage)
        let matrixTip: (Int, Int) -> String? = { row, column in
            guard column > 0 else { return nil }
            let stage: StageResult = groups[row].stages[column - 1]
            let entering: Int = groups[row].stages.first?.reached ?? 0
            let share: String = stage.conversionFromFirst.map(Format.percent) ?? "-"
            return "\(dimension) \(groups[row].value), \(stageNames[column - 1]): \(Format.grouped(Int64(stage.reached))) of "
                + "\(Format.grouped(Int64(entering))) users entering (\(share))"
        }
        let matrixShade: (Int, Int) -> Double? = { row, column in
            column == 0 ? nil : groups[row].stages[column - 1].conversionFromFirst.map { sqrt($0) }
        }
        out += HTML.table(matrixTable, caption: "The journey map in numbers, by \(dimension)", class: "filterable",
                          id: "matrix-table", tip: matrixTip, shade: matrixShade)
        out += "</section>\n"

        // 6. Trend
        let interval = trend.breakdown?.rawValue ?? "interval"
        out += "<section aria-labelledby=\"trend\">\n<h2 id=\"trend\">Trend by \(HTML.escape(interval))</h2>\n"
        if trend.groups.isEmpty {
            out += "<p>No data in the period.</p>\n"
        } else {
            let periods = ReportText.trendPeriods(self)
            let stageNames = funnel.stages.map(\.stage)
            out += SVGChart.trend(periods, stages: stageNames, unit: interval, minimum: Self.trendMinimumActors,
                                  id: "trend-chart", title: "Conversion from the previous stage by \(interval) cohort")
            let lines: [(mark: String, color: String?, text: String)] = stageNames.indices.dropFirst().map { index in
                let color: String? = SVGChart.palette[(index - 1) % SVGChart.palette.count]
                return (mark: "line", color: color, text: "\(stageNames[index]) (from \(stageNames[index - 1]))")
            }
            out += HTML.legend("Lines:", lines)
            out += HTML.legend("Marks:", [
                (mark: "dot", color: nil, text: "\(Self.trendMinimumActors)+ users at the previous stage"),
                (mark: "hollow", color: nil, text: "fewer than \(Self.trendMinimumActors), with its 95% interval"),
                (mark: "dashed", color: nil, text: "to an open \(interval) (*)"),
                (mark: "openband", color: nil, text: "open: may still grow"),
                (mark: "gap", color: nil, text: "gap: no users that \(interval)"),
            ])
            out += "<ul class=\"note\">" + ReportText.trendNotes(self, periods).map { "<li>\(HTML.escape($0))</li>" }.joined()
                + "</ul>\n"
            out += HTML.table(trendTable, caption: "Conversion from the previous stage, users grouped by the \(interval) of their first event")
        }
        out += "</section>\n"

        // Retention cohorts (only when someone entered in the period).
        if let retention {
            out += "<section aria-labelledby=\"retention\">\n<h2 id=\"retention\">Retention cohorts</h2>\n"
            out += "<p>\(HTML.escape(ReportText.retentionIntro(retention)))</p>\n"
            out += HTML.heatLegend(open: ReportText.openPeriod(retention))
            out += HTML.heatMap(retention, from: period.from)
            out += "</section>\n"
        }

        // 7. Comparison
        if let comparison {
            out += "<section aria-labelledby=\"comparison\">\n<h2 id=\"comparison\">Comparison</h2>\n"
            out += "<p>B: \(HTML.escape(comparison.labelB)) against A: \(HTML.escape(comparison.labelA)).</p>\n"
            for warning in ReportText.incompletePeriods(self) { out += "<p class=\"warning\">\(HTML.escape(warning))</p>\n" }
            out += HTML.table(comparisonTable(comparison), caption: "Conversion from the previous stage, B against A")
            out += "</section>\n"
        }

        // 8. Definitions and provenance
        out += "<footer aria-labelledby=\"definitions\">\n<h2 id=\"definitions\">Definitions and provenance</h2>\n<dl>\n"
        for definition in ReportText.definitions(self) {
            out += "<dt>\(HTML.escape(definition.term))</dt><dd>\(HTML.escape(definition.meaning))</dd>\n"
        }
        out += "</dl>\n<ul>\n" + provenanceLines.map { "<li>\(HTML.escape($0))</li>\n" }.joined() + "</ul>\n"
        out += HTML.table(importsTable, caption: "Imported files")
        out += "</footer>\n</main>\n<script>\n\(HTML.script)\n</script>\n</body>\n</html>\n"
        return out
    }
}
