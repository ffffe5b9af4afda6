import CSQLite
import Foundation

/// One connection to a SQLite database file.
///
/// Opened in WAL mode (readers never wait for a writer and see the database as
/// it was when their read began), with a busy timeout and `foreign_keys=ON`.
/// Not `Sendable`: a connection belongs to the task that opened it.
/// See <https://www.sqlite.org/wal.html>.
package final class Database {
    /// How to open the file.
    package enum Mode: Sendable {
        /// Read and write, creating the file when it does not exist.
        case readWriteCreate
        /// Read and write an existing file.
        case readWrite
        /// Read only; the file must exist.
        case readOnly
    }

    /// Page cache per connection, in KiB: big enough that bulk imports keep
    /// the hot parts of their indexes in memory instead of re-reading them.
    static let cacheKibibytes = 65_536
    /// The mapping used by read-only connections and incremental imports
    /// (a 10M-event funnel: 0.8 s instead of 1.2 s; a day into 10M events:
    /// several times faster). Mapped pages are the OS file cache, shared,
    /// not private memory, though RSS counts them.
    static let mmapBytes: Int64 = 1 << 32

    /// The path given when opening (`:memory:` for an in-memory database).
    package let path: String
    /// Whether the file did not exist before this connection opened it (this process created it).
    package let createdFile: Bool
    /// How long a write waits for another writer, in milliseconds.
    private let busyTimeout: Int32
    package static let defaultBusyTimeout: Int32 = 10_000
    private(set) var handle: OpaquePointer?
    /// Whether `close()` closes the SQLite connection (false for a borrowed one).
    private var ownsConnection = true
    private var statementCache: [String: Statement] = [:]
    /// Every statement prepared here and still alive, so `close()` can finalize them.
    private var liveStatements: [WeakStatement] = []

    /// Process-wide settings, made once before the first connection opens SQLite: no memory statistics
    /// (nothing here reads them; each allocation SQLite made took a global mutex for them).
    private static let configureSQLite: Void = { _ = csqlite_disable_memory_statistics() }()

    /// Opens (or creates) a database.
    /// - Parameters:
    ///   - path: a file path, or `:memory:`.
    ///   - busyTimeout: how long a write waits for another writer, in milliseconds.
    /// - Throws: `SQLiteError` when the file cannot be opened or is not a database.
    package init(path: String, mode: Mode = .readWriteCreate, busyTimeout: Int32 = Database.defaultBusyTimeout) throws {
        Self.configureSQLite
        self.path = path
        self.busyTimeout = busyTimeout
        createdFile = mode == .readWriteCreate && path != ":memory:" && !FileManager.default.fileExists(atPath: path)
        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        switch mode {
        case .readWriteCreate: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        case .readWrite: flags |= SQLITE_OPEN_READWRITE
        case .readOnly: flags |= SQLITE_OPEN_READONLY
        }
        var connection: OpaquePointer?
        let result = sqlite3_open_v2(path, &connection, flags, nil)
        guard result == SQLITE_OK, let connection else {
            let error = SQLiteError(connection: connection, resultCode: result)
            sqlite3_close_v2(connection)
            throw error
        }
        handle = connection
        do {
            try check(sqlite3_busy_timeout(connection, busyTimeout), connection)
            try check(sqlite3_extended_result_codes(connection, 1), connection)
            try execute("PRAGMA foreign_keys = ON")
            if mode != .readOnly && path != ":memory:" {
                // Reading the header also proves the file is a database.
                let journal = try switchToWAL(busyTimeout: busyTimeout)
                guard journal?.lowercased() == "wal" else {
                    throw SQLiteError(code: SQLITE_ERROR, message: "could not switch to WAL mode (got \(journal ?? "nothing"))")
                }
                try execute("PRAGMA synchronous = NORMAL")
                try execute("PRAGMA cache_size = -\(Self.cacheKibibytes)")
            } else {
                _ = try scalarInt("PRAGMA schema_version")
                try setMemoryMapped(true)
            }
        } catch {
            try? close()
            throw error
        }
    }

    deinit { try? close() }

    /// `PRAGMA journal_mode = WAL`, retried while another connection holds the
    /// lock it needs (two processes creating the same new file): the switch
    /// does not wait through the busy handler by itself.
    private func switchToWAL(busyTimeout: Int32) throws -> String? {
        let deadline = Date().addingTimeInterval(Double(busyTimeout) / 1000)
        while true {
            do {
                return try scalarText("PRAGMA journal_mode = WAL")
            } catch let error as SQLiteError where (error.code == SQLITE_BUSY || error.code == SQLITE_LOCKED)
                        && Date() < deadline {
                usleep(20_000)
            }
        }
    }

    /// The journal mode in use (`wal`, `delete`, ...), lowercased.
    package func journalMode() throws -> String {
        try scalarText("PRAGMA journal_mode")?.lowercased() ?? ""
    }

    /// Switches back to WAL mode after a transaction run in rollback-journal mode.
    package func restoreWAL() throws {
        let journal = try switchToWAL(busyTimeout: busyTimeout)
        guard journal?.lowercased() == "wal" else {
            throw SQLiteError(code: SQLITE_ERROR, message: "could not switch back to WAL mode (got \(journal ?? "nothing"))")
        }
    }

    /// Wraps a connection that someone else opened and will close (SQLite calling back into
    /// this code: a virtual table, a loadable extension). `close()` finalizes this wrapper's
    /// statements only.
    package init(borrowing connection: OpaquePointer, path: String = "") {
        self.path = path
        createdFile = false
        busyTimeout = Self.defaultBusyTimeout
        handle = connection
        ownsConnection = false
    }

    /// Closes the connection: finalizes its statements and, when it is the last
    /// connection to a WAL database, lets SQLite checkpoint the WAL into the
    /// database file and delete it. Later calls on the connection fail; a second
    /// `close()` does nothing. The connection is closed even when this throws.
    /// - Throws: `SQLiteError` when SQLite reports a problem while closing.
    /// See <https://www.sqlite.org/c3ref/close.html>.
    package func close() throws {
        guard let connection = handle else { return }
        handle = nil
        statementCache.removeAll()
        for statement in liveStatements { statement.value?.finalize() }
        liveStatements.removeAll()
        guard ownsConnection else { return }
        let result = sqlite3_close(connection)
        if result != SQLITE_OK {
            let error = SQLiteError(connection: connection, resultCode: result)
            sqlite3_close_v2(connection) // Never leak the connection: close once the rest is released.
            throw error
        }
    }

    /// Whether `close()` has run.
    package var isClosed: Bool { handle == nil }

    /// The version of the SQLite library in use, e.g. `3.40.1`.
    package static var sqliteVersion: String { String(cString: sqlite3_libversion()) }

    /// Runs one or more statements that return no rows.
    /// - Throws: `SQLiteError` naming the statement that failed.
    package func execute(_ sql: String) throws {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let result = sqlite3_exec(try requireHandle(), sql, nil, nil, &errorMessage)
        if result != SQLITE_OK {
            let message = errorMessage.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(result))
            sqlite3_free(errorMessage)
            throw SQLiteError(code: result, extendedCode: sqlite3_extended_errcode(handle), message: message, sql: sql)
        }
    }

    /// Compiles a statement. Use `cachedStatement` for SQL run many times.
    /// - Throws: `SQLiteError` when the SQL does not compile.
    package func prepare(_ sql: String) throws -> Statement {
        let statement = try Statement(connection: try requireHandle(), sql: sql)
        if liveStatements.count >= 64 { liveStatements.removeAll { $0.value == nil } }
        liveStatements.append(WeakStatement(value: statement))
        return statement
    }

    /// A compiled statement kept for the life of the connection, reset before reuse.
    package func cachedStatement(_ sql: String) throws -> Statement {
        if let statement = statementCache[sql] {
            try statement.reset()
            return statement
        }
        let statement = try prepare(sql)
        statementCache[sql] = statement
        return statement
    }

    /// Runs a statement with bound values and returns nothing.
    package func run(_ sql: String, _ values: SQLValue...) throws {
        let statement = try cachedStatement(sql)
        try statement.bind(values)
        try statement.run()
    }

    /// All rows of a query, each read by `read`.
    package func query<T>(_ sql: String, _ values: [SQLValue] = [], _ read: (Row) throws -> T) throws -> [T] {
        let statement = try cachedStatement(sql)
        try statement.bind(values)
        var result: [T] = []
        while let row = try statement.step() { result.append(try read(row)) }
        return result
    }

    /// The first column of the first row as an integer, or nil.
    package func scalarInt(_ sql: String, _ values: SQLValue...) throws -> Int64? {
        let statement = try cachedStatement(sql)
        try statement.bind(values)
        defer { try? statement.reset() }
        return try statement.step()?.int64OrNil(0)
    }

    /// The first column of the first row as text, or nil.
    package func scalarText(_ sql: String, _ values: SQLValue...) throws -> String? {
        let statement = try cachedStatement(sql)
        try statement.bind(values)
        defer { try? statement.reset() }
        return try statement.step()?.stringOrNil(0)
    }

    /// The rowid of the last inserted row.
    /// Makes double-quoted text always an identifier (SQLite otherwise reads `"x"` as the string 'x'
    /// when no column x exists): for SQL written by users, where that fallback hides a misspelt column.
    package func requireQuotedIdentifiers() {
        guard let handle else { return }
        _ = csqlite_db_config_int(handle, SQLITE_DBCONFIG_DQS_DML, 0)
        _ = csqlite_db_config_int(handle, SQLITE_DBCONFIG_DQS_DDL, 0)
    }

    package var lastInsertRowID: Int64 { handle.map { sqlite3_last_insert_rowid($0) } ?? 0 }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    package var changes: Int { handle.map { Int(sqlite3_changes($0)) } ?? 0 }

    /// True outside of any transaction.
    package var isAutocommit: Bool { handle.map { sqlite3_get_autocommit($0) != 0 } ?? true }

    /// Runs `body` in a `BEGIN IMMEDIATE` transaction: committed when it
    /// returns, rolled back when it throws (the error is rethrown).
    /// See <https://www.sqlite.org/lang_transaction.html>.
    package func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        return try committing(body)
    }

    /// Runs `body` in the transaction just begun: commits after it, rolls back when it throws.
    private func committing<T>(_ body: () throws -> T) throws -> T {
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            // SQLite may already have rolled back on its own (e.g. SQLITE_FULL).
            if !isAutocommit { try? execute("ROLLBACK") }
            throw error
        }
    }

    /// Runs `body` in a write transaction, like `transaction`, when no other connection is writing;
    /// when one is, runs nothing and returns nil at once (no waiting for it).
    package func transactionIfUnlocked<T>(_ body: () throws -> T) throws -> T? {
        let connection = try requireHandle()
        do {
            sqlite3_busy_timeout(connection, 0)
            defer { sqlite3_busy_timeout(connection, busyTimeout) }
            try execute("BEGIN IMMEDIATE")
        } catch SQLiteError.Code.busy {
            return nil
        }
        return try committing(body)
    }

    /// Turns memory-mapped reads on or off for this connection (outside
    /// transactions). Random reads of a large file then cost no system call;
    /// the mapped pages are the OS file cache, which RSS counts.
    /// See <https://www.sqlite.org/mmap.html>.
    package func setMemoryMapped(_ enabled: Bool) throws {
        guard path != ":memory:" else { return }
        try execute("PRAGMA mmap_size = \(enabled ? Self.mmapBytes : 0)")
    }

    /// Runs `body` in a read transaction: every query in it sees the same
    /// committed state, whatever other connections commit meanwhile.
    /// - Throws: the error of `body` (after rolling back), or the `SQLiteError`
    ///   of a failing COMMIT.
    package func readTransaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN DEFERRED")
        let result: T
        do {
            result = try body()
        } catch {
            if !isAutocommit { try? execute("ROLLBACK") }
            throw error
        }
        if !isAutocommit { try execute("COMMIT") }
        return result
    }

    /// Runs `body` inside a savepoint, which nests inside a transaction: a
    /// thrown error undoes only what `body` did.
    package func savepoint<T>(_ name: String = "analytics", _ body: () throws -> T) throws -> T {
        try execute("SAVEPOINT \"\(name)\"")
        do {
            let result = try body()
            try execute("RELEASE \"\(name)\"")
            return result
        } catch {
            if !isAutocommit {
                try? execute("ROLLBACK TO \"\(name)\"")
                try? execute("RELEASE \"\(name)\"")
            }
            throw error
        }
    }

    func requireHandle() throws -> OpaquePointer {
        guard let handle else {
            throw SQLiteError(code: SQLITE_MISUSE, message: "the database connection is closed")
        }
        return handle
    }
}

/// A statement the connection must finalize on close, without keeping it alive.
private struct WeakStatement {
    weak var value: Statement?
}
