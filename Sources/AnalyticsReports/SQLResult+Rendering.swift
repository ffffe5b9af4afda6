import Foundation
import AnalyticsCore
import AnalyticsStorage

extension SQLResult.Value {
    /// The value as text, as the sqlite3 shell shows it: integers as they are, reals with 15 significant
    /// digits (`1597.52`, not `1597.5200000000002`; JSON keeps every digit), blobs as `X'0A1B'`, NULL empty.
    var text: String {
        switch self {
        case .null: return ""
        case .integer(let value): return String(value)
        case .real(let value):
            let text = String(format: "%.15g", value)
            return text.contains(where: { ".einf".contains($0) }) ? text : text + ".0"
        case .text(let value): return value
        case .blob(let value): return "X'" + value.map { String(format: "%02X", $0) }.joined() + "'"
        }
    }

    var json: JSONValue {
        switch self {
        case .null: return .null
        case .integer(let value): return .integer(value)
        case .real(let value): return .number(value)
        case .text(let value): return .string(value)
        case .blob: return .string(text)
        }
    }
}

extension SQLResult {
    /// The rows with their column names, every value as SQLite gave it (no grouping, no rounding).
    package var table: ResultTable {
        ResultTable(columns: columns, rows: rows.map { $0.map { .text($0.text) } })
    }

    /// `{"columns": [...], "rows": [{"column": value, ...}, ...]}` with typed values (blobs as `X'..'` text).
    package var json: JSONValue {
        .object([
            ("columns", .array(columns.map(JSONValue.string))),
            ("rows", .array(rows.map { row in .object(zip(columns, row).map { ($0, $1.json) }) })),
        ])
    }

    public func render(_ format: OutputFormat) -> String {
        switch format {
        case .json: return json.rendered()
        case .csv, .table, .markdown: return table.render(format)
        }
    }
}
