import Analytics
import ArgumentParser

struct Funnel: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Journey funnel: how many reached each stage, how many dropped off, how long it took.",
        discussion: """
            Stage k is reached when an actor has distinct events matching stages 1..k with strictly \
            increasing times, all within the window from the stage-1 event (any chain start counts). \
            --order strict also forbids any other event between two consecutive stages; --order any \
            counts steps: k different stages by k events in one window. A journey file may mark stages \
            optional and exclude events between two stages (exclude: [{events: [...], between: [a, b]}]). \
            --count conversions counts every completion, not only actors. \
            Without --journey the built-in five-stage customer journey is used \
            (awareness, consideration, purchase, retention, advocacy). Definitions: docs/metrics.md.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption
    @OptionGroup var period: TimeRangeOptions
    @OptionGroup var conditions: FilterOptions
    @OptionGroup var names: NameCheckOption

    @Option(help: ArgumentHelp("A journey file (YAML or JSON); default: the built-in customer journey.", valueName: "file"))
    var journey: String?

    @Option(help: "Who moves through the funnel: user or session.")
    var actor: FunnelActor?

    /// The old spelling of `--actor`, kept so existing scripts run.
    @Option(name: .customLong("by"), help: ArgumentHelp("Deprecated spelling of --actor.", visibility: .hidden))
    var actorByOldName: FunnelActor?

    @Option(help: ArgumentHelp("The conversion window, e.g. 7d (overrides the journey's).", valueName: "duration"),
            transform: { try parseDuration($0, option: "--window") })
    var window: Int64?

    @Option(help: ArgumentHelp(
        "One funnel per group: a touchpoint (channel, device, campaign, landing-page) of the first event, its cohort "
            + "(day, week, month), or any other field (event_type, page, a property) on the actor's counted stage-1 event.",
        valueName: "field"))
    var breakdown: FunnelBreakdown?

    @Option(help: ArgumentHelp("How stages follow each other: ordered (other events may come between), strict (none "
                               + "may) or any (in any order); overrides the journey's order.", valueName: "order"))
    var order: FunnelOrder?

    @Option(help: ArgumentHelp("What is counted: actors (each once) or conversions (every entry into the funnel); "
                               + "overrides the journey's count.", valueName: "what"))
    var count: FunnelCount?

    @Option(help: ArgumentHelp("What an excluded event between two stages does: cut (the chain counts up to the stage "
                               + "before) or drop-actor (the actor is left out); overrides the journey's exclude_mode.",
                               valueName: "mode"))
    var excludeMode: ExcludeMode?

    @Flag(help: ArgumentHelp("Add per stage the mean, p10, p25, p50, p75 and p90 of the time from the previous stage "
                             + "and from the first, and a histogram of the time from the previous stage."))
    var timeToConvert = false

    @Option(help: "With --time-to-convert: the histogram's bins (log-spaced), 1 to 100.")
    var bins = 10

    @Option(help: "With --breakdown: keep the N groups with the most actors entering, fold the rest into (other).")
    var top: Int?

    @Option(help: ArgumentHelp("Judge open windows at this time instead of at the last event.", valueName: "time"),
            transform: parseInstant)
    var asOf: Int64?

    @Flag(help: "Count only actors whose window has closed (no recent, still-converting actors).")
    var matureOnly = false

    @Option(help: ArgumentHelp("Print the funnel as SQL for this engine instead of computing it (clickhouse: over the "
                               + "tables of `analytics export --target clickhouse`; stage, name, reached).", valueName: "engine"))
    var emitSQL: Workspace.SQLDialect?

    func validate() throws {
        if actor != nil && actorByOldName != nil { throw ValidationError("use --actor alone (--by is its old spelling).") }
        if let top, top < 1 { throw ValidationError("--top must be at least 1.") }
        if top != nil && breakdown == nil { throw ValidationError("--top needs --breakdown.") }
        if !(1...100).contains(bins) { throw ValidationError("--bins must be between 1 and 100.") }
        if emitSQL != nil && (order != nil || count != nil || timeToConvert) {
            throw ValidationError("--emit-sql gives reach per stage of an ordered funnel: without --order, --count or --time-to-convert.")
        }
        if emitSQL != nil && (breakdown != nil || matureOnly || asOf != nil) {
            throw ValidationError("--emit-sql gives reach per stage only: without --breakdown, --mature-only or --as-of.")
        }
    }

    func run() throws {
        var definition = try journey.map(JourneyDefinition.load(path:)) ?? .customerJourney
        if let order { definition.order = order }
        if let count { definition.count = count }
        if let excludeMode { definition.excludeMode = excludeMode }
        if let problem = definition.problem {
            throw CommandFailure(message: "cannot compute journey \(definition.name) this way: \(problem). "
                                 + "docs/metrics.md lists the modes that combine.", code: 64)
        }
        var query = FunnelQuery(journey: definition)
        if timeToConvert { query.timeToConvertBins = bins }
        query.actor = actor ?? actorByOldName ?? .user
        query.range = try period.range()
        query.windowMilliseconds = window
        query.breakdown = breakdown
        query.top = top
        query.matureOnly = matureOnly
        query.asOf = asOf
        query.filters = conditions.filters
        if let dialect = emitSQL {
            let journey = query.journey
            guard journey.isPlainOrdered else {
                throw CommandFailure(message: "--emit-sql translates ordered funnels counting actors only; journey "
                                     + "\(journey.name) has another order, count, optional stages or exclusions "
                                     + "(ClickHouse's windowFunnel 'strict_order' is not our strict order: docs/metrics.md).",
                                     code: 64)
            }
            let sql = try global.withWorkspace { workspace in
                try names.report(try workspace.unknownNames(journey: query.journey, filters: query.filters))
                return try workspace.funnelSQL(query, dialect: dialect)
            }
            return emit(sql)
        }
        let report = try global.withWorkspace { workspace in
            try names.report(try workspace.unknownNames(journey: query.journey, filters: query.filters))
            return try workspace.funnel(query)
        }
        emit(report.render(output.format))
    }
}

/// Parses a date or timestamp option such as `--as-of` (`@Option(transform:)`).
func parseInstant(_ text: String) throws -> Int64 {
    guard let instant = try? TimeRange(from: text, to: nil).from else {
        throw ValidationError("'\(text)' is not a date or timestamp; use 2024-03-01 or 2024-03-01T12:00:00Z.")
    }
    return instant
}

extension FunnelActor: @retroactive ExpressibleByArgument {}
extension FunnelOrder: @retroactive ExpressibleByArgument {}
extension FunnelCount: @retroactive ExpressibleByArgument {}
extension ExcludeMode: @retroactive ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.replacingOccurrences(of: "-", with: "_")) }
    public static var allValueStrings: [String] { allCases.map { $0.rawValue.replacingOccurrences(of: "_", with: "-") } }
}
extension Workspace.SQLDialect: @retroactive ExpressibleByArgument {}
extension FunnelBreakdown: @retroactive ExpressibleByArgument {}
