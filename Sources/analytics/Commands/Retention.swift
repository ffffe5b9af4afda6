import Analytics
import ArgumentParser

struct Retention: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Retention cohorts: users by the period they entered in, and how many came back in each later period.",
        discussion: """
            A user enters with their first --start event (within --from/--to); the cohort is that event's calendar \
            period (days, ISO weeks from Monday, months, in --timezone). They are retained in period i when they have \
            a --return event strictly later than the entry in the i-th period after the cohort's (period 0: later in \
            the entry period). Periods that end after the as-of time are open (marked *). A repeat-purchase view is \
            --start order --return order. Definitions: docs/metrics.md, "Retention".
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption
    @OptionGroup var period: TimeRangeOptions
    @OptionGroup var conditions: FilterOptions
    @OptionGroup var names: NameCheckOption

    @Option(help: ArgumentHelp("The entry event type (default: any event).", valueName: "event"))
    var start: String?

    @Option(name: .customLong("return"), help: ArgumentHelp("The return event type (default: any event or order).",
                                                             valueName: "event"))
    var returnEvent: String?

    @Option(name: .customLong("period"), help: "Cohort and period length: day, week or month.")
    var unit: CalendarPeriod.Unit = .week

    @Option(help: "How many periods to show (0 .. N-1).")
    var periods = 8

    @Option(help: "Who is retained: user (the only actor retention counts).")
    var by: FunnelActor = .user

    @Option(help: ArgumentHelp("Cohorts per value of a field on the entry event: channel, device, campaign, landing-page, "
                               + "event_type, page or a property.", valueName: "field"))
    var breakdown: String?

    @Option(help: ArgumentHelp("Judge open periods at this time instead of at the latest event.", valueName: "time"),
            transform: parseInstant)
    var asOf: Int64?

    func validate() throws {
        guard (1...RetentionQuery.maximumPeriods).contains(periods) else {
            throw ValidationError("--periods must be between 1 and \(RetentionQuery.maximumPeriods).")
        }
        if by != .user { throw ValidationError("retention counts users: --by session is not supported.") }
    }

    func run() throws {
        var query = RetentionQuery()
        query.start = start
        query.returnEvent = returnEvent
        query.period = unit
        query.periods = periods
        if let zone = period.timezone { query.zone = zone }
        query.range = try period.range()
        query.breakdown = breakdown
        query.asOf = asOf
        query.filters = conditions.filters
        let named = [("--start", start), ("--return", returnEvent)].compactMap { context, name in
            name.map { (context: context, name: $0) }
        }
        let report = try global.withWorkspace { workspace in
            try names.report(try workspace.unknownNames(events: named, filters: query.filters))
            return try workspace.retention(query)
        }
        emit(report.render(output.format))
    }
}

extension CalendarPeriod.Unit: @retroactive ExpressibleByArgument {}
