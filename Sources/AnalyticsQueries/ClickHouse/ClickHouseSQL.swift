import Foundation
import AnalyticsCore
import AnalyticsStorage

/// Pieces of ClickHouse SQL shared by the funnel and touchpoint emitters and the export's
/// `load.sql`: literals, glob patterns and `--where` conditions compiled to ClickHouse.
/// The tables are those `analytics export --target clickhouse` writes (docs/scale-out.md).
package enum ClickHouseSQL {
    /// A string literal: backslash and quote escaped, as ClickHouse reads them.
    package static func literal(_ text: String) -> String {
        var out = "'"
        for character in text.unicodeScalars {
            switch character {
            case "\\": out += "\\\\"
            case "'": out += "\\'"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\0": out += "\\0"
            default: out.unicodeScalars.append(character)
            }
        }
        return out + "'"
    }

    /// A finite number as a literal that reads back as the same `Float64`.
    package static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
    }

    /// An `fnmatch(3)` pattern (flags 0: `*`, `?`, `[...]`, backslash escapes) as an anchored RE2
    /// expression for `match()`.
    package static func regex(glob: String) -> String {
        var out = "^(?s:"
        var characters = Array(glob.unicodeScalars)[...]
        func escaped(_ scalar: Unicode.Scalar) -> String {
            "\\^$.|?*+()[]{}/-".unicodeScalars.contains(scalar) || scalar == "\\" ? "\\" + String(scalar) : String(scalar)
        }
        while let scalar = characters.popFirst() {
            switch scalar {
            case "*": out += ".*"
            case "?": out += "."
            case "\\":
                if let next = characters.popFirst() { out += escaped(next) } else { out += "\\\\" }
            case "[":
                // A bracket expression up to its closing `]` (a `]` right after `[` or `[!` is literal).
                var body = characters
                var cls = "["
                if body.first == "!" || body.first == "^" { cls += "^"; body = body.dropFirst() }
                var closed = false
                var first = true
                while let inner = body.popFirst() {
                    if inner == "]" && !first { closed = true; break }
                    first = false
                    if inner == "\\" || inner == "[" || inner == "]" || inner == "^" { cls += "\\" + String(inner) } else { cls.unicodeScalars.append(inner) }
                }
                if closed {
                    out += cls + "]"
                    characters = body
                } else {
                    out += "\\["
                }
            default: out += escaped(scalar)
            }
        }
        return out + ")$"
    }

    /// One condition on a text expression whose absent value is `''` (docs/metrics.md, "Filters").
    package static func condition(_ filter: FieldFilter, on expression: String) -> String {
        let present = "\(expression) != ''"
        let number = "toFloat64OrNull(trimBoth(\(expression)))"
        switch filter.operation {
        case .anyOf(let values): return "\(expression) IN (\(values.map(literal).joined(separator: ", ")))"
        case .noneOf(let values): return "\(expression) NOT IN (\(values.map(literal).joined(separator: ", ")))"
        case .less(let bound): return "ifNull(\(number) < \(Self.number(bound)), 0)"
        case .lessOrEqual(let bound): return "ifNull(\(number) <= \(Self.number(bound)), 0)"
        case .greater(let bound): return "ifNull(\(number) > \(Self.number(bound)), 0)"
        case .greaterOrEqual(let bound): return "ifNull(\(number) >= \(Self.number(bound)), 0)"
        case .glob(let pattern): return "(\(present) AND match(\(expression), \(literal(regex(glob: pattern)))))"
        case .present: return present
        }
    }

    /// The `events` column a funnel condition reads: an event's own type, page and properties,
    /// its session's channel, device and campaign.
    /// - Throws: `UnknownField` for a field the database does not know.
    package static func eventColumn(_ field: String, catalog: FieldCatalog) throws -> String {
        switch try catalog.resolve(field) {
        case .eventType: return "event_type"
        case .page: return "page"
        case .channel: return "session_channel"
        case .device: return "session_device"
        case .campaign: return "session_campaign"
        case .property(_, let name): return "props[\(literal(name))]"
        }
    }

    /// The `sessions` column a touchpoint condition or grouping reads.
    /// - Throws: `UnknownField` for an unknown field or `event_type`.
    package static func sessionColumn(_ field: String, catalog: FieldCatalog) throws -> String {
        switch try SessionField(catalog.resolve(field), field: field, catalog: catalog) {
        case .channel: return "channel"
        case .device: return "device"
        case .campaign: return "campaign"
        case .landingPage: return "landing_page"
        case .property: return "props[\(literal(field))]"
        }
    }

    /// `ts >= from AND ts < to` for the bounds a range has (nil: no condition).
    package static func range(_ range: TimeRange, column: String = "ts") -> String? {
        let parts = [range.from.map { "\(column) >= \($0)" }, range.to.map { "\(column) < \($0)" }].compactMap { $0 }
        return parts.isEmpty ? nil : parts.joined(separator: " AND ")
    }

    /// The statements of `load.sql`: the three tables (MergeTree, ordered by user and time)
    /// and their inserts from the gzip TSV files next to it (paths relative to its folder).
    package static func loadScript(files: [(table: String, file: String)], replacingUsersFile: String? = nil) -> String {
        var lines = ["-- Written by `analytics export --target clickhouse`; run from this folder:",
                     "--   clickhouse-client --multiquery < load.sql   (or chDB: session.query(open('load.sql').read()))",
                     "-- Tables and columns: docs/scale-out.md.", ""]
        lines += createStatements.map { $0 + ";" }
        if let replacingUsersFile {
            lines += ["", "-- An incremental export (--since): these users' rows are replaced whole.",
                      "CREATE TABLE IF NOT EXISTS export_users (user String) ENGINE = Memory;",
                      "TRUNCATE TABLE export_users;",
                      "INSERT INTO export_users FROM INFILE \(literal(replacingUsersFile)) COMPRESSION 'gzip' FORMAT TabSeparatedWithNames;"]
            for table in ["events", "orders", "sessions"] {
                lines.append("DELETE FROM \(table) WHERE user IN (SELECT user FROM export_users);")
            }
        }
        lines.append("")
        for (table, file) in files {
            lines.append("INSERT INTO \(table) FROM INFILE \(literal(file)) COMPRESSION 'gzip' FORMAT TabSeparatedWithNames;")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The columns of the exported tables, in file order.
    package static let eventColumns = [
        ("user", "String"), ("session", "UInt32"), ("session_id", "String"), ("ts", "Int64"), ("event_type", "String"),
        ("page", "String"), ("channel", "String"), ("device", "String"), ("campaign", "String"),
        ("session_channel", "String"), ("session_device", "String"), ("session_campaign", "String"),
        ("is_order", "UInt8"), ("order_id", "String"), ("amount", "Float64"), ("event_id", "String"),
        ("props", "Map(String, String)"),
    ]
    package static let orderColumns = [
        ("user", "String"), ("session", "UInt32"), ("ts", "Int64"), ("order_id", "String"), ("event_type", "String"),
        ("amount", "Float64"), ("counts_revenue", "UInt8"), ("from_orders_file", "UInt8"),
    ]
    package static let sessionColumns = [
        ("user", "String"), ("session", "UInt32"), ("session_id", "String"), ("ts", "Int64"), ("end_ts", "Int64"),
        ("events", "UInt32"), ("page_views", "UInt32"), ("orders", "UInt32"), ("revenue_orders", "UInt32"),
        ("revenue", "Float64"), ("channel", "String"), ("device", "String"), ("campaign", "String"),
        ("landing_page", "String"), ("props", "Map(String, String)"),
    ]

    static var createStatements: [String] {
        [("events", eventColumns), ("orders", orderColumns), ("sessions", sessionColumns)].map { table, columns in
            "CREATE TABLE IF NOT EXISTS \(table) (" + columns.map { "\($0.0) \($0.1)" }.joined(separator: ", ")
                + ") ENGINE = MergeTree ORDER BY (user, ts)"
        }
    }
}
