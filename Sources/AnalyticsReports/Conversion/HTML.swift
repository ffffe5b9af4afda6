import Foundation
import AnalyticsCore
import AnalyticsQueries

/// Small helpers for writing well-formed (XML-parsable) HTML.
enum HTML {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// A table with a caption and column headers; numbers right-aligned.
    /// `shade` may give a cell a background strength in [0, 1]; `class` names the table for the style sheet.
    static func table(_ table: ResultTable, caption: String, class name: String? = nil,
                      shade: ((Int, Int) -> Double?)? = nil) -> String {
        var out = "<div class=\"scroll\"><table\(name.map { " class=\"\($0)\"" } ?? "")>\n"
            + "<caption>\(escape(caption))</caption>\n<thead><tr>"
        for column in table.columns { out += "<th scope=\"col\">\(escape(column))</th>" }
        out += "</tr></thead>\n<tbody>\n"
        for (rowIndex, row) in table.rows.enumerated() {
            out += "<tr>"
            for (columnIndex, cell) in row.enumerated() {
                var attributes = cell.isNumeric || looksNumeric(cell.human) ? " class=\"num\"" : ""
                if let strength = shade?(rowIndex, columnIndex) {
                    let alpha = Format.decimal(0.08 + 0.6 * max(0, min(1, strength)), places: 2, grouping: false)
                    attributes += " style=\"background-color: rgba(37, 99, 235, \(alpha))\""
                }
                if columnIndex == 0 {
                    out += "<th scope=\"row\"\(attributes)>\(escape(cell.human))</th>"
                } else {
                    out += "<td\(attributes)>\(escape(cell.human))</td>"
                }
            }
            out += "</tr>\n"
        }
        return out + "</tbody>\n</table></div>\n"
    }

    /// Rates below each bound (and the rest) get the next darker shade of the retention heat map.
    static let heatBounds: [Double] = [0.01, 0.05, 0.10, 0.20, 0.40, 0.60]
    static let heatLabels = ["under 1%", "1-5%", "5-10%", "10-20%", "20-40%", "40-60%", "60% or more"]

    static func heatClass(_ rate: Double) -> String {
        "shade\(heatBounds.firstIndex { rate < $0 } ?? heatBounds.count)"
    }

    /// What the heat map's colours and marks mean.
    static func heatLegend(open: String) -> String {
        var out = "<div class=\"legend\"><span class=\"key\">Share returning:</span>"
        for (index, label) in heatLabels.enumerated() {
            out += "<span><span class=\"swatch shade\(index)\"></span>\(escape(label))</span>"
        }
        out += "<span><span class=\"swatch shade3 open\"></span>* \(escape(open))</span>"
        out += "<span><span class=\"swatch notyet\"></span>blank: not reached yet</span></div>\n"
        return out
    }

    /// The retention cohorts of everyone as a table whose cells are shaded by rate; open periods
    /// are hatched and marked `*`; the last row is the mean over complete periods.
    static func heatMap(_ report: RetentionReport) -> String {
        let unit = report.period.rawValue, group = report.total
        var out = "<div class=\"scroll\"><table class=\"heat\">\n<caption>Share of each \(unit)'s new users coming back, "
            + "by \(unit) after their first event</caption>\n<thead><tr><th scope=\"col\">cohort</th><th scope=\"col\">users</th>"
        for period in 0..<report.periods { out += "<th scope=\"col\">\(unit) \(period)</th>" }
        out += "</tr></thead>\n<tbody>\n"
        for cohort in group.cohorts {
            out += "<tr><th scope=\"row\">\(escape(cohort.label))</th><td class=\"num\">\(Format.grouped(Int64(cohort.size)))</td>"
            for (period, cell) in cohort.cells.enumerated() {
                guard let rate = cell.rate, let returned = cell.returned else {
                    out += "<td class=\"notyet\"></td>"
                    continue
                }
                let tip = "cohort \(cohort.label), \(unit) \(period): \(Format.grouped(Int64(returned))) of "
                    + "\(Format.grouped(Int64(cohort.size))) users came back (\(Format.percent(rate)))"
                    + (cell.open ? "; open, may still grow" : "")
                out += "<td class=\"num \(heatClass(rate))\(cell.open ? " open" : "")\" title=\"\(escape(tip))\">"
                    + "\(Format.percent(rate))\(cell.open ? "*" : "")</td>"
            }
            out += "</tr>\n"
        }
        out += "<tr class=\"mean\"><th scope=\"row\">mean</th><td class=\"num\">\(Format.grouped(Int64(group.meanBase.first ?? 0)))</td>"
        for (period, rate) in group.meanRates.enumerated() {
            guard let rate else {
                out += "<td class=\"num notyet\">-</td>"
                continue
            }
            let tip = "\(unit) \(period): mean over \(Format.grouped(Int64(group.meanBase[period]))) users of complete cohorts"
            out += "<td class=\"num \(heatClass(rate))\" title=\"\(escape(tip))\">\(Format.percent(rate))</td>"
        }
        return out + "</tr>\n</tbody>\n</table></div>\n"
    }

    /// Text such as `1,234 (56.0%)` or `+1.2 pts` reads best right-aligned.
    private static func looksNumeric(_ text: String) -> Bool {
        guard text.first?.isNumber == true || text.first == "+" || text.first == "-" else { return false }
        let stripped = text.replacingOccurrences(of: " pts", with: "").replacingOccurrences(of: " to ", with: "")
        return stripped.allSatisfy { "0123456789,.%()+-/ <".contains($0) }
    }

    static let style = """
        body { font-family: -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: #1f2937;
               margin: 0 auto; max-width: 1120px; padding: 24px 32px 48px; line-height: 1.45; font-size: 15px; }
        h1 { font-size: 26px; margin: 0 0 4px; }
        h2 { font-size: 20px; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 2px solid #e5e7eb; }
        h3 { font-size: 16px; margin: 20px 0 8px; }
        p.meta { color: #4b5563; margin: 0 0 16px; }
        .cards { display: flex; flex-wrap: wrap; gap: 12px; }
        .card { border: 1px solid #e5e7eb; border-radius: 8px; padding: 10px 14px; min-width: 150px; flex: 1 1 150px; }
        .card .label { color: #4b5563; font-size: 13px; }
        .card .value { font-size: 22px; font-weight: 600; }
        .card .change { font-size: 13px; color: #4b5563; }
        .scroll { overflow-x: auto; }
        table { border-collapse: collapse; margin: 8px 0 12px; font-size: 13.5px; }
        caption { text-align: left; font-weight: 600; padding: 4px 0; color: #374151; }
        th, td { border-bottom: 1px solid #e5e7eb; padding: 5px 10px; text-align: left; white-space: nowrap; }
        thead th { background: #f3f4f6; font-weight: 600; white-space: normal; vertical-align: bottom; }
        tbody th { font-weight: 500; }
        .num { text-align: right; font-variant-numeric: tabular-nums; }
        .callout { background: #fef3c7; border-left: 4px solid #d97706; padding: 8px 12px; margin: 10px 0; }
        .ok { background: #ecfdf5; border-left: 4px solid #059669; padding: 8px 12px; margin: 10px 0; }
        svg { max-width: 100%; height: auto; }
        svg text { font-family: inherit; fill: #1f2937; }
        dl dt { font-weight: 600; margin-top: 6px; }
        dl dd { margin: 0 0 0 16px; color: #374151; }
        footer { margin-top: 40px; font-size: 13px; }
        code { font-size: 12px; }
        svg.sankey { display: block; max-width: 600px; margin: 4px 0 8px; overflow: visible; }
        svg.sankey .band { fill-opacity: 0.38; }
        svg.sankey .band:hover { fill-opacity: 0.65; }
        svg.sankey text { paint-order: stroke; stroke: #fff; stroke-width: 3px; stroke-linejoin: round; }
        svg.sankey .label { fill: #111827; }
        svg.sankey .count, svg.sankey .step { fill: #4b5563; }
        table.paths td:last-child { white-space: normal; min-width: 11em; }
        table.heat td { min-width: 3.4em; }
        table.heat tbody th { position: sticky; left: 0; background: #fff; }
        table.heat tr.mean th, table.heat tr.mean td { border-top: 2px solid #9ca3af; font-weight: 600; }
        .shade0 { background-color: #eff6ff; } .shade1 { background-color: #dbeafe; }
        .shade2 { background-color: #bfdbfe; } .shade3 { background-color: #93c5fd; }
        .shade4 { background-color: #60a5fa; } .shade5 { background-color: #2563eb; color: #fff; }
        .shade6 { background-color: #1e40af; color: #fff; }
        .open { background-image: repeating-linear-gradient(135deg, rgba(17, 24, 39, 0.16) 0 2px, transparent 2px 6px); }
        .notyet { background-color: #fff; color: #9ca3af; }
        .legend { display: flex; flex-wrap: wrap; gap: 4px 14px; align-items: center; font-size: 13px; color: #374151; margin: 6px 0; }
        .legend .key { font-weight: 600; }
        .legend .swatch { display: inline-block; width: 26px; height: 14px; margin-right: 5px; vertical-align: -2px;
                          border: 1px solid #d1d5db; }
        @media (max-width: 560px) {
          body { padding: 16px 12px 40px; }
          table.heat th, table.heat td { padding: 4px 6px; font-size: 12.5px; min-width: 0; }
        }
        @media print {
          .shade0, .shade1, .shade2, .shade3, .shade4, .shade5, .shade6, .open { print-color-adjust: exact;
            -webkit-print-color-adjust: exact; }
          body { max-width: none; padding: 0; font-size: 11px; }
          h2 { break-after: avoid; }
          table, svg, .card { break-inside: avoid; }
          .scroll { overflow: visible; }
          table { font-size: 10px; }
          th, td { padding: 3px 6px; }
        }
        """
}

