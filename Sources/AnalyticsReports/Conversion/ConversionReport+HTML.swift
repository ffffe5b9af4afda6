import Foundation
import AnalyticsCore

extension ConversionReport {
    /// One self-contained HTML file: inline CSS and SVG, no scripts, nothing fetched.
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
        out += "<section aria-labelledby=\"headline\">\n<h2 id=\"headline\">Headline</h2>\n<div class=\"cards\">\n"
        for item in headline {
            out += "<div class=\"card\"><div class=\"label\">\(HTML.escape(item.name))</div>"
                + "<div class=\"value\">\(HTML.escape(ReportText.headlineValue(item)))</div>"
            if item.previous != nil {
                out += "<div class=\"change\">\(HTML.escape(ReportText.change(item))) vs "
                    + "\(HTML.escape(ReportText.headlinePrevious(item)))</div>"
            }
            out += "</div>\n"
        }
        out += "</div>\n</section>\n"

        // 2. Stage conversion
        out += "<section aria-labelledby=\"stages\">\n<h2 id=\"stages\">Stage conversion</h2>\n"
        out += SVGChart.funnel(funnel.stages, id: "funnel-chart", title: "Users reaching each stage of \(options.journey.name)")
        out += HTML.table(stagesTable(funnel.stages), caption: "Reach, conversion and drop-off per stage")
        if let worst = funnel.worstStageIndex {
            out += "<p class=\"callout\">Worst drop-off: <strong>\(HTML.escape(funnel.stages[worst].stage))</strong>, "
                + "\(Format.percent(funnel.stages[worst].dropOffRate ?? 0)) of the users who reached "
                + "\(HTML.escape(funnel.stages[worst - 1].stage)) went no further.</p>\n"
        }
        out += "</section>\n"

        // 3. Where it leaks
        out += "<section aria-labelledby=\"leaks\">\n<h2 id=\"leaks\">Where it leaks</h2>\n"
        out += "<p>Stages ranked by users lost. For the \(options.painPointStages) worst, each touchpoint group is tested "
            + "against all other users at that stage (two-proportion z-test; Holm correction over \(testsRun) tests; "
            + "adjusted p &lt; \(Format.plainNumber(options.alpha)); at least \(options.minimumGroupSize) users at the "
            + "previous stage).</p>\n"
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
        out += HTML.table(kpisByChannel.compactTable, caption: "Sessions by landing channel")
        out += HTML.table(kpisByDevice.compactTable, caption: "Sessions by device")
        out += "</section>\n"

        // Attribution (only with orders).
        if let attribution {
            out += "<section aria-labelledby=\"attribution\">\n<h2 id=\"attribution\">Attribution</h2>\n"
            out += "<p>\(HTML.escape(ReportText.attributionIntro(attribution, filtered: !options.filters.isEmpty)))</p>\n"
            out += "<p>\(HTML.escape(ReportText.attributionModels(attribution))) Darker cells: a larger share of the "
                + "model's revenue.</p>\n"
            let rows = attribution.rows
            out += HTML.table(attributionTable(attribution, revenue: true),
                              caption: "Revenue credited to each \(attribution.dimension.rawValue), by model") { row, column in
                row < rows.count && column > 0 ? rows[row].credits[column - 1].revenueShare.map { sqrt($0) } : nil
            }
            out += HTML.table(attributionTable(attribution, revenue: false),
                              caption: "Orders credited to each \(attribution.dimension.rawValue), by model")
            out += "</section>\n"
        }

        // 5. Stage x touchpoint matrix
        let dimension = matrix.breakdown?.rawValue ?? "touchpoint"
        out += "<section aria-labelledby=\"matrix\">\n<h2 id=\"matrix\">Stage x \(HTML.escape(dimension))</h2>\n"
        out += "<p>Users reaching each stage, with the share of the group's users entering; darker cells convert better.</p>\n"
        let groups = matrix.groups
        out += HTML.table(matrixTable, caption: "The journey map in numbers, by \(dimension)") { row, column in
            column == 0 ? nil : groups[row].stages[column - 1].conversionFromFirst.map { sqrt($0) }
        }
        out += "</section>\n"

        // 6. Trend
        let interval = trend.breakdown?.rawValue ?? "interval"
        out += "<section aria-labelledby=\"trend\">\n<h2 id=\"trend\">Trend by \(HTML.escape(interval))</h2>\n"
        if trend.groups.isEmpty {
            out += "<p>No data in the period.</p>\n"
        } else {
            out += SVGChart.trend(trend.groups, id: "trend-chart",
                                  title: "Conversion from the previous stage by \(interval) cohort")
            out += HTML.table(trendTable, caption: "Conversion from the previous stage, users grouped by the \(interval) of their first event")
        }
        out += "</section>\n"

        // Retention cohorts (only when someone entered in the period).
        if let retention {
            out += "<section aria-labelledby=\"retention\">\n<h2 id=\"retention\">Retention cohorts</h2>\n"
            out += "<p>\(HTML.escape(ReportText.retentionIntro(retention)))</p>\n"
            out += HTML.heatLegend(open: ReportText.openPeriod(retention))
            out += HTML.heatMap(retention)
            out += "</section>\n"
        }

        // 7. Comparison
        if let comparison {
            out += "<section aria-labelledby=\"comparison\">\n<h2 id=\"comparison\">Comparison</h2>\n"
            out += "<p>B: \(HTML.escape(comparison.labelB)) against A: \(HTML.escape(comparison.labelA)).</p>\n"
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
        out += "</footer>\n</main>\n</body>\n</html>\n"
        return out
    }
}
