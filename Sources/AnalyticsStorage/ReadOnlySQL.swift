import CSQLite
import Foundation

/// The rows of one SQL query, as SQLite returned them.
public struct SQLResult: Sendable, Equatable {
    /// One value, with SQLite's storage class.
    public enum Value: Sendable, Equatable {
        case null
        case integer(Int64)
        case real(Double)
        case text(String)
        case blob(Data)
    }

    public var columns: [String]
    public var rows: [[Value]]
}

/// Why `analytics sql` did not run a statement: it writes, or it does not compile.
public struct SQLRefused: Error, CustomStringConvertible, Equatable {
    public let message: String
    /// 1-based line and column of the error in the SQL, when SQLite knows it.
    public let line: Int?
    public let column: Int?
    public let sql: String

    public var description: String {
        guard let line, let column else { return message }
        let text = sql.split(separator: "\n", omittingEmptySubsequences: false)
        let shown = line <= text.count ? String(text[line - 1]) : ""
        return "\(message) at line \(line), column \(column):\n  \(shown)\n  \(String(repeating: " ", count: max(0, column - 1)))^"
    }
}

/// Runs one query of a person or a script over a connection that cannot change anything:
/// the file is opened read-only, `PRAGMA query_only` is on, and an authorizer allows only
/// reading (no ATTACH, no PRAGMA that sets a value, no temporary tables).
package enum ReadOnlySQL {
    /// PRAGMAs that only read, allowed without an argument (or with a table name).
    static let readingPragmas: Set<String> = [
        "table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo", "foreign_key_list",
        "database_list", "collation_list", "function_list", "pragma_list", "compile_options", "user_version",
        "schema_version", "page_count", "page_size", "freelist_count", "encoding", "integrity_check", "quick_check",
    ]

    /// What the authorizer refused first, for the message.
    private final class Refusals {
        var first: String?
    }

    /// - Parameters:
    ///   - parameters: values for `:name`, `@name` or `$name`; a value that reads as an integer or a
    ///     real number is bound as one, anything else as text.
    ///   - prepareConnection: registers what the layers above add to SQL (virtual tables, functions).
    /// - Throws: `SQLRefused` for SQL that does not compile or would write; `SQLiteError` otherwise.
    package static func run(path: String, sql: String, parameters: [String: String] = [:],
                            prepareConnection: (OpaquePointer) -> Void = { _ in }) throws -> SQLResult {
        let database = try Database(path: path, mode: .readOnly)
        defer { try? database.close() }
        try database.execute("PRAGMA query_only = ON")
        guard let handle = database.handle else { throw SQLiteError(code: SQLITE_MISUSE, message: "closed connection") }
        prepareConnection(handle)
        let refusals = Refusals()
        let context = Unmanaged.passUnretained(refusals).toOpaque()
        sqlite3_set_authorizer(handle, { context, action, first, second, _, _ in
            let refusals = Unmanaged<Refusals>.fromOpaque(context!).takeUnretainedValue()
            func name(_ text: UnsafePointer<CChar>?) -> String? { text.map { String(cString: $0) } }
            switch action {
            case SQLITE_SELECT, SQLITE_READ, SQLITE_FUNCTION, SQLITE_RECURSIVE:
                return SQLITE_OK
            case SQLITE_PRAGMA:
                let pragma = name(first)?.lowercased() ?? ""
                // A reading pragma may name a table (`table_info(sessions)`), never set a value.
                if ReadOnlySQL.readingPragmas.contains(pragma), second == nil || pragma.hasSuffix("info")
                    || pragma.hasSuffix("list") || pragma.hasSuffix("check") {
                    return SQLITE_OK
                }
                refusals.first = refusals.first ?? "PRAGMA \(pragma)" + (name(second).map { " = \($0)" } ?? "")
            case SQLITE_UPDATE where name(first) == "sqlite_master":
                // Connecting an eponymous virtual table (journey_events) asks this of the authorizer; a
                // statement that really changed the schema would still fail: read-only file, query_only,
                // and sqlite3_stmt_readonly is checked below.
                return SQLITE_OK
            case SQLITE_ATTACH: refusals.first = refusals.first ?? "ATTACH"
            case SQLITE_DETACH: refusals.first = refusals.first ?? "DETACH"
            case SQLITE_INSERT: refusals.first = refusals.first ?? "INSERT INTO \(name(first) ?? "")"
            case SQLITE_UPDATE: refusals.first = refusals.first ?? "UPDATE \(name(first) ?? "")"
            case SQLITE_DELETE: refusals.first = refusals.first ?? "DELETE FROM \(name(first) ?? "")"
            case SQLITE_TRANSACTION, SQLITE_SAVEPOINT: refusals.first = refusals.first ?? "a transaction statement"
            default: refusals.first = refusals.first ?? "a statement that changes the schema or the data"
            }
            return SQLITE_DENY
        }, context)

        let statement: Statement
        do {
            statement = try database.prepare(sql)
        } catch let error as SQLiteError {
            if let refused = refusals.first {
                throw SQLRefused(message: "analytics sql only reads: \(refused) is not allowed "
                                 + "(query the tables and the journey_* views with SELECT)", line: nil, column: nil, sql: sql)
            }
            if error.code == SQLITE_MISUSE {
                throw SQLRefused(message: "analytics sql runs exactly one statement: \(error.message.components(separatedBy: ":").first ?? error.message)",
                                 line: nil, column: nil, sql: sql)
            }
            let offset = Int(sqlite3_error_offset(handle))
            let (line, column) = offset >= 0 ? position(of: offset, in: sql) : (nil, nil)
            throw SQLRefused(message: error.message, line: line, column: column, sql: sql)
        }
        guard sqlite3_stmt_readonly(statement.handle) != 0 else {
            throw SQLRefused(message: "analytics sql only reads: this statement would write", line: nil, column: nil, sql: sql)
        }
        for index in stride(from: 1, through: Int(sqlite3_bind_parameter_count(statement.handle)), by: 1) {
            guard let rawName = sqlite3_bind_parameter_name(statement.handle, Int32(index)) else { continue }
            let full = String(cString: rawName), bare = String(full.dropFirst())
            guard let value = parameters[bare] else {
                throw SQLRefused(message: "no value for the parameter \(full): add --param \(bare)=VALUE", line: nil,
                                 column: nil, sql: sql)
            }
            if let integer = Int64(value) {
                try statement.bind(.integer(integer), at: Int32(index))
            } else if let real = Double(value), real.isFinite, value.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) {
                try statement.bind(.real(real), at: Int32(index))
            } else {
                try statement.bind(.text(value), at: Int32(index))
            }
        }
        let columns = (0..<sqlite3_column_count(statement.handle)).map { String(cString: sqlite3_column_name(statement.handle, $0)) }
        var rows: [[SQLResult.Value]] = []
        while let row = try runtime({ try statement.step() }, sql: sql) {
            rows.append((0..<row.columnCount).map { index in
                switch sqlite3_column_type(row.handle, index) {
                case SQLITE_INTEGER: return .integer(row.int64(index))
                case SQLITE_FLOAT: return .real(row.double(index))
                case SQLITE_TEXT: return .text(row.string(index))
                case SQLITE_BLOB: return .blob(row.data(index))
                default: return .null
                }
            })
        }
        return SQLResult(columns: columns, rows: rows)
    }

    /// Errors while the query runs (a function's misuse, a value out of range) are the query's, not the database's.
    private static func runtime<T>(_ body: () throws -> T, sql: String) throws -> T {
        do {
            return try body()
        } catch let error as SQLiteError where error.primary != .corrupt && error.primary != .notADatabase {
            throw SQLRefused(message: error.message, line: nil, column: nil, sql: sql)
        }
    }

    /// 1-based line and column (in characters) of a UTF-8 byte offset.
    static func position(of offset: Int, in sql: String) -> (Int, Int) {
        let prefix = String(decoding: sql.utf8.prefix(offset), as: UTF8.self)
        let lines = prefix.split(separator: "\n", omittingEmptySubsequences: false)
        return (lines.count, (lines.last?.count ?? 0) + 1)
    }
}
