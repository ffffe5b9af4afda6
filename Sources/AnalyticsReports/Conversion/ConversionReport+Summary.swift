extension ConversionReport {
    /// A short terminal summary: headline, funnel and the main leaks.
    public var summary: String {
        var out = "Stage conversion report: \(options.journey.name), \(ReportText.period(self))\n\n"
        out += headline.map { item in
            var line = "  \(item.name): \(ReportText.headlineValue(item, currency: ReportText.currency(self)))"
            if item.previous != nil { line += " (\(ReportText.change(item)) vs \(ReportText.headlinePrevious(item)))" }
            return line
        }.joined(separator: "\n") + "\n\n"
        if kpisByChannel.total.sessions == 0 {
            out += "No sessions in this period: import CSV exports first (analytics import FILE... or analytics report FILE...).\n\n"
        }
        out += funnel.render(.table)
        let leaks = ReportText.leakSentences(self)
        if !leaks.isEmpty {
            out += "\nWhere it leaks:\n" + leaks.map { "  - \($0)" }.joined(separator: "\n") + "\n"
        }
        if let comparison {
            out += "\nCompared with \(comparison.labelA):\n"
            for stage in comparison.stages {
                out += "  - \(stage.stage): \(stage.difference.map(Self.points) ?? "-") "
                    + "(\(ReportText.verdict(stage, labelB: comparison.labelB)))\n"
            }
        }
        return out
    }
}
