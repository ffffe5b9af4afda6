import Analytics
import ArgumentParser

struct Sessions: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List sessions, or rebuild them all after changing the session timeout.",
        subcommands: [ListSessions.self, RebuildSessions.self],
        defaultSubcommand: ListSessions.self)
}

struct ListSessions: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List sessions in start order with their touchpoint, events, duration and orders.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption
    @OptionGroup var period: TimeRangeOptions
    @OptionGroup var conditions: FilterOptions

    @Option(help: "Only this user's sessions (the user_id from the files).")
    var user: String?

    @Option(help: "Show at most this many sessions.")
    var limit: Int = 100

    func run() throws {
        let range = try period.range()
        let table = try global.withWorkspace { try $0.sessions(user: user, range: range, limit: limit, filters: conditions.filters) }
        emit(table.render(output.format))
    }
}

struct RebuildSessions: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Recompute every session (and the funnel timelines), optionally with a new timeout.")

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("The inactivity gap that ends a session, e.g. 30m or 45m (default: keep the current one).",
                               valueName: "duration"),
            transform: { try parseDuration($0, option: "--session-timeout") })
    var sessionTimeout: Int64?

    func run() throws {
        let (count, used) = try global.withWorkspace { try $0.rebuildSessions(timeout: sessionTimeout) }
        print("rebuilt \(Format.grouped(count)) sessions with a \(DurationText.format(used)) timeout")
    }
}
