@_exported import AnalyticsCore
@_exported import AnalyticsIngest
@_exported import AnalyticsQueries
@_exported import AnalyticsReports
@_exported import AnalyticsStorage
import AnalyticsSessions
import Foundation

/// One analytics database and everything a program does with it: import
/// files, then ask for funnels, touchpoint KPIs, sessions, journeys and reports.
///
/// This is the embedding API: the command-line tool is written against it
/// alone. A workspace owns one connection; `close()` (or releasing the
/// workspace) checkpoints the write-ahead log into the database file, so the
/// file alone holds the data afterwards. Not `Sendable`: use one per task.
public final class Workspace {
    let database: Database

    /// The database file's path.
    public var path: String { database.path }

    private init(database: Database) {
        self.database = database
    }

    /// Opens the database at `path` and applies pending migrations; with
    /// `create`, a missing file is created (importing), else it is an error (querying).
    /// - Throws: `StoreError` when the file is missing or cannot be opened,
    ///   `Migrator.Failure` for a database this binary cannot use, `SQLiteError` otherwise.
    public static func open(path: String, create: Bool = true) throws -> Workspace {
        let database = try Store.open(path: path, create: create)
        try rederiveIfNeeded(database)
        return Workspace(database: database)
    }

    /// Derives every session and timeline again when a migration asked for it
    /// (its derived data gained a field), once, in one transaction; and the users files left pending.
    private static func rederiveIfNeeded(_ database: Database) throws {
        let sessions = SessionStore(database: database)
        if try sessions.needsRederive() { try sessions.rebuild() }
        // A command killed between an orders file and its events file left users pending. Never waiting
        // for a writer: a query must not wait for an import (nor make one wait long), and the import
        // running may be the very command that derives them.
        try sessions.derivePending(waiting: false)
    }

    /// Creates the database or brings its schema up to date.
    /// - Returns: `version name` of each migration applied now (empty when up to date).
    public static func migrate(path: String) throws -> [String] {
        let database = try Store.open(path: path, migrate: false)
        defer { try? database.close() }
        let applied = try Migrator().migrate(database).map { "\($0.version) \($0.name)" }
        try rederiveIfNeeded(database)
        try database.close()
        return applied
    }

    /// Closes the connection; the write-ahead log is checkpointed and removed.
    /// - Throws: `SQLiteError` when SQLite reports a problem while closing.
    public func close() throws { try database.close() }

    deinit { try? database.close() }

    // MARK: Import

    /// Imports CSV files (folders expand to their `*.csv` and `*.csv.gz`
    /// files in name order), each in one transaction, keeping sessions and
    /// timelines current. Orders files that name their users are imported
    /// first (`Importer.importPlan`); the summary keeps the order given.
    /// - Parameters:
    ///   - sessionTimeout: a new session timeout in milliseconds; sessions are
    ///     rebuilt with it first when it differs from the current one.
    ///   - progress: called a few times a second while a file is read.
    /// - Throws: `WorkspaceError.noFiles` when the paths hold no CSV files;
    ///   `SQLiteError` for database failures. Bad files and rows are reported
    ///   in the summary, not thrown.
    public func importFiles(_ paths: [String], options: ImportOptions = ImportOptions(),
                            sessionTimeout: Int64? = nil,
                            progress: ((ImportProgress) -> Void)? = nil,
                            afterEachFile: (() -> Void)? = nil) throws -> ImportSummary {
        let files = Importer.expand(paths)
        if files.isEmpty { throw WorkspaceError.noFiles(paths) }
        let sessions = SessionStore(database: database)
        if let sessionTimeout, try sessions.timeoutMilliseconds() != sessionTimeout {
            try sessions.rebuild(timeoutMilliseconds: sessionTimeout)
        }
        // Roles apply to everything stored: new names re-derive sessions and timelines.
        try sessions.add(roles: EventRoles(names: options.mapping.roles))
        let importer = Importer.maintainingSessions(database: database, options: options)
        importer.progress = progress
        // Results are listed in the order given, whatever order the files are imported in.
        var results = [ImportResult?](repeating: nil, count: files.count)
        // Only into a database this command created: other processes opening it meanwhile wait for its
        // first files anyway (docs/ingest.md) or find users pending that this command derives; into an
        // existing one, which readers read while it is written, every file leaves its sessions current.
        let defers = database.createdFile
        let plan = importer.importPlan(files)
        importer.hashAhead(plan.map { files[$0.index] })
        defer { importer.stopHashing() }
        for step in plan {
            results[step.index] = try importer.importFile(files[step.index],
                                                          deferDerivation: defers && step.defersDerivation)
            afterEachFile?()
        }
        // Users an orders file left for an events file that did not derive them (it failed, or
        // repeated an earlier import).
        try sessions.derivePending()
        return ImportSummary(results: results.compactMap { $0 })
    }

