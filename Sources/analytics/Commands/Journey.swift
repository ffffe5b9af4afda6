import Analytics
import ArgumentParser

struct Journey: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print one user's whole journey: sessions in order with touchpoint, events, duration and orders.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "Output format: table (a readable timeline), json or markdown.")
    var format: OutputFormat = .table

    @Argument(help: "The user_id as it appears in the imported files.")
    var user: String

    func run() throws {
        let journey = try CommandErrors.run {
            try SessionStore(database: try global.openStore()).journey(of: user)
        }
        guard let journey else {
            CommandErrors.fail("no user '\(user)' in the database; see `analytics sessions` for user ids", code: 65)
        }
        emit(UserJourneyReport(journey).render(format))
    }
}
