import Foundation

/// Opens the analytics database at a path and brings its schema up to date.
package enum Store {
    /// Opens or creates the database and applies pending migrations.
    /// - Throws: `StoreError` with a message that says what to do, for paths
    ///   that cannot be opened; `Migrator.Failure` for incompatible databases.
    package static func open(path: String, migrate: Bool = true, create: Bool = true) throws -> Database {
        if !create, path != ":memory:", !FileManager.default.fileExists(atPath: path) {
            throw StoreError.noDatabase(path: path)
        }
        let database: Database
        do {
            database = try Database(path: path)
        } catch let error as SQLiteError {
            throw StoreError.cannotOpen(path: path, reason: error.message)
        }
        if migrate {
            do {
                try Migrator().migrate(database)
            } catch SQLiteError.Code.notADatabase {
                throw StoreError.cannotOpen(path: path, reason: "the file is not a SQLite database")
            }
        }
        return database
    }

    /// Row counts of every user table, by name, and the number of stored events as `events`.
    package static func tableCounts(_ database: Database) throws -> [(table: String, rows: Int64)] {
        let names = try database.query(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        ) { $0.string(0) }
        var counts = try names.map { name in
            (table: name, rows: try database.scalarInt("SELECT count(*) FROM \"\(name)\"") ?? 0)
        }
        // Events are stored per user (`event_blocks`, one row per user); `events` counts the events themselves.
        if names.contains("event_blocks") {
            counts.append((table: "events", rows: try EventBlock.eventCount(in: database)))
            counts.sort { $0.table < $1.table }
        }
        return counts
    }
}

/// Problems opening the database file.
public enum StoreError: Error, CustomStringConvertible, Equatable {
    case cannotOpen(path: String, reason: String)
    /// A query command named a database file that does not exist.
    case noDatabase(path: String)

    public var description: String {
        switch self {
        case let .noDatabase(path):
            return "no database at \(path); import files first (analytics import FILE --db \(path)), "
                + "or check --db and $ANALYTICS_DB"
        case let .cannotOpen(path, reason):
            return "cannot open the database '\(path)': \(reason). "
                + "Check that the folder exists and is writable, or choose another file with --db PATH."
        }
    }
}
