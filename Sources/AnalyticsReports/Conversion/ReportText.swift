import AnalyticsCore
import AnalyticsQueries
import AnalyticsSessions

/// Wording shared by every format of the conversion report.
enum ReportText {
    static let definitions: [(term: String, meaning: String)] = [
        ("Stage reached", "an actor (user) has distinct events matching stages 1..k with strictly increasing times, "
            + "all within the conversion window from the stage-1 event; any chain start counts "
            + "(ClickHouse windowFunnel with 'strict_increase' and 'strict_once')."),
        ("Conversion from previous", "users reaching the stage / users reaching the previous stage; 95% Wilson interval "
            + "(none for the first stage, which everyone counted has reached)."),
        ("Worst stage", "the stage that loses the most users (dropped: reached the previous stage but not this one); "
            + "the earlier one on a tie. It heads \"Where it leaks\" and is the stage the paths before the worst stage lead to."),
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
        ("Trend", "users grouped by the interval of their first event in the period (cohorts; the first one starts "
            + "with the period); recent cohorts have open windows, so their later stages are still filling (open: the "
            + "cohort's end plus the conversion window is after the last data). Points on fewer than "
            + "\(ConversionReport.trendMinimumActors) users at the previous stage are marked as too small to read alone."),
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

    static func headlineValue(_ item: ConversionReport.Headline, currency: String? = nil) -> String {
        guard let value = item.value else { return "-" }
        switch item.kind {
        case .count: return Format.grouped(Int64(value))
        case .money: return (currency.map { "\($0) " } ?? "") + Format.decimal(value, places: 2)
        case .rate: return Format.percent(value)
        }
    }

    static func headlinePrevious(_ item: ConversionReport.Headline, currency: String? = nil) -> String {
        guard let previous = item.previous else { return "-" }
        return headlineValue(ConversionReport.Headline(name: item.name, kind: item.kind, value: previous, previous: nil),
                             currency: currency)
    }

    // MARK: Currency

    /// The one currency of every order in the period, if they all have the same one.
    static func currency(_ report: ConversionReport) -> String? {
        let codes = report.currencies.map(\.code)
        guard codes.count == 1, let code = codes[0] else { return nil }
        return code
    }

    /// Whether the orders of the period are in more than one currency (orders without one count as one more).
    static func mixedCurrencies(_ report: ConversionReport) -> Bool {
        report.currencies.count > 1 && report.currencies.contains { $0.code != nil }
    }

    /// The unit of the report's amounts, for column headers: `EUR`, `mixed` or nil (the shop's currency).
    static func amountUnit(_ report: ConversionReport) -> String? {
        mixedCurrencies(report) ? "mixed currencies" : currency(report)
    }

    /// A column name with the amounts' unit: `revenue (EUR)`.
    static func amountColumn(_ name: String, _ report: ConversionReport) -> String {
        amountUnit(report).map { "\(name) (\($0))" } ?? name
    }

    /// The revenue of each currency, listed (never summed): `EUR 8,000.00 (80 orders); USD 614.24 (11 orders)`.
    static func currencyList(_ report: ConversionReport) -> String {
        report.currencies.map { total in
            "\(total.code ?? "no currency") \(Format.decimal(total.revenue, places: 2)) "
                + "(\(Format.grouped(Int64(total.orders))) order\(total.orders == 1 ? "" : "s"))"
        }.joined(separator: "; ")
    }

    /// The sentence saying what currency the amounts are in.
    static func currencyNote(_ report: ConversionReport) -> String {
        if mixedCurrencies(report) {
            return "The orders of the period are in several currencies, listed here and not summed: "
                + currencyList(report) + ". Other amounts in this report add orders of different currencies "
                + "without conversion (marked \"mixed currencies\"): compare them within a currency only."
        }
        if let code = currency(report) {
            return "Amounts are in \(code), the currency of every order in the period."
        }
        return "Amounts are in the shop's currency: the orders carry no currency."
    }

    // MARK: Trend

    /// A calendar period of the trend: its start and end (UTC), label, group (nil when no user entered
    /// in it) and whether it is open.
    struct TrendPeriod {
        var start: Int64
        var end: Int64
        /// The date it starts on, clipped to the report's period (`2024-03-01` for the week of 2024-02-26).
        var label: String
        var clipped: Bool
        var group: FunnelReport.Group?
        /// Its users' conversion windows end after the last data: later stages may still fill.
        var open: Bool
    }

    /// Every period of the trend's interval that overlaps the report's period, in order, with the
    /// group of the users who entered in it (gaps are periods with no group).
    static func trendPeriods(_ report: ConversionReport) -> [TrendPeriod] {
        let interval = report.trend.breakdown ?? .week
        let byValue = Dictionary(report.trend.groups.map { ($0.value, $0) }, uniquingKeysWith: { first, _ in first })
        let day: Int64 = 86_400_000
        func start(of instant: Int64) -> Int64 {
            let number = Timestamp.dayNumber(instant)
            switch interval {
            case .week: return (number - (number + 3) % 7) * day
            case .month:
                let date = Timestamp.civil(dayNumber: number)
                return Timestamp.milliseconds(year: date.year, month: date.month, day: 1)
            default: return number * day
            }
        }
        func next(_ start: Int64) -> Int64 {
            switch interval {
            case .week: return start + 7 * day
            case .month:
                let date = Timestamp.civil(dayNumber: Timestamp.dayNumber(start))
                return date.month == 12 ? Timestamp.milliseconds(year: date.year + 1, month: 1, day: 1)
                    : Timestamp.milliseconds(year: date.year, month: date.month + 1, day: 1)
            default: return start + day
            }
        }
        guard interval.isCohort, let from = report.period.from ?? report.dataFirst,
              let to = report.period.to ?? report.dataLast.map({ $0 + 1 }), from < to else {
            return report.trend.groups.map {
                TrendPeriod(start: 0, end: 0, label: $0.value, clipped: false, group: $0, open: false)
            }
        }
        let asOf = report.trend.asOf ?? report.dataLast ?? to
        var periods: [TrendPeriod] = []
        var cursor = start(of: from)
        while cursor < to, periods.count < 1000 {
            let end = next(cursor)
            let group = byValue[Timestamp.date(cursor)]
            periods.append(TrendPeriod(start: cursor, end: end, label: Timestamp.date(max(cursor, from)),
                                       clipped: cursor < from, group: group,
                                       open: min(end, to) + report.options.journey.windowMilliseconds > asOf))
            cursor = end
        }
        // Groups the calendar does not place (none expected) keep their own label at the end.
        let placed = Set(periods.compactMap { $0.group?.value })
        for group in report.trend.groups where !placed.contains(group.value) {
            periods.append(TrendPeriod(start: 0, end: 0, label: group.value, clipped: false, group: group, open: false))
        }
        return periods
    }

    /// How the open and clipped marks of the trend read.
    static func trendNotes(_ report: ConversionReport, _ periods: [TrendPeriod]) -> [String] {
        let unit = report.trend.breakdown?.rawValue ?? "interval"
        var notes: [String] = []
        if let first = periods.first, first.clipped {
            notes.append("The first cohort starts with the period (\(first.label)), not on the first day of its \(unit) "
                + "(\(Timestamp.date(first.start))): it is a part \(unit).")
        }
        if periods.contains(where: \.open) {
            notes.append("Open (marked *): the cohort's conversion windows (\(DurationText.format(report.options.journey.windowMilliseconds))) "
                + "end after the last data, so its later stages may still grow; drawn dashed.")
        }
        if periods.contains(where: { $0.group == nil }) {
            notes.append("A \(unit) without new users has no point: the lines break there rather than bridge it.")
        }
        notes.append("Points resting on fewer than \(ConversionReport.trendMinimumActors) users at the previous stage are "
            + "drawn hollow with their 95% interval: they say little on their own.")
        return notes
    }

    /// A retention cohort's label, clipped to the report's period: `2024-03-01` for the week of 2024-02-26
    /// when the period starts on 2024-03-01 (its users entered in the period).
    static func cohortLabel(_ cohort: RetentionReport.Cohort, from: Int64?) -> String {
        guard let from, cohort.start < from else { return cohort.label }
        return Timestamp.date(from)
    }

    /// The worst stage (`ConversionReport.worstStageIndex`) and a sentence on it.
    static func worstSentence(_ report: ConversionReport) -> (stage: String, text: String)? {
        guard let worst = report.worstStageIndex else { return nil }
        let stages = report.funnel.stages
        return (stages[worst].stage, "\(Format.grouped(Int64(stages[worst].dropped))) users lost, "
            + "\(Format.percent(stages[worst].dropOffRate ?? 0)) of the \(Format.grouped(Int64(stages[worst - 1].reached))) "
            + "who reached \(stages[worst - 1].stage) (the stage losing the most users).")
    }

    // MARK: Incomplete periods

    /// Warnings for compared periods that are not over, or that the data covers less than the other.
    static func incompletePeriods(_ report: ConversionReport) -> [String] {
        guard let compared = report.comparisonPeriod, let comparison = report.comparison else { return [] }
        var warnings: [String] = []
        func coverage(_ range: TimeRange) -> Double? {
            guard let from = range.from, let to = range.to, to > from,
                  let first = report.dataFirst, let last = report.dataLast else { return nil }
            let covered = min(to, last + 1) - max(from, first)
            return max(0, min(1, Double(covered) / Double(to - from)))
        }
        for (name, range) in [("A", compared), ("B", report.period)] {
            let label = name == "A" ? comparison.labelA : comparison.labelB
            if let to = range.to, let last = report.dataLast, to > last + 1 {
                warnings.append("Incomplete period: \(name) (\(label)) is not over in the data: the data ends "
                    + "\(Timestamp.iso8601(last)), before the period's end.")
            }
            if let share = coverage(range), share < 0.99 {
                warnings.append("Incomplete period: \(name) (\(label)) has data for \(Format.percent(share)) of its length "
                    + "(data from \(report.dataFirst.map(Timestamp.date) ?? "-") to \(report.dataLast.map(Timestamp.date) ?? "-")); "
                    + "its counts are not comparable with the other period's.")
            }
        }
        return warnings
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
