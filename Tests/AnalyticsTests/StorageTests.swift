import CSQLite
import Foundation
import Testing
@testable import Analytics
@testable import AnalyticsCore
@testable import AnalyticsIngest
@testable import AnalyticsQueries
@testable import AnalyticsReports
@testable import AnalyticsSessions
@testable import AnalyticsStorage
@testable import CSVScanner

@Suite("Storage")
struct StorageTests {
    @Test("binds and reads every type, NULL and Unicode", arguments: DatabaseKind.allCases)
    func roundTrip(kind: DatabaseKind) throws {
        let directory = TemporaryDirectory()
        let database = try kind.open(in: directory)
        try database.execute("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n)")
        let insert = try database.prepare("INSERT INTO t VALUES (?, ?, ?, ?, ?)")
        let unicode = "Grüße, 東京 🚀 \"quoted\" ' \u{0}x"
        try insert.bind([.integer(Int64.max), .real(-1.5e-300), .text(unicode), .blob(Data([0, 1, 255])), .null])
        try insert.run()
        // Reuse with a reset and new bindings; empty text and blob stay non-NULL.
        try insert.reset()
        try insert.bind([.integer(Int64.min), .real(0), .text(""), .blob(Data()), .null])
        try insert.run()

        let rows = try database.query("SELECT i, r, s, b, n, typeof(s), typeof(b) FROM t ORDER BY rowid") { row in
            (row.int64(0), row.double(1), row.string(2), row.data(3), row.isNull(4), row.string(5), row.string(6))
        }
        #expect(rows.count == 2)
        #expect(rows[0].0 == Int64.max)
        #expect(rows[0].1 == -1.5e-300)
        #expect(rows[0].2 == unicode)
        #expect(rows[0].3 == Data([0, 1, 255]))
        #expect(rows[0].4)
        #expect(rows[1].0 == Int64.min)
        #expect(rows[1].2 == "")
        #expect(rows[1].5 == "text")
        #expect(rows[1].6 == "blob")
        #expect(try database.scalarText("SELECT n FROM t") == nil)
    }

    @Test("opens WAL files with foreign keys on")
    func pragmas() throws {
        let directory = TemporaryDirectory()
        let database = try Database(path: directory.path("wal.sqlite"))
        #expect(try database.scalarText("PRAGMA journal_mode") == "wal")
        #expect(try database.scalarInt("PRAGMA foreign_keys") == 1)
    }

    @Test("errors carry codes, message and SQL")
    func errorDetails() throws {
        let database = try Database(path: ":memory:")
        let error = #expect(throws: SQLiteError.self) { try database.execute("SELEC 1") }
        #expect(error?.code == SQLITE_ERROR)
        #expect(error?.message.contains("syntax error") == true)
        #expect(error?.sql == "SELEC 1")
        let prepareError = #expect(throws: SQLiteError.self) { _ = try database.prepare("SELECT * FROM missing") }
        #expect(prepareError?.message.contains("no such table: missing") == true)
    }

    @Test("constraint violations surface as typed errors", arguments: DatabaseKind.allCases)
    func constraint(kind: DatabaseKind) throws {
        let directory = TemporaryDirectory()
        let database = try kind.open(in: directory)
        try database.execute("CREATE TABLE u (k TEXT PRIMARY KEY)")
        try database.run("INSERT INTO u VALUES (?)", "a")
        let error = #expect(throws: SQLiteError.self) { try database.run("INSERT INTO u VALUES (?)", "a") }
        #expect(error?.code == SQLITE_CONSTRAINT)
        #expect(error?.extendedCode == 1555) // SQLITE_CONSTRAINT_PRIMARYKEY: a macro Swift cannot import
        var matched = false
        do { try database.run("INSERT INTO u VALUES (?)", "a") } catch SQLiteError.Code.constraint { matched = true }
        #expect(matched)
    }

    @Test("a thrown error rolls the transaction back", arguments: DatabaseKind.allCases)
    func rollback(kind: DatabaseKind) throws {
        struct Boom: Error {}
        let directory = TemporaryDirectory()
        let database = try kind.open(in: directory)
        try database.execute("CREATE TABLE t (x INTEGER)")
        #expect(throws: Boom.self) {
            try database.transaction {
                try database.run("INSERT INTO t VALUES (1)")
                throw Boom()
            }
        }
        #expect(try database.scalarInt("SELECT count(*) FROM t") == 0)
        #expect(database.isAutocommit)
        try database.transaction { try database.run("INSERT INTO t VALUES (2)") }
        #expect(try database.scalarInt("SELECT count(*) FROM t") == 1)
    }

    @Test("a savepoint undoes only its own work")
    func savepoint() throws {
        struct Boom: Error {}
        let database = try Database(path: ":memory:")
        try database.execute("CREATE TABLE t (x INTEGER)")
        try database.transaction {
            try database.run("INSERT INTO t VALUES (1)")
            try? database.savepoint {
                try database.run("INSERT INTO t VALUES (2)")
                throw Boom()
            }
            try database.savepoint { try database.run("INSERT INTO t VALUES (3)") }
        }
        #expect(try database.query("SELECT x FROM t ORDER BY x") { $0.int(0) } == [1, 3])
    }

    @Test("a closed connection reports misuse instead of crashing")
    func closed() throws {
        let database = try Database(path: ":memory:")
        try database.close()
        #expect(throws: SQLiteError.self) { try database.execute("SELECT 1") }
    }

    @Test("a file that is not a database is refused clearly")
    func notADatabase() throws {
        let directory = TemporaryDirectory()
        let path = try directory.write("junk.sqlite", String(repeating: "not a database ", count: 100))
        let error = #expect(throws: StoreError.self) { _ = try Store.open(path: path) }
        #expect(error?.description.contains("not a") == true)
    }
}

