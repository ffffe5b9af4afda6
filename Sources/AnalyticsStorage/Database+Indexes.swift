import AnalyticsCore

extension Database {
    /// An index's name and the SQL that creates it, as stored in the schema.
    package struct IndexDefinition: Sendable, Equatable {
        package let name: String
        package let sql: String
    }

    /// Drops indexes (inside the caller's transaction) and returns their
    /// definitions, so a bulk load can fill the table first and build the
    /// indexes once afterwards, which is several times faster.
    package func dropIndexes(_ names: [String]) throws -> [IndexDefinition] {
        var definitions: [IndexDefinition] = []
        for name in names {
            guard let sql = try scalarText("SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?", .text(name))
            else { continue }
            try execute("DROP INDEX \"\(name)\"")
            definitions.append(IndexDefinition(name: name, sql: sql))
        }
        return definitions
    }

    /// Creates indexes from their definitions.
    package func createIndexes(_ definitions: [IndexDefinition]) throws {
        guard !definitions.isEmpty else { return }
        // SQLite sorts an index's entries in memory up to the page cache's size before it merges
        // runs from temporary files: sorting in smaller runs keeps the build's memory well below
        // the cache's (measured at 10M events: +80 MB at the peak with the full cache, for no gain).
        try execute("PRAGMA cache_size = -\(Self.indexBuildKibibytes)")
        // Those runs are sorted and merged on helper threads as well as this one, each with its own
        // run in memory: 2 MiB runs on two threads built the 10M import's users' and sessions' indexes
        // in 0.56 + 0.78 s with 13 MB (sqlite3 shell), 8 MiB runs on one thread in 0.95 + 1.16 s with 21 MB.
        try execute("PRAGMA threads = \(Workers.count)")
        defer {
            try? execute("PRAGMA threads = 0")
            try? execute("PRAGMA cache_size = -\(Self.cacheKibibytes)")
        }
        for definition in definitions { try execute(definition.sql) }
    }

    /// The page cache while indexes are built, in KiB.
    static let indexBuildKibibytes = 2048
}
