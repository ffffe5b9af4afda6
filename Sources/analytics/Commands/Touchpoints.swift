import Analytics
import ArgumentParser

struct Touchpoints: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Touchpoint KPIs: sessions, users, bounce rate, session length, engagement, conversion and revenue.",
        discussion: """
            One row per value of the chosen touchpoint (a session's channel, device, campaign or landing page, \
            each taken from its first event that has one) and a total. Sessions are selected by their start time. \
            Definitions: docs/metrics.md.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption
    @OptionGroup var period: TimeRangeOptions
    @OptionGroup var conditions: FilterOptions

    @Option(help: ArgumentHelp("The touchpoint to group by: channel, device, campaign, landing-page, or a property "
                               + "(a session's value: the one on its first event that has one).", valueName: "field"))
    var by: TouchpointDimension = .channel

    @Option(help: ArgumentHelp("Print the KPI table as SQL for this engine instead of computing it (clickhouse: over "
                               + "the tables of `analytics export --target clickhouse`).", valueName: "engine"))
    var emitSQL: Workspace.SQLDialect?

    func run() throws {
        let range = try period.range()
        if let dialect = emitSQL {
            return emit(try global.withWorkspace {
                try $0.touchpointsSQL(by: by, range: range, filters: conditions.filters, dialect: dialect)
            })
        }
        let report = try global.withWorkspace { workspace in
            if let warning = try workspace.mixedCurrencyWarning(range) { warn(warning) }
            return try workspace.touchpoints(by: by, range: range, filters: conditions.filters)
        }
        emit(report.render(output.format))
    }
}

