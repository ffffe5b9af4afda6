import AnalyticsStorage

extension DatabaseInfo {
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
            ("roles", .array(roles.map {
                .object([("role", .string($0.role)), ("event_types", .array($0.eventTypes.map { .string($0) }))])
            })),
            ("properties", .array(properties.map {
                .object([("name", .string($0.name)), ("distinct_values", .integer($0.distinctValues))])
            })),
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
        let roleTable = ResultTable(
            columns: ["role", "event_types"],
            rows: roles.map { [.text($0.role), .text($0.eventTypes.joined(separator: ", "))] })
        let propertyTable = ResultTable(
            columns: ["property", "distinct_values"],
            rows: properties.map { [.text($0.name), .integer($0.distinctValues)] })
        let heading = format == .markdown ? "## " : ""
        return summary.render(format) + "\n\(heading)Migrations\n\n" + migrationTable.render(format)
            + "\n\(heading)Tables\n\n" + countTable.render(format)
            + "\n\(heading)Event roles\n\n" + roleTable.render(format)
            + "\n\(heading)Properties\n\n" + (properties.isEmpty ? "(none)\n" : propertyTable.render(format))
    }
}
