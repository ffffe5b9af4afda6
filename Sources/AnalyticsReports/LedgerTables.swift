import AnalyticsCore
import AnalyticsIngest
import Foundation

extension ImportLedger {
    /// The imports ledger as a table; `format` decides how much of the hash is shown.
    package static func table(_ entries: [Entry], format: OutputFormat) -> ResultTable {
        ResultTable(
            columns: ["id", "path", "kind", "status", "size_bytes", "sha256", "read", "imported", "duplicate", "updated",
                      "rejected", "started_at", "finished_at"],
            rows: entries.map { entry in
                [.integer(entry.id), .text(entry.path), .text(entry.kind), .text(entry.status), .integer(entry.sizeBytes),
                 .text(format == .table ? String(entry.sha256.prefix(12)) : entry.sha256),
                 .integer(entry.rowsRead), .integer(entry.rowsImported), .integer(entry.rowsDuplicate),
                 .integer(entry.rowsUpdated), .integer(entry.rowsRejected),
                 .text(Timestamp.iso8601(entry.startedMilliseconds)),
                 .text(entry.finishedMilliseconds.map(Timestamp.iso8601) ?? "")]
            })
    }

    /// Rejected rows as a table; on a terminal the raw text is one short line.
    package static func table(_ rejects: [Reject], format: OutputFormat) -> ResultTable {
        ResultTable(
            columns: ["import", "file", "line", "reason", "raw"],
            rows: rejects.map { reject in
                [.integer(reject.importID), .text(reject.path), .integer(reject.line), .text(reject.reason),
                 .text(format == .table ? shorten(reject.raw) : reject.raw)]
            })
    }

    /// One line of at most 80 characters for the terminal.
    static func shorten(_ raw: String) -> String {
        let flat = raw.replacingOccurrences(of: "\r", with: "\\r").replacingOccurrences(of: "\n", with: "\\n")
        return flat.count > 80 ? String(flat.prefix(77)) + "..." : flat
    }
}
