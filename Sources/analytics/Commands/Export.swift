import Analytics
import ArgumentParser

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export events, orders and sessions for another engine (ClickHouse): gzip TSV files and load.sql.",
        discussion: """
            Writes events.tsv.gz (every event and order with its session and properties), orders.tsv.gz, \
            sessions.tsv.gz and load.sql (CREATE TABLE ... MergeTree ORDER BY (user, ts) and the inserts, paths \
            relative to the folder): run `clickhouse-client --multiquery < load.sql` from inside it. With --since ID, \
            only the users touched by imports after that import id (see `analytics imports`), their rows whole; \
            load.sql deletes those users' rows first. `funnel --emit-sql clickhouse` and \
            `touchpoints --emit-sql clickhouse` print queries over these tables. Details: docs/scale-out.md.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "The engine to export for: clickhouse.")
    var target: Workspace.SQLDialect

    @Option(help: ArgumentHelp("The folder to write (created when missing; files in it are replaced).", valueName: "dir"))
    var out: String

    @Option(help: ArgumentHelp("Only the users touched by imports after this import id.", valueName: "import-id"))
    var since: Int64?

    func run() throws {
        let summary = try global.withWorkspace { try $0.exportClickHouse(to: out, since: since) }
        print("Wrote \(summary.events) events, \(summary.orders) orders and \(summary.sessions) sessions of "
              + "\(summary.users) users to \(summary.directory)/ (\(summary.files.joined(separator: ", "))).")
    }
}
