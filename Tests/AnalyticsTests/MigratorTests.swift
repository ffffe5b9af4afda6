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
