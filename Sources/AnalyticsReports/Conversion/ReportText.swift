import AnalyticsCore
import AnalyticsSessions

/// Wording shared by every format of the conversion report.
enum ReportText {
    static let definitions: [(term: String, meaning: String)] = [
        ("Stage reached", "an actor (user) has distinct events matching stages 1..k with strictly increasing times, "
            + "all within the conversion window from the stage-1 event; any chain start counts "
            + "(ClickHouse windowFunnel with 'strict_increase' and 'strict_once')."),
        ("Conversion from previous", "users reaching the stage / users reaching the previous stage; 95% Wilson interval."),
        ("Drop-off", "users who reached the previous stage but not this one."),
        ("In window", "users who dropped off but whose window is still open at the end of the data: they may still convert."),
        ("Touchpoint of a user", "the channel, device, campaign and landing page of the user's first event in the period "
            + "(a session's touchpoint is that of its first event)."),
        ("Pain point", "a touchpoint group whose conversion at a stage is lower than that of all other users, by a "
            + "two-proportion z-test with Holm's correction over all tests in the report (adjusted p < 0.05); groups need "
            + "enough users at the previous stage. Users lost = (overall rate - group rate) x group users; revenue lost = "
            + "users lost x revenue per user reaching the stage."),
        ("Session", "a user's events and orders; rows without a session id are split when the gap is longer than the "
            + "session timeout. Bounce: a one-event session. Engaged: at least 10 s, 2 page views, or an order."),
        ("Session conversion rate", "sessions with at least one order / sessions. Revenue counts orders whose status "
            + "is empty or 'completed'."),
        ("Trend", "users grouped by the interval of their first event in the period (cohorts); recent cohorts have "
            + "open windows, so their later stages are still filling."),
        ("Comparison", "per stage, conversion from the previous stage of B minus A with a 95% interval (Wald) and a "
            + "two-sided two-proportion z-test; a verdict needs p < 0.05."),
    ]

    static func headlineValue(_ item: ConversionReport.Headline) -> String {
        guard let value = item.value else { return "-" }
        switch item.kind {
        case .count: return Format.grouped(Int64(value))
        case .money: return Format.decimal(value, places: 2)
        case .rate: return Format.percent(value)
        }
    }

    static func headlinePrevious(_ item: ConversionReport.Headline) -> String {
        guard let previous = item.previous else { return "-" }
        return headlineValue(ConversionReport.Headline(name: item.name, kind: item.kind, value: previous, previous: nil))
    }

    static func change(_ item: ConversionReport.Headline) -> String {
        guard let value = item.value, let previous = item.previous else { return "-" }
        if item.kind == .rate {
            let points = (value - previous) * 100
            return (points >= 0 ? "+" : "") + Format.decimal(points, places: 1, grouping: false) + " pts"
        }
        guard let change = item.change else { return "-" }
        return (change >= 0 ? "+" : "") + Format.percent(change)
    }

    static func period(_ report: ConversionReport) -> String {
        ConversionReport.label(report.period)
    }

    /// One sentence per leaking stage, for summaries.
    static func leakSentences(_ report: ConversionReport) -> [String] {
        report.leaks.filter { !$0.tested.isEmpty }.map { leak in
            let worse = leak.worse
            let head = "\(leak.stage): \(Format.grouped(Int64(leak.lost))) users lost"
                + (leak.rate.map { " (conversion \(Format.percent($0)))" } ?? "")
            guard !worse.isEmpty else {
                return head + "; no touchpoint is significantly worse than the rest."
            }
            let groups = worse.prefix(3).map { point in
                "\(point.dimension.rawValue) \(point.value) \(Format.percent(point.rate)) vs \(Format.percent(point.restRate)), "
                    + "~\(Format.grouped(Int64(point.usersLost.rounded()))) users lost"
            }
            return head + "; worse than the rest: " + groups.joined(separator: "; ") + "."
        }
    }

    static func verdict(_ stage: ConversionReport.ComparedStage, labelB: String) -> String {
        switch stage.verdict {
        case .better: return "\(labelB) is better"
        case .worse: return "\(labelB) is worse"
        case .noSignificantDifference: return "no significant difference"
        }
    }
}
