import Analytics
import ArgumentParser

struct Imports: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the imports ledger: every file imported (or attempted), with its checksum and row counts.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption

    func run() throws {
        let table = try global.withWorkspace { try $0.imports(format: output.format) }
        emit(table.render(output.format))
        if table.rows.isEmpty && output.format == .table { print("No imports yet: run `analytics import FILE...`.") }
    }
}

struct Rejects: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List rejected rows with their file, line, reason and raw text.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption

    @Option(name: .customLong("import"), help: "Only the rejects of this import id (see `analytics imports`).")
    var importID: Int64?

    @Option(help: "Show at most this many rows.")
    var limit: Int?

    func run() throws {
        let table = try global.withWorkspace { try $0.rejects(importID: importID, limit: limit, format: output.format) }
        emit(table.render(output.format))
    }
}
