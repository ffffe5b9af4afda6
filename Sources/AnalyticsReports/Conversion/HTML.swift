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
    /// `shade` may give a cell a background strength in [0, 1]; `tip` a tooltip (`title`); `class` names
    /// the table for the style sheet and the page's script (`filterable`); `id` names it.
    /// Durations carry their seconds in `data-sort`, so the page's script sorts them by value.
    static func table(_ table: ResultTable, caption: String, class name: String? = nil, id: String? = nil,
                      tip: ((Int, Int) -> String?)? = nil, shade: ((Int, Int) -> Double?)? = nil) -> String {
        var out = "<div class=\"scroll\"><table\(id.map { " id=\"\($0)\"" } ?? "")\(name.map { " class=\"\($0)\"" } ?? "")>\n"
            + "<caption>\(escape(caption))</caption>\n<thead><tr>"
        for column in table.columns { out += "<th scope=\"col\">\(escape(column))</th>" }
        out += "</tr></thead>\n<tbody>\n"
        for (rowIndex, row) in table.rows.enumerated() {
            out += "<tr>"
            for (columnIndex, cell) in row.enumerated() {
                var attributes = cell.isNumeric || looksNumeric(cell.human) ? " class=\"num\"" : ""
                if case .seconds(let seconds) = cell { attributes += " data-sort=\"\(seconds.map(Format.plainNumber) ?? "")\"" }
                if let strength = shade?(rowIndex, columnIndex) {
                    let alpha = Format.decimal(0.08 + 0.6 * max(0, min(1, strength)), places: 2, grouping: false)
                    attributes += " style=\"background-color: rgba(37, 99, 235, \(alpha))\""
                }
                if let text = tip?(rowIndex, columnIndex) { attributes += " title=\"\(escape(text))\"" }
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

    /// A legend: a key, then marks with their meaning. Each mark is the class list of a `span.mark`
    /// and an optional inline colour.
    static func legend(_ key: String, _ items: [(mark: String, color: String?, text: String)]) -> String {
        var out = "<div class=\"legend\"><span class=\"key\">\(escape(key))</span>"
        for item in items {
            let style = item.color.map { " style=\"--c: \($0)\"" } ?? ""
            out += "<span><span class=\"mark \(item.mark)\"\(style)></span>\(escape(item.text))</span>"
        }
        return out + "</div>\n"
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
    /// - Parameter from: the start of the report's period: a cohort starting before it is labelled by it.
    static func heatMap(_ report: RetentionReport, from: Int64? = nil) -> String {
        let unit = report.period.rawValue, group = report.total
        var out = "<div class=\"scroll\"><table class=\"heat\">\n<caption>Share of each \(unit)'s new users coming back, "
            + "by \(unit) after their first event</caption>\n<thead><tr><th scope=\"col\">cohort</th><th scope=\"col\">users</th>"
        for period in 0..<report.periods { out += "<th scope=\"col\">\(unit) \(period)</th>" }
        out += "</tr></thead>\n<tbody>\n"
        for cohort in group.cohorts {
            out += "<tr><th scope=\"row\">\(escape(ReportText.cohortLabel(cohort, from: from)))</th><td class=\"num\">\(Format.grouped(Int64(cohort.size)))</td>"
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
        svg.chart { display: block; width: 100%; max-width: 720px; margin: 4px 0; }
        svg.chart.funnel { max-width: 600px; }
        svg.chart .bar:hover, svg.chart .point:hover { opacity: 0.75; }
        .scroll { max-width: 100%; }
        .mark { display: inline-block; width: 22px; height: 12px; margin-right: 5px; vertical-align: -1px; }
        .mark.fill { background: var(--c); border-radius: 2px; }
        .mark.line { height: 0; border-top: 3px solid var(--c, #374151); vertical-align: 3px; }
        .mark.dashed { height: 0; border-top: 3px dashed #374151; vertical-align: 3px; }
        .mark.dot { width: 9px; height: 9px; border-radius: 50%; background: #374151; border: 2px solid #374151; }
        .mark.hollow { width: 9px; height: 9px; border-radius: 50%; background: #fff; border: 2px solid #374151; }
        .mark.gap { width: 22px; height: 0; border-top: 3px solid #374151; vertical-align: 3px;
                    -webkit-mask: linear-gradient(90deg, #000 35%, transparent 35% 65%, #000 65%);
                    mask: linear-gradient(90deg, #000 35%, transparent 35% 65%, #000 65%); }
        .mark.openband { background: #f3f4f6; border: 1px solid #d1d5db; }
        .warning { background: #fef2f2; border-left: 4px solid #dc2626; padding: 8px 12px; margin: 10px 0; }
        .note { color: #4b5563; font-size: 13.5px; }
        th[aria-sort] { cursor: pointer; }
        th[aria-sort]::after { content: " \\2195"; color: #9ca3af; font-weight: 400; }
        th[aria-sort="ascending"]::after { content: " \\2191"; color: #1f2937; }
        th[aria-sort="descending"]::after { content: " \\2193"; color: #1f2937; }
        .filter { margin: 6px 0; font-size: 14px; }
        .filter input, .filter select { font: inherit; padding: 3px 6px; margin-left: 4px; max-width: 100%; }
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
        .histograms { display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 8px 16px; }
        .histograms figure { margin: 0; }
        .histograms figcaption { font-size: 13px; color: #374151; }
        .legend { display: flex; flex-wrap: wrap; gap: 4px 14px; align-items: center; font-size: 13px; color: #374151; margin: 6px 0; }
        .legend .key { font-weight: 600; }
        .legend .swatch { display: inline-block; width: 26px; height: 14px; margin-right: 5px; vertical-align: -2px;
                          border: 1px solid #d1d5db; }
        @media (max-width: 560px) {
          body { padding: 16px 12px 40px; font-size: 14.5px; }
          h1 { font-size: 21px; }
          .card { min-width: 130px; flex-basis: 130px; }
          th, td { padding: 4px 7px; }
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
          th, td { padding: 3px 6px; white-space: normal; }
          .filter, th[aria-sort]::after { display: none; }
          svg.chart, svg.sankey { max-width: 16cm; }
          a { color: inherit; text-decoration: none; }
          tr { break-inside: avoid; }
          .callout, .warning, .ok { border: 1px solid #9ca3af; }
        }
        """
}

extension HTML {
    /// The page's only script, inline (nothing is fetched): sortable tables (click or Enter on a column
    /// header), and a text filter over the rows of `table.filterable`. Without it the page is complete:
    /// the controls are made by the script. Wrapped in CDATA so the page still parses as XML.
    static let script = """
        //<![CDATA[
        (function () {
          "use strict";
          function value(cell) {
            var sort = cell.getAttribute("data-sort");
            var text = (sort !== null ? sort : cell.textContent).trim();
            if (!cell.classList.contains("num") || /^\\d{4}-\\d\\d/.test(text)) { return { text: text.toLowerCase() }; }
            var match = text.replace(/,/g, "").match(/-?\\d+(\\.\\d+)?/);
            return { number: match ? parseFloat(match[0]) : -Infinity };
          }
          function compare(a, b) {
            if (a.number !== undefined && b.number !== undefined) { return a.number - b.number; }
            var x = a.text === undefined ? String(a.number) : a.text, y = b.text === undefined ? String(b.number) : b.text;
            return x < y ? -1 : x > y ? 1 : 0;
          }
          function sortBy(table, header, column) {
            var body = table.tBodies[0];
            var rows = Array.prototype.slice.call(body.rows);
            var order = header.getAttribute("aria-sort") === "ascending" ? "descending" : "ascending";
            var headers = table.tHead.rows[0].cells;
            for (var i = 0; i < headers.length; i++) { headers[i].setAttribute("aria-sort", "none"); }
            header.setAttribute("aria-sort", order);
            var keyed = rows.map(function (row, index) { return { row: row, index: index, key: value(row.cells[column]) }; });
            keyed.sort(function (a, b) {
              var result = compare(a.key, b.key);
              if (order === "descending") { result = -result; }
              return result || a.index - b.index;
            });
            keyed.forEach(function (item) { body.appendChild(item.row); });
          }
          var tables = document.querySelectorAll("table:not(.heat)");
          Array.prototype.forEach.call(tables, function (table) {
            if (!table.tHead || !table.tBodies.length || table.tBodies[0].rows.length < 2) { return; }
            var headers = table.tHead.rows[0].cells;
            Array.prototype.forEach.call(headers, function (header, column) {
              header.setAttribute("aria-sort", "none");
              header.setAttribute("tabindex", "0");
              header.title = "Sort by " + header.textContent;
              header.addEventListener("click", function () { sortBy(table, header, column); });
              header.addEventListener("keydown", function (event) {
                if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sortBy(table, header, column); }
              });
            });
          });
          Array.prototype.forEach.call(document.querySelectorAll("table.filterable"), function (table) {
            var label = document.createElement("label");
            label.className = "filter";
            label.textContent = "Filter rows: ";
            var input = document.createElement("input");
            input.type = "search";
            input.placeholder = table.tHead.rows[0].cells[0].textContent + " contains";
            label.appendChild(input);
            table.parentNode.parentNode.insertBefore(label, table.parentNode);
            input.addEventListener("input", function () {
              var needle = input.value.trim().toLowerCase();
              Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
                row.hidden = needle !== "" && row.cells[0].textContent.toLowerCase().indexOf(needle) < 0;
              });
            });
          });
        })();
        //]]>
        """
}

/// Inline SVG charts with titles, descriptions and a tooltip (`<title>`) with exact counts on every
/// mark. Each is `width="100%"` with a viewBox about 480 units wide, shown between 376 and 720 CSS
/// pixels (`svg.chart`): 14-unit text is 11 to 21 px.
enum SVGChart {
    static let palette = ["#2563eb", "#d97706", "#059669", "#dc2626", "#7c3aed", "#0891b2", "#be185d", "#4d7c0f"]

    /// Horizontal bars: one per stage, its name above it, width by reach, labelled with count and share.
    static func funnel(_ stages: [StageResult], id: String, title: String) -> String {
        let width = 480.0, rowHeight = 52.0, valueWidth = 130.0
        let height = rowHeight * Double(max(stages.count, 1)) + 6
        let first = Double(max(stages.first?.reached ?? 0, 1))
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart funnel\" width=\"100%\" "
            + "viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-labelledby=\"\(id)-title \(id)-desc\">\n"
        out += "<title id=\"\(id)-title\">\(HTML.escape(title))</title>\n"
        out += "<desc id=\"\(id)-desc\">" + HTML.escape(stages.map { "\($0.stage): \($0.reached)" }.joined(separator: "; "))
            + "</desc>\n"
        let barSpace = width - valueWidth
        for (index, stage) in stages.enumerated() {
            let y = 4 + Double(index) * rowHeight
            let barWidth = max(1, barSpace * Double(stage.reached) / first)
            let share = stage.conversionFromFirst.map(Format.percent) ?? "-"
            var tip = "\(stage.stage): \(Format.grouped(Int64(stage.reached))) users reached it (\(share) of the first stage)"
            if index > 0 {
                let previous = stages[FunnelReport.previousRequired(stages, before: index)]
                tip += "; \(stage.conversionFromPrevious.map(Format.percent) ?? "-") of the "
                    + "\(Format.grouped(Int64(previous.reached))) at \(previous.stage)"
                    + (stage.optional ? " (optional: users may skip it)" : "; \(Format.grouped(Int64(stage.dropped))) lost")
            }
            out += "<g class=\"bar\"><title>\(HTML.escape(tip))</title>\n"
            out += "<text x=\"0\" y=\"\(fmt(y + 16))\" font-size=\"17\">"
                + "\(HTML.escape(stage.optional ? "\(stage.stage) (optional)" : stage.stage))</text>\n"
            out += "<rect x=\"0\" y=\"\(fmt(y + 22))\" width=\"\(fmt(barWidth))\" height=\"22\" "
                + "rx=\"3\" fill=\"\(palette[0])\" fill-opacity=\"\(fmt(1 - 0.12 * Double(index)))\"/>\n"
            out += "<text x=\"\(fmt(barWidth + 6))\" y=\"\(fmt(y + 39))\" font-size=\"16\">"
                + "\(Format.grouped(Int64(stage.reached))) (\(share))</text></g>\n"
        }
        return out + "</svg>\n"
    }

    /// Bars of a time-to-convert histogram (log-spaced bins), the first and last edge labelled;
    /// each bar's tooltip gives its bin and count.
    static func histogram(_ histogram: TimeToConvert.Histogram, id: String, title: String) -> String {
        let width = 240.0, height = 110.0, bottom = 22.0
        let counts = histogram.counts, edges = histogram.edges
        let peak = Double(max(counts.max() ?? 0, 1))
        let barWidth = width / Double(max(counts.count, 1))
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart histogram\" width=\"100%\" "
            + "viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-labelledby=\"\(id)-title\">\n"
        out += "<title id=\"\(id)-title\">\(HTML.escape(title))</title>\n"
        for (index, count) in counts.enumerated() {
            let barHeight = (height - bottom - 4) * Double(count) / peak
            let low = edges[index], high = edges[min(index + 1, edges.count - 1)]
            let tip = "\(Format.duration(low)) to \(Format.duration(high)): \(Format.grouped(Int64(count)))"
            out += "<rect x=\"\(fmt(Double(index) * barWidth + 1))\" y=\"\(fmt(height - bottom - barHeight))\" "
                + "width=\"\(fmt(max(barWidth - 2, 1)))\" height=\"\(fmt(barHeight))\" fill=\"\(palette[0])\">"
                + "<title>\(HTML.escape(tip))</title></rect>\n"
        }
        out += "<line x1=\"0\" y1=\"\(fmt(height - bottom))\" x2=\"\(fmt(width))\" y2=\"\(fmt(height - bottom))\" stroke=\"#9ca3af\"/>\n"
        if let first = edges.first, let last = edges.last {
            out += "<text x=\"0\" y=\"\(fmt(height - 6))\" font-size=\"13\">\(HTML.escape(Format.duration(first)))</text>\n"
            out += "<text x=\"\(fmt(width))\" y=\"\(fmt(height - 6))\" font-size=\"13\" text-anchor=\"end\">"
                + "\(HTML.escape(Format.duration(last)))</text>\n"
        }
        return out + "</svg>\n"
    }

    /// Lines of conversion from the previous stage for each stage after the first, one point per
    /// period of the trend. A period without a point (no users entered, or none at the previous stage)
    /// breaks the line; segments reaching an open period are dashed and the open periods shaded and
    /// labelled; points resting on fewer than `minimum` users are hollow, with their 95% interval.
    static func trend(_ periods: [ReportText.TrendPeriod], stages: [String], unit: String, minimum: Int, id: String,
                      title: String) -> String {
        let width = 480.0, height = 300.0, left = 44.0, right = 12.0, top = 24.0, bottom = 40.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"100%\" "
            + "viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-labelledby=\"\(id)-title \(id)-desc\">\n"
        out += "<title id=\"\(id)-title\">\(HTML.escape(title))</title>\n"
        out += "<desc id=\"\(id)-desc\">Conversion from the previous stage per \(HTML.escape(unit)) cohort; the legend "
            + "and the table below give the marks and the numbers.</desc>\n"
        let count = periods.count
        let step = count <= 1 ? plotWidth : plotWidth / Double(count)
        func x(_ index: Int) -> Double { left + step * (Double(index) + 0.5) }
        func y(_ rate: Double) -> Double { top + plotHeight * (1 - rate) }
        // The open periods: a shaded band with a label.
        if let firstOpen = periods.firstIndex(where: \.open) {
            let x0 = left + step * Double(firstOpen)
            out += "<rect x=\"\(fmt(x0))\" y=\"\(fmt(top))\" width=\"\(fmt(left + plotWidth - x0))\" height=\"\(fmt(plotHeight))\" "
                + "fill=\"#f3f4f6\"/>\n"
            out += "<text x=\"\(fmt(left + plotWidth - 2))\" y=\"\(fmt(top - 8))\" text-anchor=\"end\" font-size=\"14\" "
                + "fill=\"#4b5563\">open: may still grow</text>\n"
        }
        for tick in stride(from: 0, through: 100, by: 25) {
            let ty = y(Double(tick) / 100)
            out += "<line x1=\"\(fmt(left))\" y1=\"\(fmt(ty))\" x2=\"\(fmt(left + plotWidth))\" y2=\"\(fmt(ty))\" "
                + "stroke=\"#e5e7eb\"/>\n"
            out += "<text x=\"\(fmt(left - 5))\" y=\"\(fmt(ty + 4))\" text-anchor=\"end\" font-size=\"14\">\(tick)%</text>\n"
        }
        let labelEvery = max(1, Int((Double(count) / 5).rounded(.up)))
        for (index, period) in periods.enumerated() where index % labelEvery == 0 {
            let text = period.label.count == 10 ? String(period.label.dropFirst(5)) : period.label
            out += "<text x=\"\(fmt(x(index)))\" y=\"\(fmt(top + plotHeight + 18))\" text-anchor=\"middle\" "
                + "font-size=\"14\">\(HTML.escape(text + (period.open ? "*" : "")))</text>\n"
        }
        if let year = periods.first?.label.prefix(4), periods.first?.label.count == 10 {
            out += "<text x=\"\(fmt(left))\" y=\"\(fmt(height - 3))\" font-size=\"13\" fill=\"#4b5563\">"
                + "\(HTML.escape(unit)) starting (month-day, \(year))</text>\n"
        }
        for stage in stride(from: 1, to: stages.count, by: 1) {
            let color = palette[(stage - 1) % palette.count]
            // (rate, trials, successes, interval) per period; nil breaks the line.
            let values: [(rate: Double, trials: Int, successes: Int, low: Double?, high: Double?)?] = periods.map { period in
                guard let group = period.group, stage < group.stages.count,
                      let rate = group.stages[stage].conversionFromPrevious else { return nil }
                return (rate, group.stages[stage - 1].reached, group.stages[stage].reached,
                        group.stages[stage].ciLow, group.stages[stage].ciHigh)
            }
            // Segments between neighbouring periods that both have a point (never across a gap).
            for index in values.indices.dropLast() {
                guard let a = values[index], let b = values[index + 1] else { continue }
                let dashed = periods[index].open || periods[index + 1].open
                out += "<line x1=\"\(fmt(x(index)))\" y1=\"\(fmt(y(a.rate)))\" x2=\"\(fmt(x(index + 1)))\" "
                    + "y2=\"\(fmt(y(b.rate)))\" stroke=\"\(color)\" stroke-width=\"2.5\""
                    + (dashed ? " stroke-dasharray=\"6 4\"" : "") + "/>\n"
            }
            for (index, value) in values.enumerated() {
                guard let value else { continue }
                let small = value.trials < minimum
                var tip = "\(unit) \(periods[index].label), \(stages[stage]): \(Format.grouped(Int64(value.successes))) of "
                    + "\(Format.grouped(Int64(value.trials))) users at \(stages[stage - 1]) (\(Format.percent(value.rate)))"
                if let low = value.low, let high = value.high {
                    tip += "; 95% CI \(Format.percent(low)) - \(Format.percent(high))"
                }
                if small { tip += "; fewer than \(minimum) users: too few to read alone" }
                if periods[index].open { tip += "; open, may still grow" }
                out += "<g class=\"point\"><title>\(HTML.escape(tip))</title>"
                if small, let low = value.low, let high = value.high {
                    out += "<line x1=\"\(fmt(x(index)))\" y1=\"\(fmt(y(high)))\" x2=\"\(fmt(x(index)))\" y2=\"\(fmt(y(low)))\" "
                        + "stroke=\"\(color)\" stroke-width=\"1.5\" stroke-opacity=\"0.6\"/>"
                }
                out += "<circle cx=\"\(fmt(x(index)))\" cy=\"\(fmt(y(value.rate)))\" r=\"4\" "
                    + (small ? "fill=\"#fff\" stroke=\"\(color)\" stroke-width=\"2\" class=\"hollow\""
                             : "fill=\"\(color)\" class=\"solid\"") + "/></g>\n"
            }
        }
        return out + "</svg>\n"
    }

    private static func fmt(_ value: Double) -> String { Format.decimal(value, places: 1, grouping: false) }
}
