import AnalyticsSessions
import Foundation

/// ClickHouse: the export of events, orders and sessions, and the funnel and touchpoint
/// queries as ClickHouse SQL over those tables (docs/scale-out.md).
extension Workspace {
    /// The SQL dialects queries can be emitted in.
    public enum SQLDialect: String, CaseIterable, Sendable {
        case clickhouse
    }

    /// Writes the events (with properties), orders and sessions as gzip TSV files and `load.sql`
    /// into `directory`; with `since`, only the users touched by imports after that import id,
    /// whole, and a `load.sql` that replaces their rows.
    /// - Throws: `ClickHouseExportFailure` for a file that cannot be written, `SQLiteError`.
    public func exportClickHouse(to directory: String, since: Int64? = nil) throws -> ClickHouseExportSummary {
        try ClickHouseExport.write(database, to: directory, since: since)
    }

    /// The funnel as one ClickHouse SELECT returning `stage`, `name`, `reached` per stage.
    /// - Throws: `UnknownField` for a `--where` field the database does not know.
    public func funnelSQL(_ query: FunnelQuery, dialect: SQLDialect = .clickhouse) throws -> String {
        try ClickHouseFunnelSQL.select(query, roles: try EventRoles(database: database),
                                       catalog: try FieldCatalog(database: database))
    }

    /// The touchpoint KPI table as one ClickHouse SELECT.
    /// - Throws: `UnknownField` for a field the database does not know, or `event_type`.
    public func touchpointsSQL(by dimension: TouchpointDimension, range: TimeRange = .all, filters: [FieldFilter] = [],
                               dialect: SQLDialect = .clickhouse) throws -> String {
        try ClickHouseTouchpointSQL.select(by: dimension, range: range, filters: filters,
                                           catalog: try FieldCatalog(database: database))
    }
}
