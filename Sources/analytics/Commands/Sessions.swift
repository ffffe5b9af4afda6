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

    @Option(help: "Only this user's sessions (the user_id from the files).")
    var user: String?

    @Option(help: "Show at most this many sessions.")
    var limit: Int = 100

    func run() throws {
        let range = try period.range()
        let sessions = try CommandErrors.run {
            try SessionStore(database: try global.openStore()).list(user: user, range: range, limit: limit)
        }
        let table = ResultTable(
            columns: ["user", "session", "start", "duration_seconds", "events", "page_views", "orders", "revenue",
                      "channel", "device", "campaign", "landing_page", "session_id"],
            rows: sessions.map { listed in
                let session = listed.session
                return [.text(listed.user), .integer(Int64(session.ordinal)), .text(Timestamp.iso8601(session.start)),
                        .seconds(Double(session.durationMilliseconds) / 1000), .integer(Int64(session.events)),
                        .integer(Int64(session.pageViews)), .integer(Int64(session.orders)), .money(session.revenue),
                        .text(listed.channel), .text(listed.device), .text(listed.campaign), .text(listed.landingPage),
                        .text(session.sessionKey ?? "")]
            })
        emit(table.render(output.format))
    }
}

struct RebuildSessions: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Recompute every session (and the funnel timelines), optionally with a new timeout.")

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("The inactivity gap that ends a session, e.g. 30m or 45m (default: keep the current one).",
                               valueName: "duration"))
    var sessionTimeout: String?

    func validate() throws {
        if let sessionTimeout { _ = try parseDuration(sessionTimeout, option: "--session-timeout") }
    }

    func run() throws {
        let timeout = try sessionTimeout.map { try parseDuration($0, option: "--session-timeout") }
        let (count, used) = try CommandErrors.run { () -> (Int64, Int64) in
            let database = try global.openStore()
            let store = SessionStore(database: database)
            try store.rebuild(timeoutMilliseconds: timeout)
            return (try database.scalarInt("SELECT count(*) FROM sessions") ?? 0, try store.timeoutMilliseconds())
        }
        print("rebuilt \(Format.grouped(count)) sessions with a \(DurationText.format(used)) timeout")
    }
}
