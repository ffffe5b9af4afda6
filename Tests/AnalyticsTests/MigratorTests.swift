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

@Suite("Migrator")
struct MigratorTests {
    let first = Migration(version: 1, name: "one", sql: "CREATE TABLE a (x INTEGER);")
    let second = Migration(version: 2, name: "two", sql: "CREATE TABLE b (y INTEGER);")

    @Test("the embedded migrations match the files in Migrations/")
    func embeddedMatchFiles() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appending(path: "Migrations")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }.sorted()
        let fromFiles = try files.compactMap {
            Migration(fileName: $0, sql: try String(contentsOf: folder.appending(path: $0), encoding: .utf8))
        }
        #expect(!fromFiles.isEmpty)
        #expect(fromFiles == Migration.embedded)
        #expect(Migration.embedded.map(\.version) == Array(1...Migration.embedded.count))
    }

    @Test("a fresh database gets every migration, and a re-run is a no-op")
    func fresh() throws {
        let directory = TemporaryDirectory()
        let database = try Database(path: directory.path("m.sqlite"))
        let applied = try Migrator().migrate(database)
        #expect(applied == Migration.embedded)
        let records = try Migrator().applied(in: database)
        #expect(records.map(\.version) == Migration.embedded.map(\.version))
        #expect(records.map(\.checksum) == Migration.embedded.map(\.checksum))
        #expect(try Migrator().migrate(database).isEmpty)
        #expect(try Migrator().applied(in: database) == records)
        #expect(try database.scalarInt("SELECT count(*) FROM sqlite_schema WHERE name = 'event_blocks'") == 1)
        // Migration 4 moved events into blocks and dropped the table.
        #expect(try database.scalarInt("SELECT count(*) FROM sqlite_schema WHERE name = 'events'") == 0)
    }

    @Test("pending migrations apply in order on top of older ones")
    func incremental() throws {
        let database = try Database(path: ":memory:")
        #expect(try Migrator(migrations: [first]).migrate(database) == [first])
        #expect(try Migrator(migrations: [second, first]).migrate(database) == [second])
    }

    @Test("migration 8 rebuilds the imports ledger for event details, keeping every import and reject")
    func ledgerRebuilt() throws {
        let database = try Database(path: ":memory:")
        let embedded = Migration.embedded
        _ = try Migrator(migrations: embedded.filter { $0.version < 8 }).migrate(database)
        try database.run("""
            INSERT INTO imports (id, path, size_bytes, sha256, kind, status, rows_read, rows_rejected, started_ms, options_key)
            VALUES (7, 'a.csv', 10, 'x', 'events', 'completed', 2, 1, 0, 'k')
            """)
        try database.run("INSERT INTO rejects (import_id, line, reason, raw) VALUES (7, 3, 'bad', 'raw')")
        #expect(try Migrator(migrations: embedded.filter { $0.version <= 8 }).migrate(database).map(\.version) == [8])
        #expect(try database.scalarInt("SELECT count(*) FROM rejects WHERE import_id = 7 AND line = 3") == 1)
        #expect(try database.scalarInt("SELECT count(*) FROM imports WHERE id = 7 AND options_key = 'k' AND rows_rejected = 1") == 1)
        try database.run("""
            INSERT INTO imports (path, size_bytes, sha256, kind, status, started_ms) VALUES ('d.csv', 1, 'y', 'event-details', 'completed', 0)
            """)
        // The rejects still belong to the ledger: deleting an import deletes its rejects.
        try database.run("DELETE FROM imports WHERE id = 7")
        #expect(try database.scalarInt("SELECT count(*) FROM rejects") == 0)
    }

    @Test("migration 12 makes users' external ids unique by an index of their own, keeping every user and identity")
    func usersRebuilt() throws {
        let database = try Database(path: ":memory:")
        let embedded = Migration.embedded
        _ = try Migrator(migrations: embedded.filter { $0.version < 12 }).migrate(database)
        try database.execute("INSERT INTO users (id, external_id) VALUES (3, 'u3'), (9, 'anon-9'), (12, 'u12')")
        try database.execute("INSERT INTO identities (anonymous_id, user_id) VALUES ('anon-9', 12)")
        #expect(try Migrator(migrations: embedded.filter { $0.version <= 12 }).migrate(database).map(\.version) == [12])
        #expect(try database.query("SELECT id, external_id FROM users ORDER BY id") { "\($0.int64(0)) \($0.string(1))" }
            == ["3 u3", "9 anon-9", "12 u12"])
        #expect(try database.scalarInt("SELECT user_id FROM identities WHERE anonymous_id = 'anon-9'") == 12)
        // Still unique, and an identity still needs its user.
        #expect(throws: SQLiteError.self) { try database.execute("INSERT INTO users (id, external_id) VALUES (20, 'u3')") }
        #expect(throws: SQLiteError.self) { try database.execute("INSERT INTO identities VALUES ('anon-1', 99)") }
        #expect(try database.scalarText("SELECT sql FROM sqlite_schema WHERE name = 'users_by_external_id'")?.contains("UNIQUE") == true)
        // The views that read users work.
        #expect(try database.scalarInt("SELECT count(*) FROM journey_sessions") == 0)
    }

    @Test("an edited migration is refused")
    func edited() throws {
        let database = try Database(path: ":memory:")
        try Migrator(migrations: [first]).migrate(database)
        let edited = Migration(version: 1, name: "one", sql: "CREATE TABLE a (x INTEGER, z TEXT);")
        #expect(throws: Migrator.Failure.edited(version: 1, name: "one")) {
            try Migrator(migrations: [edited]).migrate(database)
        }
    }

    @Test("a database newer than the binary is refused")
    func newer() throws {
        let database = try Database(path: ":memory:")
        try Migrator(migrations: [first, second]).migrate(database)
        let error = #expect(throws: Migrator.Failure.newerThanBinary(databaseVersion: 2, binaryVersion: 1)) {
            try Migrator(migrations: [first]).migrate(database)
        }
        #expect(error?.description.contains("newer analytics binary") == true)
    }

    @Test("a failing migration leaves the database at the previous version")
    func failing() throws {
        let database = try Database(path: ":memory:")
        let broken = Migration(version: 2, name: "broken", sql: "CREATE TABLE c (z INTEGER); INSERT INTO nowhere VALUES (1);")
        #expect(throws: SQLiteError.self) { try Migrator(migrations: [first, broken]).migrate(database) }
        #expect(try Migrator().applied(in: database).map(\.version) == [1])
        #expect(try database.scalarInt("SELECT count(*) FROM sqlite_schema WHERE name = 'c'") == 0)
    }

    @Test("file names parse into version and name")
    func fileNames() {
        let migration = Migration(fileName: "0012_add_things.sql", sql: "")
        #expect(migration?.version == 12)
        #expect(migration?.name == "add_things")
        #expect(Migration(fileName: "notes.txt", sql: "") == nil)
        #expect(Migration(fileName: "abc_x.sql", sql: "") == nil)
    }
}