@Suite("Storage: connection lifetime")
struct ConnectionLifetimeTests {
    /// Open file descriptors of this process on files under `folder` (other
    /// tests run in parallel, so only this test's own files are counted).
    static func openFiles(under folder: String) -> Int {
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        return descriptors.filter { descriptor in
            let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(descriptor)")
            return target?.hasPrefix(folder) == true
        }.count
    }

    static func walSize(_ path: String) -> Int64? {
        (try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? NSNumber)?.int64Value
    }

    @Test("1,000 connections opened, used and closed leave no file handle and no WAL behind")
    func thousandConnections() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("many.sqlite")
        try Store.open(path: path).close()
        #expect(Self.openFiles(under: directory.url.path) == 0)
        for round in 0..<1000 {
            let database = try Database(path: path)
            if round % 100 == 0 {
                try database.execute("CREATE TABLE IF NOT EXISTS t (x INTEGER)")
                try database.run("INSERT INTO t VALUES (?)", .integer(Int64(round)))
            }
            // A cached statement and a prepared one: neither may keep the connection open.
            _ = try database.scalarInt("SELECT count(*) FROM sqlite_schema")
            let statement = try database.prepare("SELECT 1")
            _ = try statement.step()
            #expect(Self.openFiles(under: directory.url.path) >= 1)
            try database.close()
            #expect(Self.openFiles(under: directory.url.path) == 0, "round \(round)")
        }
        #expect(Self.walSize(path) ?? 0 == 0)
        let database = try Database(path: path, mode: .readOnly)
        #expect(try database.scalarInt("SELECT count(*) FROM t") == 10)
    }

    @Test("releasing a connection closes it, even with statements still cached")
    func releaseCloses() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("released.sqlite")
        do {
            let database = try Store.open(path: path)
            try database.run("INSERT INTO settings (key, value) VALUES ('k', 'v')")
            #expect((Self.walSize(path) ?? 0) > 0)
        }
        #expect(Self.walSize(path) == nil)
    }

    @Test("a statement used after its connection closed fails with misuse instead of crashing")
    func statementOutlivesConnection() throws {
        let database = try Database(path: ":memory:")
        let statement = try database.prepare("SELECT 1")
        try database.close()
        #expect(database.isClosed)
        let error = #expect(throws: SQLiteError.self) { try statement.step() }
        #expect(error?.codeName == "SQLITE_MISUSE")
        try database.close() // A second close does nothing.
    }

    @Test("prepare takes exactly one statement; comments and spaces may follow")
    func oneStatementPerPrepare() throws {
        let database = try Database(path: ":memory:")
        let error = #expect(throws: SQLiteError.self) { _ = try database.prepare("SELECT 1; SELECT 2") }
        #expect(error?.message.contains("more than one statement") == true)
        #expect(error?.sql == "SELECT 1; SELECT 2")
        let statement = try database.prepare("SELECT 1; -- done\n  ")
        #expect(try statement.step()?.int(0) == 1)
        #expect(throws: SQLiteError.self) { _ = try database.prepare("  -- nothing\n") }
    }

    @Test("errors name their primary and extended codes")
    func codeNames() throws {
        let database = try Database(path: ":memory:")
        try database.execute("CREATE TABLE t (x INTEGER UNIQUE)")
        try database.run("INSERT INTO t VALUES (1)")
        let error = #expect(throws: SQLiteError.self) { try database.run("INSERT INTO t VALUES (1)") }
        #expect(error?.codeName == "SQLITE_CONSTRAINT")
        #expect(error?.extendedCodeName == "SQLITE_CONSTRAINT_UNIQUE")
        #expect(error?.description.hasPrefix("SQLite error SQLITE_CONSTRAINT_UNIQUE (2067): UNIQUE constraint failed") == true)
    }

    @Test("a read transaction rolls back and rethrows when its body throws, and commits otherwise")
    func readTransaction() throws {
        struct Boom: Error {}
        let database = try Database(path: ":memory:")
        #expect(throws: Boom.self) { try database.readTransaction { _ = try database.scalarInt("SELECT 1"); throw Boom() } }
        #expect(database.isAutocommit)
        #expect(try database.readTransaction { try database.scalarInt("SELECT 2") } == 2)
        #expect(database.isAutocommit)
    }
}
