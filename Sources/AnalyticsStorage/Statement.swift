import CSQLite
import Foundation

/// A compiled SQL statement: bind values, step through rows, reset, reuse.
///
/// Reusing one statement (reset and rebind) is how bulk work stays fast.
/// Not `Sendable`; it belongs to its connection.
/// See <https://www.sqlite.org/c3ref/stmt.html>.
package final class Statement {
    /// The SQL the statement was compiled from.
    package let sql: String
    /// Nil once finalized (by `finalize()` or by closing its connection).
    private(set) var handle: OpaquePointer?

    /// Compiles exactly one statement. The connection keeps a weak reference
    /// and finalizes the statement when it closes, so a statement never keeps
    /// a connection (and its WAL) open.
    /// - Throws: `SQLiteError` when the SQL does not compile, is empty, or has
    ///   a second statement after the first (comments and spaces may follow).
    init(connection: OpaquePointer, sql: String) throws {
        self.sql = sql
        var statement: OpaquePointer?
        var tail: UnsafePointer<CChar>?
        try sql.withCString { text in
            try check(sqlite3_prepare_v3(connection, text, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, &tail),
                      connection, sql: sql)
            guard let tail, tail.pointee != 0 else { return }
            // Only comments and white space may follow: they compile to no statement.
            var extra: OpaquePointer?
            let result = sqlite3_prepare_v3(connection, tail, -1, 0, &extra, nil)
            if extra != nil || result != SQLITE_OK {
                sqlite3_finalize(extra)
                sqlite3_finalize(statement)
                statement = nil
                throw SQLiteError(code: SQLITE_MISUSE, message: "more than one statement in one prepare: "
                    + "run them one by one, or with execute()", sql: sql)
            }
        }
        guard let statement else {
            throw SQLiteError(code: SQLITE_MISUSE, message: "empty statement", sql: sql)
        }
        handle = statement
    }

    deinit { sqlite3_finalize(handle) }

    /// Releases the compiled statement; later use fails with a misuse error.
    func finalize() {
        sqlite3_finalize(handle)
        handle = nil
    }

    private var connection: OpaquePointer? { sqlite3_db_handle(handle) }

    /// Resets the statement so it can run again, and clears its bindings.
    package func reset() throws {
        sqlite3_reset(handle) // Its result repeats the last step's error, already reported.
        try check(sqlite3_clear_bindings(handle), connection, sql: sql)
    }

    /// Throws for a failed bind. The connection and the SQL are looked at only then: fetched for
    /// every bind, they showed in the profiles of bulk inserts.
    @inline(__always)
    private func checkBound(_ result: Int32) throws {
        if result != SQLITE_OK { try fail(result) }
    }

    private func fail(_ result: Int32) throws -> Never {
        throw SQLiteError(connection: connection, resultCode: result, sql: sql)
    }

    /// Binds values to the parameters `?1...?n` in order.
    package func bind(_ values: [SQLValue]) throws {
        for (offset, value) in values.enumerated() {
            try bind(value, at: Int32(offset + 1))
        }
    }

    /// Binds one value to the 1-based parameter `index`.
    package func bind(_ value: SQLValue, at index: Int32) throws {
        switch value {
        case .integer(let number): try bind(number, at: index)
        case .real(let number): try bind(number, at: index)
        case .text(let text): try bind(text, at: index)
        case .blob(let data): try bind(data, at: index)
        case .null: try bindNull(at: index)
        }
    }

    @inline(__always)
    package func bind(_ value: Int64, at index: Int32) throws {
        try checkBound(sqlite3_bind_int64(handle, index, value))
    }

    @inline(__always)
    package func bind(_ value: Double, at index: Int32) throws {
        try checkBound(sqlite3_bind_double(handle, index, value))
    }

    /// Binds text; SQLite copies it (`SQLITE_TRANSIENT`), so `value` may go away.
    @inline(__always)
    package func bind(_ value: String, at index: Int32) throws {
        var text = value
        try text.withUTF8 { try bindText(UnsafeRawBufferPointer($0), at: index) }
    }

    /// Binds UTF-8 bytes as text; SQLite copies them.
    @inline(__always)
    package func bindText(_ bytes: UnsafeRawBufferPointer, at index: Int32) throws {
        // An empty text still needs a non-null pointer, or SQLite binds NULL.
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count > 0 else {
            try checkBound(sqlite3_bind_text(handle, index, "", 0, csqlite_static()))
            return
        }
        try checkBound(sqlite3_bind_text(handle, index, base, Int32(bytes.count), csqlite_transient()))
    }

    /// Binds bytes as a blob; SQLite copies them. An empty buffer binds an empty blob.
    @inline(__always)
    package func bindBlob(_ bytes: UnsafeRawBufferPointer, at index: Int32) throws {
        try bindBlob(bytes, at: index, destructor: csqlite_transient())
    }

    /// Binds bytes as a blob without copying them (`SQLITE_STATIC`): they must stay valid until
    /// the statement has run, and the parameter must be bound again before the next run.
    @inline(__always)
    package func bindBlobBorrowed(_ bytes: UnsafeRawBufferPointer, at index: Int32) throws {
        try bindBlob(bytes, at: index, destructor: csqlite_static())
    }

    @inline(__always)
    private func bindBlob(_ bytes: UnsafeRawBufferPointer, at index: Int32, destructor: sqlite3_destructor_type?) throws {
        let result = bytes.count == 0
            ? sqlite3_bind_zeroblob(handle, index, 0)
            : sqlite3_bind_blob(handle, index, bytes.baseAddress, Int32(bytes.count), destructor)
        try checkBound(result)
    }

    package func bind(_ value: Data, at index: Int32) throws {
        let result = value.withUnsafeBytes { bytes in
            // A zero-length blob must still be a blob, not NULL.
            bytes.count == 0
                ? sqlite3_bind_zeroblob(handle, index, 0)
                : sqlite3_bind_blob(handle, index, bytes.baseAddress, Int32(bytes.count), csqlite_transient())
        }
        try checkBound(result)
    }

    @inline(__always)
    package func bindNull(at index: Int32) throws {
        try checkBound(sqlite3_bind_null(handle, index))
    }

    /// Advances to the next row; nil when the statement is done.
    /// - Throws: `SQLiteError` (constraint violations, busy, ...).
    @discardableResult
    package func step() throws -> Row? {
        let result = sqlite3_step(handle)
        switch result {
        case SQLITE_ROW: return Row(handle: handle)
        case SQLITE_DONE: return nil
        default:
            let error = SQLiteError(connection: connection, resultCode: result, sql: sql)
            sqlite3_reset(handle)
            throw error
        }
    }

    /// Runs a statement that returns no rows (or ignores them) and resets it.
    package func run() throws {
        defer { sqlite3_reset(handle) }
        while try step() != nil {}
    }
}

