import Analytics
import ArgumentParser

struct Attribution: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Attribution: orders and revenue credited to the touchpoints that led to them.",
        discussion: """
            An order's touchpoints are the user's sessions that start within --lookback before it (both ends \
            inclusive), and always the order's own session. Models: first, last, last-non-direct (the last touchpoint \
            whose channel is not direct or none, else the last), linear, position (40/20/40), time-decay (weight \
            2^(-age / half-life)). Every order counts; revenue counts orders whose status is empty or completed. \
            Definitions: docs/metrics.md, "Attribution".
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption
    @OptionGroup var period: TimeRangeOptions

    @Option(help: "The model: first, last, last-non-direct, linear, position or time-decay.")
    var model: AttributionModel = .lastNonDirect

    @Flag(help: "Every model side by side.")
    var compareModels = false

    @Option(help: ArgumentHelp("How long before an order a session may start and still count, e.g. 30d.",
                               valueName: "duration"),
            transform: { try parseDuration($0, option: "--lookback") })
    var lookback: Int64 = 30 * 86_400_000

    @Option(help: ArgumentHelp("Time decay: the age at which a touchpoint's weight halves, e.g. 7d.", valueName: "duration"),
            transform: { try parseDuration($0, option: "--half-life") })
    var halfLife: Int64 = 7 * 86_400_000

    @Option(help: ArgumentHelp("Credit goes to this value of the session: channel, campaign, device, landing-page "
                               + "or a property.", valueName: "field"))
    var by: TouchpointDimension = .channel

    func run() throws {
        var query = AttributionQuery(model: model)
        query.lookbackMilliseconds = lookback
        query.halfLifeMilliseconds = halfLife
        query.dimension = by
        query.range = try period.range()
        let report = try global.withWorkspace { workspace in
            if let warning = try workspace.mixedCurrencyWarning(query.range) { warn(warning) }
            return try workspace.attribution(query, models: compareModels ? AttributionModel.allCases : nil)
        }
        emit(report.render(output.format))
    }
}

extension AttributionModel: @retroactive ExpressibleByArgument {}