    /// The imports ledger as a table.
    public func imports(format: OutputFormat) throws -> ResultTable {
        ImportLedger.table(try ImportLedger.entries(database), format: format)
    }

    /// Rejected rows, of one import or of all, as a table.
    public func rejects(importID: Int64? = nil, limit: Int? = nil, format: OutputFormat) throws -> ResultTable {
        ImportLedger.table(try ImportLedger.rejects(database, importID: importID, limit: limit), format: format)
    }

    // MARK: Queries

    /// A funnel: reach, drop-off and timing per stage, overall and per breakdown group.
    public func funnel(_ query: FunnelQuery) throws -> FunnelReport {
        try FunnelEngine.run(database, query)
    }

    /// The names a query uses that no stored row has (event types, pages, touchpoint and
    /// property values): a journey's stages, event types with where they were named
    /// (`("--start", "add_to_kart")`), and `--where` conditions.
    public func unknownNames(journey: JourneyDefinition? = nil, events: [(context: String, name: String)] = [],
                             filters: [FieldFilter] = []) throws -> [UnknownName] {
        let check = try NameCheck(database: database)
        return (journey.map(check.journey) ?? []) + events.flatMap { check.eventTypes([$0.name], context: $0.context) }
            + check.filters(filters)
    }

    /// When the orders placed in `range` are in more than one currency: a warning listing each
    /// currency's orders and revenue (amount columns add them without conversion); nil otherwise.
    public func mixedCurrencyWarning(_ range: TimeRange) throws -> String? {
        let totals = try CurrencyTotal.totals(database, range)
        guard totals.count > 1 else { return nil }
        let list = totals.map { total in
            "\(total.code ?? "no currency") \(Format.decimal(total.revenue, places: 2)) over \(Format.grouped(Int64(total.orders))) orders"
        }
        return "the orders are in \(totals.count) currencies (\(list.joined(separator: "; "))): revenue columns add "
            + "them without conversion; compare amounts within one currency (analytics report lists them apart)."
    }

    /// The most common paths after (or before) an anchor event, and their step-to-step edges.
    /// - Throws: `UnknownField` for a `--where` field the database does not know.
    public func paths(_ query: PathQuery) throws -> PathReport {
        try PathEngine.run(database, query)
    }

    /// Retention cohorts: users by calendar period of entry, and how many returned in each later period.
    /// - Throws: `UnknownField` for a breakdown or `--where` field the database does not know.
    public func retention(_ query: RetentionQuery) throws -> RetentionReport {
        try RetentionEngine.run(database, query)
    }

    /// Orders and revenue credited to touchpoint values; `models` computes several side by side.
    /// - Throws: `UnknownField` for a property the database does not know.
    public func attribution(_ query: AttributionQuery, models: [AttributionModel]? = nil) throws -> AttributionReport {
        try AttributionEngine.run(database, query, models: models)
    }

