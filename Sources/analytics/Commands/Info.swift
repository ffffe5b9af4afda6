import Analytics
import ArgumentParser

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the database path, SQLite version, applied migrations and row counts.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption

    @Option(help: ArgumentHelp("Print one part only: summary, migrations, tables, roles or properties (default: all; "
                               + "CSV without --section gives the tables' row counts).", valueName: "part"))
    var section: DatabaseInfo.Section?

    func run() throws {
        let info = try global.withWorkspace { try $0.info() }
        emit(info.render(output.format, section: section))
    }
}

extension DatabaseInfo.Section: @retroactive ExpressibleByArgument {}