/// Inline SVG charts with titles and descriptions for screen readers.
enum SVGChart {
    static let palette = ["#2563eb", "#d97706", "#059669", "#dc2626", "#7c3aed", "#0891b2", "#be185d", "#4d7c0f"]

    /// Horizontal bars: one per stage, width by reach, labelled with count and share.
    static func funnel(_ stages: [StageResult], id: String, title: String) -> String {
        let width = 900.0, rowHeight = 38.0, labelWidth = 170.0, valueWidth = 190.0
        let height = rowHeight * Double(max(stages.count, 1)) + 16
        let first = Double(max(stages.first?.reached ?? 0, 1))
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" "
            + "role=\"img\" aria-labelledby=\"\(id)-title \(id)-desc\">\n"
        out += "<title id=\"\(id)-title\">\(HTML.escape(title))</title>\n"
        out += "<desc id=\"\(id)-desc\">" + HTML.escape(stages.map { "\($0.stage): \($0.reached)" }.joined(separator: "; "))
            + "</desc>\n"
        let barSpace = width - labelWidth - valueWidth
        for (index, stage) in stages.enumerated() {
            let y = 8 + Double(index) * rowHeight
            let barWidth = max(1, barSpace * Double(stage.reached) / first)
            out += "<text x=\"\(Int(labelWidth - 10))\" y=\"\(fmt(y + rowHeight / 2 + 5))\" text-anchor=\"end\" "
                + "font-size=\"15\">\(HTML.escape(stage.stage))</text>\n"
            out += "<rect x=\"\(Int(labelWidth))\" y=\"\(fmt(y + 4))\" width=\"\(fmt(barWidth))\" height=\"\(fmt(rowHeight - 10))\" "
                + "rx=\"3\" fill=\"\(palette[0])\" fill-opacity=\"\(fmt(1 - 0.12 * Double(index)))\"/>\n"
            let share = stage.conversionFromFirst.map(Format.percent) ?? "-"
            out += "<text x=\"\(fmt(labelWidth + barWidth + 8))\" y=\"\(fmt(y + rowHeight / 2 + 5))\" font-size=\"14\">"
                + "\(Format.grouped(Int64(stage.reached))) (\(share))</text>\n"
        }
        return out + "</svg>\n"
    }