/// The current row of a stepping statement; valid until the next step.
package struct Row {
    let handle: OpaquePointer?

    package var columnCount: Int32 { sqlite3_column_count(handle) }

    package func isNull(_ index: Int32) -> Bool { sqlite3_column_type(handle, index) == SQLITE_NULL }
    /// Whether the column's value is a floating-point number.
    package func isReal(_ index: Int32) -> Bool { sqlite3_column_type(handle, index) == SQLITE_FLOAT }

    package func int64(_ index: Int32) -> Int64 { sqlite3_column_int64(handle, index) }
    package func int(_ index: Int32) -> Int { Int(sqlite3_column_int64(handle, index)) }
    package func double(_ index: Int32) -> Double { sqlite3_column_double(handle, index) }

    /// Text of a column; empty for NULL.
    package func string(_ index: Int32) -> String {
        guard let text = sqlite3_column_text(handle, index) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, index))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    package func int64OrNil(_ index: Int32) -> Int64? { isNull(index) ? nil : int64(index) }
    package func doubleOrNil(_ index: Int32) -> Double? { isNull(index) ? nil : double(index) }
    package func stringOrNil(_ index: Int32) -> String? { isNull(index) ? nil : string(index) }

    /// Bytes of a blob column; empty for NULL.
    package func data(_ index: Int32) -> Data {
        let count = Int(sqlite3_column_bytes(handle, index))
        guard count > 0, let bytes = sqlite3_column_blob(handle, index) else { return Data() }
        return Data(bytes: bytes, count: count)
    }

    /// Calls `body` with the column's text (UTF-8, SQLite's conversion of numbers) without copying it; empty for NULL.
    package func withText<T>(_ index: Int32, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        let text = sqlite3_column_text(handle, index)
        let count = Int(sqlite3_column_bytes(handle, index))
        return try body(UnsafeRawBufferPointer(start: count > 0 ? UnsafeRawPointer(text) : nil, count: count))
    }

    /// Calls `body` with the blob's bytes without copying them.
    package func withBlob<T>(_ index: Int32, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        let count = Int(sqlite3_column_bytes(handle, index))
        let bytes = sqlite3_column_blob(handle, index)
        return try body(UnsafeRawBufferPointer(start: count > 0 ? bytes : nil, count: count))
    }
}
