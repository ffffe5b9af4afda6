import Analytics
import ArgumentParser

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the database path, SQLite version, applied migrations and row counts.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption

    func run() throws {
        let info = try CommandErrors.run { () -> DatabaseInfo in
            let database = try global.openStore()
            return try DatabaseInfo(database: database)
        }
        emit(info.render(output.format))
    }
}