    /// Runs one read-only SQL query over the database (its tables and the `journey_*` views) on a
    /// connection opened read-only, with `PRAGMA query_only` and an authorizer that refuses anything
    /// but reading (ATTACH, PRAGMA settings, writes).
    /// - Parameter parameters: values for `:name`, `@name` or `$name` (numbers bound as numbers).
    /// - Throws: `SQLRefused` for SQL that does not compile (with its position) or would write.
    public func sql(_ text: String, parameters: [String: String] = [:]) throws -> SQLResult {
        try ReadOnlySQL.run(path: database.path, sql: text, parameters: parameters) { connection in
            JourneyEventsTable.register(on: connection)
            JourneyFunctions.register(on: connection)
        }
    }

    /// Touchpoint KPIs per value of a dimension (a touchpoint or a property), over
    /// sessions starting in `range` whose values pass every filter.
    /// - Throws: `UnknownField` for a field the database does not know.
    public func touchpoints(by dimension: TouchpointDimension, range: TimeRange = .all,
                            filters: [FieldFilter] = []) throws -> TouchpointReport {
        try TouchpointReport.compute(database, by: dimension, range: range, filters: filters)
    }

    /// Stored sessions in start order as a table; `filters` keep the sessions
    /// whose touchpoint, landing page or property values pass.
    /// - Throws: `UnknownField` for a field the database does not know.
    public func sessions(user: String? = nil, range: TimeRange = .all, limit: Int? = nil,
                         filters: [FieldFilter] = []) throws -> ResultTable {
        let store = SessionStore(database: database)
        guard !filters.isEmpty else { return SessionStore.Listed.table(try store.list(user: user, range: range, limit: limit)) }
        let filter = try SessionFilter(filters, catalog: try FieldCatalog(database: database),
                                       names: try LabelNames(database: database))
        let kept = try store.list(user: user, range: range).filter {
            let session = $0.session
            return filter.passes(channel: session.channelID, device: session.deviceID, campaign: session.campaignID,
                                 landingPage: session.landingPageID, pairs: PropertyCodec.decode(session.props))
        }
        return SessionStore.Listed.table(Array(kept.prefix(limit ?? .max)))
    }

    /// One user's whole journey; `filters` list only the events meeting every
    /// condition (each event's own type, page, touchpoint values and properties),
    /// the sessions stay as they are.
    /// - Throws: `WorkspaceError.unknownUser` when no such user was imported;
    ///   `UnknownField` for a field the database does not know.
    public func journey(of user: String, filters: [FieldFilter] = []) throws -> UserJourneyReport {
        guard let journey = try SessionStore(database: database).journey(of: user) else {
            throw WorkspaceError.unknownUser(user)
        }
        guard !filters.isEmpty else { return UserJourneyReport(journey) }
        let filter = try EventFilter(filters, catalog: try FieldCatalog(database: database), names: journey.names)
        let kept = journey.events.indices.filter { filter.passes(journey.events[$0]) }
        return UserJourneyReport(journey.keeping(kept))
    }

    /// Recomputes every session and timeline, optionally with a new timeout.
    /// - Returns: the number of sessions and the timeout in force, in milliseconds.
    public func rebuildSessions(timeout: Int64? = nil) throws -> (sessions: Int64, timeoutMilliseconds: Int64) {
        let store = SessionStore(database: database)
        try store.rebuild(timeoutMilliseconds: timeout)
        return (try store.count(), try store.timeoutMilliseconds())
    }

    // MARK: Reports

    /// The stage-conversion report.
    public func report(_ options: ConversionReport.Options) throws -> ConversionReport {
        try ConversionReport.build(database, options: options)
    }

    /// Where the database is, what built it and what it holds.
    public func info() throws -> DatabaseInfo {
        try DatabaseInfo(database: database)
    }
}

/// What a workspace call refuses, with what to do instead.
public enum WorkspaceError: Error, Equatable, CustomStringConvertible {
    /// The paths name no `*.csv` or `*.csv.gz` file.
    case noFiles([String])
    /// No user with this external id was imported.
    case unknownUser(String)

    public var description: String {
        switch self {
        case .noFiles(let paths):
            return "no *.csv or *.csv.gz files found in \(paths.joined(separator: ", "))"
        case .unknownUser(let user):
            return "no user '\(user)' in the database; see `analytics sessions` for user ids"
        }
    }
}
