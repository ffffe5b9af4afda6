import AnalyticsCore
import AnalyticsQueries
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

    /// The definitions, with those of the paths, retention and attribution sections the report has.
    static func definitions(_ report: ConversionReport) -> [(term: String, meaning: String)] {
        var list = definitions
        if report.entryPaths != nil || report.dropOffPaths != nil {
            list.append(("Paths", "a user's first event matching the stage in the period, then their next events in the "
                + "period (meeting the report's conditions), consecutive repeats of one event type merged, "
                + "\(ConversionReport.pathSteps) nodes at most; (end): no further event in the period. Counts are users; "
                + "shares are of the users with an event of the stage."))
        }
        if let retention = report.retention {
            let unit = retention.period.rawValue
            list.append(("Retention cohort", "the users whose first event (any event or order) in the period falls in "
                + "one \(unit) (\(retention.zone)); \(unit) i: the share of them with an event or order later than that "
                + "first one, in the i-th \(unit) after it (\(unit) 0: later in the same \(unit)). Open: the \(unit) ends "
                + "after the last data stored, so it may still grow. Mean: returned / users over the cohorts whose "
                + "\(unit) i is complete."))
        }
        if let attribution = report.attribution {
            list.append(("Attribution", "every order in the period (any status; revenue of completed ones) shares "
                + "one order's worth of credit among its touchpoints: the user's sessions starting within "
                + "\(DurationText.format(attribution.lookbackMilliseconds)) before it, and the order's own session. "
                + attributionModels(attribution)))
        }
        return list
    }

    /// What the paths section shows.
    static func pathsIntro(steps: Int) -> String {
        "What users did next: from each user's first event of the stage in the period, their next events "
            + "(repeats of one event type merged), \(steps) steps in all; (end): no further event in the period."
    }

    /// How to read the path diagrams.
    static let sankeyReading = "In the diagrams, heights and band widths are users; each step shows its \(Sankey.kept) most common "
        + "events and folds the rest into (other). Hover a node or band for exact counts; the table under each diagram "
        + "lists the most common paths."

    /// The sentence saying what the touchpoints of an order are.
    static func attributionIntro(_ report: AttributionReport, filtered: Bool) -> String {
        var text = "The touchpoints of an order are the buyer's sessions that started in the "
            + "\(DurationText.format(report.lookbackMilliseconds)) before it (both ends inclusive) and the session it "
            + "was placed in, each counted under its landing \(report.dimension.rawValue): "
            + "\(Format.grouped(Int64(report.orders))) order\(report.orders == 1 ? "" : "s") in the period, "
            + "\(report.touchpointsPerOrder.map { Format.decimal($0, places: 2) } ?? "-") touchpoints per order on average."
        if filtered { text += " The report's conditions (where) do not apply here: every order in the period is attributed." }
        return text
    }

    /// The models, in one sentence.
    static func attributionModels(_ report: AttributionReport) -> String {
        "Models: first and last give all of an order's credit to its first or last touchpoint; last-non-direct to the "
            + "last one whose channel is not direct (else the last); linear shares it equally; position gives 40% each to "
            + "the first and the last and shares 20% among those between; time-decay halves a touchpoint's weight for "
            + "every \(DurationText.format(report.halfLifeMilliseconds)) it comes before the order."
    }

    /// What the retention heat map shows.
    static func retentionIntro(_ report: RetentionReport) -> String {
        let unit = report.period.rawValue
        return "Users grouped by the \(unit) of their first event in the period (any event or order, \(report.zone)); "
            + "each cell is the share of the cohort who came back (a later event or order) in that \(unit) after it, "
            + "\(unit) 0 being the rest of the entry \(unit). The mean row weighs cohorts by size, complete "
            + "\(unit)s only."
    }

    /// What the open mark means.
    static func openPeriod(_ report: RetentionReport) -> String {
        "open \(report.period.rawValue): it ends after the last data stored"
            + (report.asOf.map { " (\(Timestamp.iso8601($0)))" } ?? "") + ", so its share may still grow; "
            + "the mean leaves it out."
    }

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
