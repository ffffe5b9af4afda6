import Analytics
import ArgumentParser

struct Journey: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print one user's whole journey: sessions in order with touchpoint, events, duration and orders.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var conditions: FilterOptions

    @Option(help: "Output format: table (a readable timeline), csv (one row per event), json or markdown.")
    var format: OutputFormat = .table

    @Argument(help: "The user_id as it appears in the imported files.")
    var user: String

    func run() throws {
        let journey = try global.withWorkspace { try $0.journey(of: user, filters: conditions.filters) }
        emit(journey.render(format))
    }
}
