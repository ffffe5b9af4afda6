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

    /// An event role and the event types that play it.
    public struct Role: Sendable {
        public let role: String
        public let eventTypes: [String]
    }

    /// A property kept from the imported files, with its number of distinct values.
    public struct Property: Sendable {
        public let name: String
        public let distinctValues: Int64
    }

    public let path: String
    public let sqliteVersion: String
    public let engineVersion: String
    public let migrations: [AppliedMigration]
    public let tables: [Table]
    public let roles: [Role]
    public let properties: [Property]

    package init(database: Database) throws {
        path = database.path
        sqliteVersion = Database.sqliteVersion
        engineVersion = EngineVersion.current
        migrations = try Migrator().applied(in: database).map {
            AppliedMigration(version: $0.version, name: $0.name, checksum: $0.checksum,
                             appliedAt: Timestamp.iso8601($0.appliedMilliseconds))
        }
        tables = try Store.tableCounts(database).map { Table(table: $0.table, rows: $0.rows) }
        let stored = try EventRoles(database: database)
        roles = EventRole.allCases.map { Role(role: $0.rawValue, eventTypes: stored.types($0).sorted()) }
        properties = try database.query("""
            SELECT p.name, (SELECT count(*) FROM labels WHERE kind = 'property:' || p.name) FROM properties AS p ORDER BY p.name
            """) { Property(name: $0.string(0), distinctValues: $0.int64(1)) }
    }
}
