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
