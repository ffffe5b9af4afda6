import Foundation
import AnalyticsCore

/// Brings a database's schema up to date with the migrations this binary knows.
///
/// Each pending migration runs in its own transaction and is recorded in
/// `schema_migrations` with its checksum and the time it was applied.
public struct Migrator: Sendable {
    /// A migration already applied to a database.
    package struct Applied: Sendable, Equatable {
        package let version: Int
        package let name: String
        package let checksum: String
        /// When it was applied, in milliseconds since the Unix epoch (UTC).
        package let appliedMilliseconds: Int64
    }

    /// Why a database cannot be used with this binary.
    public enum Failure: Error, CustomStringConvertible, Equatable {
        /// An applied migration's SQL differs from the file this binary has.
        case edited(version: Int, name: String)
        /// The database has migrations this binary does not know.
        case newerThanBinary(databaseVersion: Int, binaryVersion: Int)

        public var description: String {
            switch self {
            case let .edited(version, name):
                return "migration \(version) (\(name)) was changed after it was applied to this database; "
                    + "restore the original file, or start from a new database"
            case let .newerThanBinary(databaseVersion, binaryVersion):
                return "the database is at schema version \(databaseVersion), but this analytics binary knows "
                    + "only up to \(binaryVersion); use a newer analytics binary"
            }
        }
    }

    package let migrations: [Migration]

    /// - Parameter migrations: the known migrations; by default those compiled in.
    package init(migrations: [Migration] = Migration.embedded) {
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    /// The migrations recorded in a database, oldest first.
    package func applied(in database: Database) throws -> [Applied] {
        try createLedger(in: database)
        return try database.query(
            "SELECT version, name, checksum, applied_ms FROM schema_migrations ORDER BY version"
        ) { row in
            Applied(version: row.int(0), name: row.string(1), checksum: row.string(2), appliedMilliseconds: row.int64(3))
        }
    }

    /// Applies every pending migration, in order, each in its own transaction.
    /// - Returns: the migrations applied now (empty when already up to date).
    /// - Throws: `Migrator.Failure` for an edited or newer database, or the
    ///   `SQLiteError` of a failing migration (which leaves the database at the
    ///   previous version).
    @discardableResult
    package func migrate(_ database: Database) throws -> [Migration] {
        let done = try verify(database)
        var appliedNow: [Migration] = []
        for migration in migrations where !done.contains(migration.version) {
            let applied = try database.transaction { () -> Bool in
                // Another process may have applied it while this one waited for the write lock.
                guard try database.scalarInt("SELECT 1 FROM schema_migrations WHERE version = ?",
                                             .integer(Int64(migration.version))) == nil else { return false }
                try database.execute(migration.sql)
                try Self.dataSteps[migration.name]?(database)
                try database.run(
                    "INSERT INTO schema_migrations (version, name, checksum, applied_ms) VALUES (?, ?, ?, ?)",
                    .integer(Int64(migration.version)), .text(migration.name), .text(migration.checksum),
                    .integer(Clock.nowMilliseconds())
                )
                return true
            }
            if applied { appliedNow.append(migration) }
        }
        return appliedNow
    }

    /// Checks the applied migrations against the known ones.
    /// - Returns: the versions already applied.
    package func verify(_ database: Database) throws -> Set<Int> {
        let applied = try applied(in: database)
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        for record in applied {
            guard let migration = known[record.version] else {
                throw Failure.newerThanBinary(databaseVersion: applied.map(\.version).max() ?? record.version,
                                              binaryVersion: migrations.last?.version ?? 0)
            }
            if migration.checksum != record.checksum {
                throw Failure.edited(version: record.version, name: record.name)
            }
        }
        return Set(applied.map(\.version))
    }

    /// Work a migration's SQL cannot express (re-encoding stored rows), by migration
    /// name; it runs right after the SQL, in the same transaction.
    static let dataSteps: [String: @Sendable (Database) throws -> Void] = [
        "event_blocks": EventBlock.moveLegacyEvents,
    ]

    private func createLedger(in database: Database) throws {
        try database.execute("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version    INTEGER PRIMARY KEY,
                name       TEXT NOT NULL,
                checksum   TEXT NOT NULL,
                applied_ms INTEGER NOT NULL
            )
            """)
    }
}
