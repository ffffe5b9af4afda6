import Analytics
import ArgumentParser

struct Imports: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the imports ledger: every file imported (or attempted), with its checksum and row counts.")

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption

    func run() throws {
        let entries = try CommandErrors.run { try ImportLedger.entries(try global.openStore()) }
        let table = ResultTable(
            columns: ["id", "path", "kind", "status", "size_bytes", "sha256", "read", "imported", "duplicate", "updated",
                      "rejected", "started_at", "finished_at"],
            rows: entries.map { entry in
                [.integer(entry.id), .text(entry.path), .text(entry.kind), .text(entry.status), .integer(entry.sizeBytes),
                 .text(output.format == .table ? String(entry.sha256.prefix(12)) : entry.sha256),
                 .integer(entry.rowsRead), .integer(entry.rowsImported), .integer(entry.rowsDuplicate),
                 .integer(entry.rowsUpdated), .integer(entry.rowsRejected),
                 .text(Timestamp.iso8601(entry.startedMilliseconds)),
                 .text(entry.finishedMilliseconds.map(Timestamp.iso8601) ?? "")]
            })
        emit(table.render(output.format))
        if entries.isEmpty && output.format == .table { print("No imports yet: run `analytics import FILE...`.") }
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
        let rejects = try CommandErrors.run {
            try ImportLedger.rejects(try global.openStore(), importID: importID, limit: limit)
        }
        let table = ResultTable(
            columns: ["import", "file", "line", "reason", "raw"],
            rows: rejects.map { reject in
                [.integer(reject.importID), .text(reject.path), .integer(reject.line), .text(reject.reason),
                 .text(output.format == .table ? Self.shorten(reject.raw) : reject.raw)]
            })
        emit(table.render(output.format))
    }

    /// One line of at most 80 characters for the terminal.
    static func shorten(_ raw: String) -> String {
        let flat = raw.replacingOccurrences(of: "\r", with: "\\r").replacingOccurrences(of: "\n", with: "\\n")
        return flat.count > 80 ? String(flat.prefix(77)) + "..." : flat
    }
}
