import AnalyticsStorage
import CSVScanner

/// Fields computed per row by SQLite itself from a file's columns (a mapping such as
/// `timestamp: "visitId * 1000 + time"`): one in-memory connection and one prepared
/// `SELECT expr, ... FROM (SELECT ?1 AS "column", ...)` over the columns the expressions
/// read, each bound as text (an empty field as NULL). Each reading thread has its own
/// (`RowParser.copy()`).
final class ComputedFields {
    /// The fields and their expressions, in result-column order.
    let fields: [(field: CanonicalField, expression: String)]
    private let database: Database
    private let statement: Statement
    /// The header positions of the columns the expressions read, in parameter order.
    private let inputs: [Int]
    /// Above this many columns, every column is bound rather than the ones the expressions read.
    static let discoveryLimit = 64
    /// The current row's results (empty for NULL), one after the other in `buffer`.
    private var buffer: UnsafeMutableRawPointer
    private var capacity = 256
    private var ranges: [Range<Int>]

    /// Compiles the expressions against the header's column names.
    /// - Throws: `IngestError.invalidMapping` naming the field, its expression and SQLite's message.
    init(header: [String], fields: [(field: CanonicalField, expression: String)]) throws {
        self.fields = fields
        buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 1)
        ranges = Array(repeating: 0..<0, count: fields.count)
        let database = try Database(path: ":memory:")
        database.requireQuotedIdentifiers()
        self.database = database
        func columns(_ positions: [Int]) -> String { Self.columnList(header, positions) }
        let all = Array(header.indices)
        let select = "SELECT " + fields.map { "(\($0.expression))" }.joined(separator: ", ")
        // Each expression alone first, so that an error names the field it is in.
        for (field, expression) in fields {
            do { _ = try database.prepare("SELECT (\(expression)) FROM (SELECT \(columns(all)))") } catch let error as SQLiteError {
                throw IngestError.invalidMapping("the expression of \(field.rawValue), \(expression), is not valid SQLite "
                                                 + "over the file's columns: \(error.message)")
            }
        }
        // Only the columns the expressions read are bound per row: a column is read when the
        // expressions no longer compile without it (SQLite itself decides, quoting included).
        // Wide headers bind every column (discovery would compile the query once per column).
        let discovered = header.count > Self.discoveryLimit ? all : all.filter { left in
            (try? database.prepare(select + " FROM (SELECT \(columns(all.filter { $0 != left })))")) == nil
        }
        // When discovery cannot tell (a name twice in the header), every column is bound.
        if let narrow = try? database.prepare(select + (discovered.isEmpty ? "" : " FROM (SELECT \(columns(discovered)))")) {
            inputs = discovered
            statement = narrow
        } else {
            inputs = all
            statement = try database.prepare(select + " FROM (SELECT \(columns(all)))")
        }
    }

    /// Whether an expression compiles over a header's columns.
    static func compiles(_ expression: String, header: [String]) -> Bool {
        guard let database = try? Database(path: ":memory:") else { return false }
        database.requireQuotedIdentifiers()
        return (try? database.prepare("SELECT (\(expression)) FROM (SELECT \(columnList(header, header.indices)))")) != nil
    }

    /// `?1 AS "name", ...` for the header's columns at `positions`, numbered in that order.
    static func columnList<Positions: Collection<Int>>(_ header: [String], _ positions: Positions) -> String {
        positions.enumerated().map { parameter, position in
            let name = header[position].trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "\"", with: "\"\"")
            return "?\(parameter + 1) AS \"\(name)\""
        }.joined(separator: ", ")
    }

    /// Evaluates the expressions over the reader's current record.
    /// - Throws: `RejectReason.computedField` with SQLite's message when a row makes one fail.
    func evaluate(_ reader: CSVReader) throws {
        do {
            try statement.reset()
            for (parameter, column) in inputs.enumerated() {
                let bytes = column < reader.fieldCount ? reader.field(column) : UnsafeRawBufferPointer(start: nil, count: 0)
                if bytes.isEmpty { try statement.bindNull(at: Int32(parameter + 1)) } else { try statement.bindText(bytes, at: Int32(parameter + 1)) }
            }
            guard let row = try statement.step() else { return }
            var used = 0
            for index in fields.indices {
                // An integral real (`t * 1000.0`) is written as an integer, which a timestamp or id reads.
                var integral: [UInt8]?
                if row.isReal(Int32(index)) {
                    let value = row.double(Int32(index))
                    if value == value.rounded(), abs(value) < 9e18 { integral = Array(String(Int64(value)).utf8) }
                }
                if let integral {
                    integral.withUnsafeBytes { store($0, at: index, used: &used) }
                } else {
                    row.withText(Int32(index)) { store($0, at: index, used: &used) }
                }
            }
        } catch let error as SQLiteError {
            let failing = fields.map { "\($0.field.rawValue)" }.joined(separator: ", ")
            throw RejectReason.computedField(fields: failing, message: error.message)
        }
    }

    /// Copies result `index` into the buffer after the `used` bytes of the results before it.
    private func store(_ text: UnsafeRawBufferPointer, at index: Int, used: inout Int) {
        if used + text.count > capacity {
            let larger = UnsafeMutableRawPointer.allocate(byteCount: max(capacity * 2, used + text.count), alignment: 1)
            larger.copyMemory(from: buffer, byteCount: used)
            buffer.deallocate()
            buffer = larger
            capacity = max(capacity * 2, used + text.count)
        }
        if let base = text.baseAddress { (buffer + used).copyMemory(from: base, byteCount: text.count) }
        ranges[index] = used..<(used + text.count)
        used += text.count
    }

    /// The current row's value of result column `index` (empty for NULL), valid until the next `evaluate`.
    func value(_ index: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: buffer + ranges[index].lowerBound, count: ranges[index].count)
    }

    deinit { buffer.deallocate() }
}
