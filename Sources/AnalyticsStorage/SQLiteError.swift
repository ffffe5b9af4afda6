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

    /// The primary code's name, such as `SQLITE_CONSTRAINT`.
    public var codeName: String { SQLiteError.name(of: code) }

    /// The extended code's name, such as `SQLITE_CONSTRAINT_UNIQUE` (the primary
    /// name when SQLite gave no more detail).
    public var extendedCodeName: String { SQLiteError.name(of: extendedCode) }

    public var description: String {
        var text = "SQLite error \(extendedCodeName) (\(extendedCode)): \(message)"
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

extension SQLiteError {
    /// The name of a result code, from <https://www.sqlite.org/rescode.html>.
    static func name(of code: Int32) -> String {
        if let name = extendedNames[code] { return name }
        let primary = primaryNames.indices.contains(Int(code & 0xFF)) ? primaryNames[Int(code & 0xFF)] : "SQLITE_UNKNOWN"
        return code > 0xFF ? "\(primary) (extended \(code >> 8))" : primary
    }

    /// Primary codes 0 to 28, in order; 100 and 101 are handled as extended names.
    private static let primaryNames = [
        "SQLITE_OK", "SQLITE_ERROR", "SQLITE_INTERNAL", "SQLITE_PERM", "SQLITE_ABORT", "SQLITE_BUSY", "SQLITE_LOCKED",
        "SQLITE_NOMEM", "SQLITE_READONLY", "SQLITE_INTERRUPT", "SQLITE_IOERR", "SQLITE_CORRUPT", "SQLITE_NOTFOUND",
        "SQLITE_FULL", "SQLITE_CANTOPEN", "SQLITE_PROTOCOL", "SQLITE_EMPTY", "SQLITE_SCHEMA", "SQLITE_TOOBIG",
        "SQLITE_CONSTRAINT", "SQLITE_MISMATCH", "SQLITE_MISUSE", "SQLITE_NOLFS", "SQLITE_AUTH", "SQLITE_FORMAT",
        "SQLITE_RANGE", "SQLITE_NOTADB", "SQLITE_NOTICE", "SQLITE_WARNING",
    ]

    /// Extended codes (primary + (n << 8)) worth naming; the macros are not importable from C.
    private static let extendedNames: [Int32: String] = [
        100: "SQLITE_ROW", 101: "SQLITE_DONE",
        257: "SQLITE_ERROR_MISSING_COLLSEQ", 513: "SQLITE_ERROR_RETRY", 769: "SQLITE_ERROR_SNAPSHOT",
        261: "SQLITE_BUSY_RECOVERY", 517: "SQLITE_BUSY_SNAPSHOT", 773: "SQLITE_BUSY_TIMEOUT",
        262: "SQLITE_LOCKED_SHAREDCACHE", 518: "SQLITE_LOCKED_VTAB",
        264: "SQLITE_READONLY_RECOVERY", 520: "SQLITE_READONLY_CANTLOCK", 776: "SQLITE_READONLY_ROLLBACK",
        1032: "SQLITE_READONLY_DBMOVED", 1288: "SQLITE_READONLY_CANTINIT", 1544: "SQLITE_READONLY_DIRECTORY",
        266: "SQLITE_IOERR_READ", 522: "SQLITE_IOERR_SHORT_READ", 778: "SQLITE_IOERR_WRITE", 1034: "SQLITE_IOERR_FSYNC",
        1290: "SQLITE_IOERR_DIR_FSYNC", 1546: "SQLITE_IOERR_TRUNCATE", 1802: "SQLITE_IOERR_FSTAT",
        2058: "SQLITE_IOERR_UNLOCK", 2314: "SQLITE_IOERR_RDLOCK", 2570: "SQLITE_IOERR_DELETE",
        3082: "SQLITE_IOERR_NOMEM", 3338: "SQLITE_IOERR_ACCESS", 3594: "SQLITE_IOERR_CHECKRESERVEDLOCK",
        3850: "SQLITE_IOERR_LOCK", 4106: "SQLITE_IOERR_CLOSE", 4618: "SQLITE_IOERR_SHMOPEN", 4874: "SQLITE_IOERR_SHMSIZE",
        5386: "SQLITE_IOERR_SHMMAP", 5642: "SQLITE_IOERR_SEEK", 5898: "SQLITE_IOERR_DELETE_NOENT",
        6154: "SQLITE_IOERR_MMAP", 6410: "SQLITE_IOERR_GETTEMPPATH", 6666: "SQLITE_IOERR_CONVPATH",
        267: "SQLITE_CORRUPT_VTAB", 523: "SQLITE_CORRUPT_SEQUENCE", 779: "SQLITE_CORRUPT_INDEX",
        270: "SQLITE_CANTOPEN_NOTEMPDIR", 526: "SQLITE_CANTOPEN_ISDIR", 782: "SQLITE_CANTOPEN_FULLPATH",
        1038: "SQLITE_CANTOPEN_CONVPATH", 1550: "SQLITE_CANTOPEN_SYMLINK",
        275: "SQLITE_CONSTRAINT_CHECK", 531: "SQLITE_CONSTRAINT_COMMITHOOK", 787: "SQLITE_CONSTRAINT_FOREIGNKEY",
        1043: "SQLITE_CONSTRAINT_FUNCTION", 1299: "SQLITE_CONSTRAINT_NOTNULL", 1555: "SQLITE_CONSTRAINT_PRIMARYKEY",
        1811: "SQLITE_CONSTRAINT_TRIGGER", 2067: "SQLITE_CONSTRAINT_UNIQUE", 2323: "SQLITE_CONSTRAINT_VTAB",
        2579: "SQLITE_CONSTRAINT_ROWID", 2835: "SQLITE_CONSTRAINT_PINNED", 3091: "SQLITE_CONSTRAINT_DATATYPE",
        283: "SQLITE_NOTICE_RECOVER_WAL", 539: "SQLITE_NOTICE_RECOVER_ROLLBACK", 284: "SQLITE_WARNING_AUTOINDEX",
        516: "SQLITE_ABORT_ROLLBACK",
    ]
}
