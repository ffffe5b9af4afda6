import CSQLite
import Foundation

/// An error reported by SQLite, with the codes, SQLite's message and the SQL
/// that failed. Bound values are never part of it: they may be personal data.
///
/// `case .constraint` in a `catch` or `switch` matches every extended
/// constraint code (unique, foreign key, check, ...) through `~=`.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    /// The primary result code, such as `SQLITE_CONSTRAINT` (19).
    public let code: Int32
    /// The extended result code, such as `SQLITE_CONSTRAINT_UNIQUE` (2067).
    public let extendedCode: Int32
    /// SQLite's own explanation.
    public let message: String
    /// The statement that failed, when there was one.
    public let sql: String?

    public init(code: Int32, extendedCode: Int32? = nil, message: String, sql: String? = nil) {
        self.code = code & 0xFF
        self.extendedCode = extendedCode ?? code
        self.message = message
        self.sql = sql
    }

    /// Reads the error state of a connection after a failed call.
    init(connection: OpaquePointer?, resultCode: Int32, sql: String? = nil) {
        let extended = connection.map { sqlite3_extended_errcode($0) } ?? resultCode
        let text = connection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
            ?? String(cString: sqlite3_errstr(resultCode))
        self.init(code: resultCode, extendedCode: extended, message: text, sql: sql)
    }

    public var description: String {
        var text = "SQLite error \(extendedCode): \(message)"
        if let sql { text += " (in: \(sql.trimmingCharacters(in: .whitespacesAndNewlines)))" }
        return text
    }

    /// Primary result codes worth matching by name.
    public struct Code: Sendable, Equatable {
        public let rawValue: Int32
        public static let error = Code(rawValue: SQLITE_ERROR)
        public static let busy = Code(rawValue: SQLITE_BUSY)
        public static let readOnly = Code(rawValue: SQLITE_READONLY)
        public static let cantOpen = Code(rawValue: SQLITE_CANTOPEN)
        public static let constraint = Code(rawValue: SQLITE_CONSTRAINT)
        public static let corrupt = Code(rawValue: SQLITE_CORRUPT)
        public static let notADatabase = Code(rawValue: SQLITE_NOTADB)
    }

    /// The primary code as a matchable value.
    public var primary: Code { Code(rawValue: code) }
}

/// Matches an error by its primary code: `catch SQLiteError.Code.constraint`.
public func ~= (pattern: SQLiteError.Code, error: any Error) -> Bool {
    (error as? SQLiteError)?.code == pattern.rawValue
}

/// Throws a `SQLiteError` unless `resultCode` is one of the accepted codes.
@inline(__always)
func check(_ resultCode: Int32, _ connection: OpaquePointer?, sql: String? = nil,
           accept: Int32 = SQLITE_OK) throws {
    guard resultCode == accept else {
        throw SQLiteError(connection: connection, resultCode: resultCode, sql: sql)
    }
}