    /// Lines of conversion from the previous stage for each stage after the first, over cohorts.
    static func trend(_ groups: [FunnelReport.Group], id: String, title: String) -> String {
        let width = 900.0, height = 320.0, left = 56.0, right = 170.0, top = 16.0, bottom = 48.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" "
            + "role=\"img\" aria-labelledby=\"\(id)-title \(id)-desc\">\n"
        out += "<title id=\"\(id)-title\">\(HTML.escape(title))</title>\n"
        out += "<desc id=\"\(id)-desc\">Conversion from the previous stage per cohort; the table below gives the numbers."
            + "</desc>\n"
        // Axes and grid: 0 to 100%.
        for tick in stride(from: 0, through: 100, by: 25) {
            let y = top + plotHeight * (1 - Double(tick) / 100)
            out += "<line x1=\"\(fmt(left))\" y1=\"\(fmt(y))\" x2=\"\(fmt(left + plotWidth))\" y2=\"\(fmt(y))\" "
                + "stroke=\"#e5e7eb\"/>\n"
            out += "<text x=\"\(fmt(left - 6))\" y=\"\(fmt(y + 4))\" text-anchor=\"end\" font-size=\"12\">\(tick)%</text>\n"
        }
        let count = groups.count
        func x(_ index: Int) -> Double { left + (count <= 1 ? plotWidth / 2 : plotWidth * Double(index) / Double(count - 1)) }
        let labelEvery = max(1, Int((Double(count) / 10).rounded(.up)))
        for (index, group) in groups.enumerated() where index % labelEvery == 0 {
            out += "<text x=\"\(fmt(x(index)))\" y=\"\(fmt(top + plotHeight + 20))\" text-anchor=\"middle\" "
                + "font-size=\"12\">\(HTML.escape(group.value))</text>\n"
        }
        let stageCount = groups.first?.stages.count ?? 0
        for stage in stride(from: 1, to: stageCount, by: 1) {
            let color = palette[(stage - 1) % palette.count]
            let points = groups.enumerated().compactMap { index, group -> String? in
                group.stages[stage].conversionFromPrevious.map { "\(fmt(x(index))),\(fmt(top + plotHeight * (1 - $0)))" }
            }
            if points.count > 1 {
                out += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2.5\" points=\"\(points.joined(separator: " "))\"/>\n"
            }
            for point in points {
                let parts = point.split(separator: ",")
                out += "<circle cx=\"\(parts[0])\" cy=\"\(parts[1])\" r=\"3.5\" fill=\"\(color)\"/>\n"
            }
            let legendY = top + 18 * Double(stage - 1) + 8
            out += "<rect x=\"\(fmt(left + plotWidth + 16))\" y=\"\(fmt(legendY - 9))\" width=\"12\" height=\"12\" fill=\"\(color)\"/>\n"
            out += "<text x=\"\(fmt(left + plotWidth + 34))\" y=\"\(fmt(legendY + 2))\" font-size=\"13\">"
                + "\(HTML.escape(groups.first?.stages[stage].stage ?? ""))</text>\n"
        }
        return out + "</svg>\n"
    }

    private static func fmt(_ value: Double) -> String { Format.decimal(value, places: 1, grouping: false) }
}
