import Foundation

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

    public init(database: Database) throws {
        path = database.path
        sqliteVersion = Database.sqliteVersion
        engineVersion = EngineVersion.current
        migrations = try Migrator().applied(in: database).map {
            AppliedMigration(version: $0.version, name: $0.name, checksum: $0.checksum,
                             appliedAt: Timestamp.iso8601($0.appliedMilliseconds))
        }
        tables = try Store.tableCounts(database).map { Table(table: $0.table, rows: $0.rows) }
    }

    /// The JSON document: path, versions, migrations and tables, in that order.
    public var json: JSONValue {
        .object([
            ("path", .string(path)),
            ("sqlite_version", .string(sqliteVersion)),
            ("engine_version", .string(engineVersion)),
            ("migrations", .array(migrations.map {
                .object([("version", .integer(Int64($0.version))), ("name", .string($0.name)),
                         ("checksum", .string($0.checksum)), ("applied_at", .string($0.appliedAt))])
            })),
            ("tables", .array(tables.map { .object([("table", .string($0.table)), ("rows", .integer($0.rows))]) })),
        ])
    }

    /// Renders as text sections, CSV/Markdown tables, or one JSON document.
    public func render(_ format: OutputFormat) -> String {
        if format == .json { return json.rendered() }
        let migrationTable = ResultTable(
            columns: ["version", "name", "applied_at", "checksum"],
            rows: migrations.map { [.integer(Int64($0.version)), .text($0.name), .text($0.appliedAt), .text($0.checksum)] })
        let countTable = ResultTable(
            columns: ["table", "rows"],
            rows: tables.map { [.text($0.table), .integer($0.rows)] })
        let summary = ResultTable(
            columns: ["key", "value"],
            rows: [[.text("path"), .text(path)], [.text("sqlite_version"), .text(sqliteVersion)],
                   [.text("engine_version"), .text(engineVersion)]])
        if format == .csv {
            // One CSV per section would be ambiguous; CSV gives the row counts, the tabular part.
            return countTable.render(.csv)
        }
        let heading = format == .markdown ? "## " : ""
        return summary.render(format) + "\n\(heading)Migrations\n\n" + migrationTable.render(format)
            + "\n\(heading)Tables\n\n" + countTable.render(format)
    }
}

/// The engine's version, printed by `--version` and recorded in reports.
public enum EngineVersion {
    public static let current = "0.1.0"
}
