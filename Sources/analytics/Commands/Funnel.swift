import Analytics
import ArgumentParser

struct Funnel: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Journey funnel: how many reached each stage, how many dropped off, how long it took.",
        discussion: """
            Stage k is reached when an actor has distinct events matching stages 1..k with strictly \
            increasing times, all within the window from the stage-1 event (any chain start counts). \
            Without --journey the built-in five-stage customer journey is used \
            (awareness, consideration, purchase, retention, advocacy). Definitions: docs/metrics.md.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption
    @OptionGroup var period: TimeRangeOptions

    @Option(help: ArgumentHelp("A journey file (YAML or JSON); default: the built-in customer journey.", valueName: "file"))
    var journey: String?

    @Option(name: .customLong("by"), help: "Who moves through the funnel: user or session.")
    var actor: FunnelActor = .user

    @Option(help: ArgumentHelp("The conversion window, e.g. 7d (overrides the journey's).", valueName: "duration"))
    var window: String?

    @Option(help: "One funnel per group: a touchpoint (channel, device, campaign, landing-page) of the first event, or its cohort (day, week, month).")
    var breakdown: FunnelBreakdown?

    @Option(help: "With --breakdown: keep the N groups with the most actors entering, fold the rest into (other).")
    var top: Int?

    @Option(help: ArgumentHelp("Judge open windows at this time instead of at the last event.", valueName: "time"))
    var asOf: String?

    @Flag(help: "Count only actors whose window has closed (no recent, still-converting actors).")
    var matureOnly = false

    func validate() throws {
        if let window { _ = try parseDuration(window, option: "--window") }
        if let top, top < 1 { throw ValidationError("--top must be at least 1.") }
        if top != nil && breakdown == nil { throw ValidationError("--top needs --breakdown.") }
    }

    func run() throws {
        let definition: JourneyDefinition
        do {
            definition = try journey.map(JourneyDefinition.load(path:)) ?? .customerJourney
        } catch let error as JourneyDefinition.Invalid {
            CommandErrors.fail("invalid journey: \(error)", code: 65)
        }
        var query = FunnelQuery(journey: definition)
        query.actor = actor
        query.range = try period.range()
        query.windowMilliseconds = try window.map { try parseDuration($0, option: "--window") }
        query.breakdown = breakdown
        query.top = top
        query.matureOnly = matureOnly
        if let asOf {
            guard let instant = try? TimeRange(from: asOf, to: nil).from else {
                throw ValidationError("--as-of '\(asOf)' is not a date or timestamp.")
            }
            query.asOf = instant
        }
        let report = try CommandErrors.run { try FunnelEngine.run(try global.openStore(), query) }
        emit(report.render(output.format))
    }
}

extension FunnelActor: ExpressibleByArgument {}
extension FunnelBreakdown: ExpressibleByArgument {}
