import Foundation
import AnalyticsCore
import AnalyticsIngest

/// The summary `analytics import` prints: one row per file and a total.
public struct ImportSummary: Sendable {
    public let results: [ImportResult]

    public init(results: [ImportResult]) {
        self.results = results
    }

    /// 0 all good, 1 some rows rejected (files still imported), 2 a file aborted or unreadable.
    public var exitCode: Int32 {
        if results.contains(where: { $0.status == .aborted || $0.status == .failed }) { return 2 }
        if results.contains(where: { $0.rowsRejected > 0 }) { return 1 }
        return 0
    }

    private var total: ImportResult {
        var total = ImportResult(path: "", status: .imported)
        for result in results {
            total.rowsRead += result.rowsRead
            total.rowsImported += result.rowsImported
            total.rowsDuplicate += result.rowsDuplicate
            total.rowsUpdated += result.rowsUpdated
            total.rowsRejected += result.rowsRejected
            total.seconds += result.seconds
            total.sizeBytes += result.sizeBytes
        }
        return total
    }

    public var table: ResultTable {
        var table = ResultTable(columns: ["file", "kind", "status", "import", "read", "imported", "duplicate", "updated",
                                          "rejected", "seconds", "rows_per_second"])
        for result in results {
            table.rows.append(Self.cells(URL(fileURLWithPath: result.path).lastPathComponent, status: result.status.rawValue,
                                         result))
        }
        table.rows.append(Self.cells("(total)", status: "", total))
        return table
    }

    private static func cells(_ label: String, status: String, _ result: ImportResult) -> [Cell] {
        [.text(label), .text(result.kind?.rawValue ?? ""), .text(status), .text(result.importID.map { "#\($0)" } ?? ""),
         .integer(Int64(result.rowsRead)), .integer(Int64(result.rowsImported)), .integer(Int64(result.rowsDuplicate)),
         .integer(Int64(result.rowsUpdated)), .integer(Int64(result.rowsRejected)), .number(result.seconds),
         .integer(result.seconds > 0 ? Int64(Double(result.rowsRead) / result.seconds) : 0)]
    }

    /// One line per file, for commands that import on the side (`analytics report PATH`).
    public var briefLines: [String] {
        results.map { result in
            let detail = result.status == .imported
                ? "\(Format.grouped(Int64(result.rowsImported))) rows imported"
                    + (result.rowsRejected > 0 ? ", \(result.rowsRejected) rejected" : "")
                : (result.message ?? result.status.rawValue)
            return "import \(URL(fileURLWithPath: result.path).lastPathComponent): \(detail)"
        }
    }

    /// Messages worth a line each: skips, aborts, failures, warnings.
    public var notes: [String] {
        results.flatMap { result -> [String] in
            let name = URL(fileURLWithPath: result.path).lastPathComponent
            var lines = result.warnings.map { "\(name): \($0)" }
            if let message = result.message {
                lines.append(result.status == .skipped ? "\(name): \(message)" : message)
            }
            if result.rowsRejected > 0, result.status == .imported, let id = result.importID {
                lines.append("\(name): \(result.rowsRejected) rows rejected; list them with `analytics rejects --import \(id)`")
            }
            return lines
        }
    }

    public var json: JSONValue {
        func object(_ result: ImportResult) -> JSONValue {
            .object([
                ("path", .string(result.path)), ("status", .string(result.status.rawValue)),
                ("import_id", result.importID.map(JSONValue.integer) ?? .null),
                ("previous_import_id", result.previousImportID.map(JSONValue.integer) ?? .null),
                ("kind", .string(result.kind?.rawValue)), ("sha256", .string(result.sha256)),
                ("size_bytes", .integer(result.sizeBytes)),
                ("rows_read", .integer(Int64(result.rowsRead))), ("rows_imported", .integer(Int64(result.rowsImported))),
                ("rows_duplicate", .integer(Int64(result.rowsDuplicate))), ("rows_updated", .integer(Int64(result.rowsUpdated))),
                ("rows_rejected", .integer(Int64(result.rowsRejected))), ("seconds", .number(result.seconds)),
                ("readers", .integer(Int64(result.readers))), ("phase_seconds", .object(result.phases.map { ($0.name, .number($0.seconds)) })),
                ("warnings", .array(result.warnings.map(JSONValue.string))), ("message", .string(result.message)),
            ])
        }
        let sum = total
        return .object([
            ("files", .array(results.map(object))),
            ("total", .object([
                ("files", .integer(Int64(results.count))), ("rows_read", .integer(Int64(sum.rowsRead))),
                ("rows_imported", .integer(Int64(sum.rowsImported))), ("rows_duplicate", .integer(Int64(sum.rowsDuplicate))),
                ("rows_updated", .integer(Int64(sum.rowsUpdated))), ("rows_rejected", .integer(Int64(sum.rowsRejected))),
                ("seconds", .number(sum.seconds)), ("exit_code", .integer(Int64(exitCode))),
            ])),
        ])
    }

    public func render(_ format: OutputFormat) -> String {
        switch format {
        case .json: return json.rendered()
        case .csv: return table.render(.csv)
        case .table, .markdown:
            let notes = self.notes
            return table.render(format) + (notes.isEmpty ? "" : "\n" + notes.joined(separator: "\n") + "\n")
        }
    }
}
