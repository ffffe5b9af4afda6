import Analytics
import ArgumentParser

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the database path, SQLite version, applied migrations and row counts.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption

    func run() throws {
        let info = try global.withWorkspace { try $0.info() }
        emit(info.render(output.format))
    }
}
