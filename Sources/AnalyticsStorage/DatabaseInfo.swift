import Foundation
import AnalyticsCore

/// What `analytics info` shows: where the database is, what built it, what it holds.
public struct DatabaseInfo: Sendable {
    public struct Table: Sendable {
        public let table: String
        public let rows: Int64
    }

    public struct AppliedMigration: Sendable {
        public let version: Int
        public let name: String
        public let checksum: String
        public let appliedAt: String
    }

    public let path: String
    public let sqliteVersion: String
    public let engineVersion: String
    public let migrations: [AppliedMigration]
    public let tables: [Table]

    package init(database: Database) throws {
        path = database.path
        sqliteVersion = Database.sqliteVersion
        engineVersion = EngineVersion.current
        migrations = try Migrator().applied(in: database).map {
            AppliedMigration(version: $0.version, name: $0.name, checksum: $0.checksum,
                             appliedAt: Timestamp.iso8601($0.appliedMilliseconds))
        }
        tables = try Store.tableCounts(database).map { Table(table: $0.table, rows: $0.rows) }
    }
}
