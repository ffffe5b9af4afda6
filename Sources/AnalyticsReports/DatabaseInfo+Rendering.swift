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

    /// The parts of `analytics info`, each one table (`--section`).
    public enum Section: String, CaseIterable, Sendable {
        case summary, migrations, tables, roles, properties
    }

    /// One section as a table, with the same columns in every format (CSV per RFC 4180).
    public func table(_ section: Section) -> ResultTable {
        switch section {
        case .summary:
            return ResultTable(columns: ["key", "value"],
                               rows: [[.text("path"), .text(path)], [.text("sqlite_version"), .text(sqliteVersion)],
                                      [.text("engine_version"), .text(engineVersion)]])
        case .migrations:
            return ResultTable(columns: ["version", "name", "applied_at", "checksum"],
                               rows: migrations.map { [.integer(Int64($0.version)), .text($0.name), .text($0.appliedAt), .text($0.checksum)] })
        case .tables:
            return ResultTable(columns: ["table", "rows"], rows: tables.map { [.text($0.table), .integer($0.rows)] })
        case .roles:
            return ResultTable(columns: ["role", "event_types"],
                               rows: roles.map { [.text($0.role), .text($0.eventTypes.joined(separator: ", "))] })
        case .properties:
            return ResultTable(columns: ["property", "distinct_values"],
                               rows: properties.map { [.text($0.name), .integer($0.distinctValues)] })
        }
    }

    /// Renders one section in any format, or with `section` nil every section: text sections, one JSON
    /// document, and for CSV the row counts (one CSV stream holds one table; `--section` gives the others).
    public func render(_ format: OutputFormat, section: Section?) -> String {
        guard let section else { return render(format) }
        if format == .json {
            let object = json
            guard case .object(let fields) = object else { return object.rendered() }
            let key = section == .summary ? nil : section.rawValue
            guard let key, let value = fields.first(where: { $0.0 == key })?.1 else {
                return JSONValue.object(fields.filter { ["path", "sqlite_version", "engine_version"].contains($0.0) }).rendered()
            }
            return value.rendered()
        }
        return table(section).render(format)
    }

    /// Renders as text sections, CSV/Markdown tables, or one JSON document.
    public func render(_ format: OutputFormat) -> String {
        if format == .json { return json.rendered() }
        // One CSV stream holds one table: the row counts, the tabular part (`--section` gives the others).
        if format == .csv { return table(.tables).render(.csv) }
        let heading = format == .markdown ? "## " : ""
        return table(.summary).render(format) + "\n\(heading)Migrations\n\n" + table(.migrations).render(format)
            + "\n\(heading)Tables\n\n" + table(.tables).render(format)
            + "\n\(heading)Event roles\n\n" + table(.roles).render(format)
            + "\n\(heading)Properties\n\n" + (properties.isEmpty ? "(none)\n" : table(.properties).render(format))
    }
}
