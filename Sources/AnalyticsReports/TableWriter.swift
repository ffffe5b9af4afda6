/// Renders a result table in one text format. Every format has the same
/// shape: the header once, then each row, then `finalize` for the text.
package protocol TableWriter {
    mutating func writeHeader(_ columns: [String])
    mutating func writeRow(_ cells: [Cell])
    mutating func finalize() -> String
}

/// A titled table of cells, the model every tabular command produces.
public struct ResultTable: Sendable, Equatable {
    public var columns: [String]
    public var rows: [[Cell]]

    public init(columns: [String], rows: [[Cell]] = []) {
        self.columns = columns
        self.rows = rows
    }

    /// Renders through any writer.
    package func render<W: TableWriter>(with writer: W) -> String {
        var writer = writer
        writer.writeHeader(columns)
        for row in rows { writer.writeRow(row) }
        return writer.finalize()
    }

    /// Renders as an aligned text table, CSV, Markdown, or a JSON array of row objects. Tables for
    /// people (text, Markdown) name columns in words (`avg session`, `bounce rate`); CSV and JSON keep
    /// the machine names (`avg_session_seconds`) and plain numbers.
    public func render(_ format: OutputFormat) -> String {
        switch format {
        case .table: return humanized.render(with: AlignedTableWriter())
        case .csv: return render(with: CSVTableWriter())
        case .markdown: return humanized.render(with: MarkdownTableWriter())
        case .json: return json.rendered()
        }
    }

    /// The same table with headers for people: `_` as spaces, and without the `_seconds` of a
    /// column whose values show as durations (`4m 51s`).
    var humanized: ResultTable {
        ResultTable(columns: columns.enumerated().map { index, name in
            var words = name
            let durations = rows.contains { index < $0.count && { if case .seconds = $0 { return true } else { return false } }($0[index]) }
            if durations, words.hasSuffix("_seconds") { words.removeLast("_seconds".count) }
            return words.replacingOccurrences(of: "_", with: " ")
        }, rows: rows)
    }
}

/// How wide terminal tables may be: 100 characters unless a program (`--wide`) binds another
/// limit, or none, for the work it runs (`TableWidth.$maximum.withValue(nil) { ... }`).
public enum TableWidth {
    /// The default limit.
    public static let standard = 100
    /// Text cells longer than this are shortened with "…" before any column is left out.
    static let longestText = 32

    @TaskLocal public static var maximum: Int? = standard
}

/// Aligned columns for a terminal: text left, numbers right, human units. A table wider than
/// `TableWidth.maximum` first shortens long text cells, then leaves out its last columns and says
/// which (CSV and JSON always have every column).
package struct AlignedTableWriter: TableWriter {
    private var header: [String] = []
    private var rows: [[Cell]] = []
    private let maximumWidth: Int?

    package init(maximumWidth: Int? = TableWidth.maximum) {
        self.maximumWidth = maximumWidth
    }

    package mutating func writeHeader(_ columns: [String]) { header = columns }
    package mutating func writeRow(_ cells: [Cell]) { rows.append(cells) }

    package mutating func finalize() -> String {
        var texts = rows.map { $0.map(\.human) }
        let numeric = header.indices.map { index in
            rows.contains { index < $0.count && $0[index].isNumeric }
        }
        func measure() -> [Int] {
            var widths = header.map(\.count)
            for row in texts {
                for (index, text) in row.enumerated() where index < widths.count {
                    widths[index] = max(widths[index], text.count)
                }
            }
            return widths
        }
        func total(_ widths: ArraySlice<Int>) -> Int { widths.reduce(0, +) + 2 * max(0, widths.count - 1) }
        var widths = measure()
        var shown = header.count
        if let maximumWidth, total(widths[...]) > maximumWidth {
            let limit = TableWidth.longestText
            texts = texts.map { row in
                row.enumerated().map { index, text in
                    index < numeric.count && !numeric[index] && text.count > limit ? String(text.prefix(limit - 1)) + "…" : text
                }
            }
            widths = measure()
            while shown > 2 && total(widths[..<shown]) > maximumWidth { shown -= 1 }
        }
        func line(_ cells: [String]) -> String {
            cells.prefix(shown).enumerated().map { index, text in
                let padding = String(repeating: " ", count: max(0, widths[index] - text.count))
                return numeric[index] ? padding + text : text + padding
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }
        var out = line(header) + "\n"
        out += widths.prefix(shown).map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
        for row in texts { out += line(row) + "\n" }
        if shown < header.count {
            let hidden = header[shown...]
            out += "(\(hidden.count) more column\(hidden.count == 1 ? "" : "s"): \(hidden.joined(separator: ", ")); "
                + "--wide shows every column, --format csv or json has them all)\n"
        }
        return out
    }
}

/// RFC 4180 CSV: plain numbers, fields quoted when they need it, LF endings.
package struct CSVTableWriter: TableWriter {
    private var out = ""

    package init() {}

    package mutating func writeHeader(_ columns: [String]) { out += columns.map(Self.quote).joined(separator: ",") + "\n" }
    package mutating func writeRow(_ cells: [Cell]) { out += cells.map { Self.quote($0.plain) }.joined(separator: ",") + "\n" }
    package mutating func finalize() -> String { out }

    /// Quotes a field when it holds a comma, quote or line break (CR, LF or both:
    /// compared as bytes, since "\r\n" is one `Character`).
    package static func quote(_ field: String) -> String {
        guard field.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// A GitHub-flavoured Markdown table with human units.
package struct MarkdownTableWriter: TableWriter {
    private var out = ""
    private var alignmentWritten = false
    private var columnCount = 0

    package init() {}

    package mutating func writeHeader(_ columns: [String]) {
        columnCount = columns.count
        out += "| " + columns.map(Self.escape).joined(separator: " | ") + " |\n"
    }

    package mutating func writeRow(_ cells: [Cell]) {
        if !alignmentWritten { writeAlignment(cells) }
        out += "| " + cells.map { Self.escape($0.human) }.joined(separator: " | ") + " |\n"
    }

    package mutating func finalize() -> String {
        if !alignmentWritten { out += "|" + String(repeating: " --- |", count: columnCount) + "\n" }
        return out
    }

    private mutating func writeAlignment(_ cells: [Cell]) {
        out += "|" + cells.map { $0.isNumeric ? " ---: |" : " --- |" }.joined() + "\n"
        alignmentWritten = true
    }

    /// Escapes a cell for GitHub-flavoured Markdown: `|` and `\` with a backslash, HTML's
    /// `&`, `<` and `>` as entities (so no markup passes through), line breaks as spaces.
    static func escape(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "|": out += "\\|"
            case "\\": out += "\\\\"
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\n", "\r": out += " "
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var copy = self
        while copy.last == " " { copy.removeLast() }
        return copy
    }
}

extension ResultTable {
    /// The rows as a JSON array of objects.
    package var json: JSONValue {
        .array(rows.map { row in
            .object(zip(columns, row).map { column, cell in (column, cell.json) })
        })
    }
}

extension Cell {
    /// The value as JSON: numbers stay numbers, undefined is `null`.
    package var json: JSONValue {
        switch self {
        case .text(let text): return .string(text)
        case .integer(let value): return .integer(value)
        case .rate(let value), .seconds(let value), .money(let value), .number(let value): return .number(value)
        }
    }
}
