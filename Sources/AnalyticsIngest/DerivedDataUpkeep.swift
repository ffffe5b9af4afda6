import AnalyticsStorage

/// Keeps data derived from events (sessions, timelines) current while the
/// importer stores a file, inside the file's transaction. Implemented by the
/// sessions layer; the importer hands it each user's events as it writes
/// them, so they are not read back.
package protocol DerivedDataUpkeep: AnyObject, Sendable {
    /// At the start of each file's transaction, before anything of the file is read or written
    /// (a file that failed before leaves nothing behind, in the database or here).
    func beginFile() throws
    /// Before a file's events are stored.
    /// - Parameter newEvents: how many events the file brings (an upper bound: before duplicates).
    func willStore(newEvents: Int) throws
    /// Reads what `derive` needs from the database for these users (ascending), before any derives.
    func prefetch(users: [Int64]) throws -> any DerivedInputs
    /// A user's derived rows from all of the user's events (in time order) and what `prefetch`
    /// read; reads nothing from the database, so it may run on any thread. `previous` are the
    /// user's events before this file, from which the stored rows were derived.
    func derive(user: Int64, events: [StoredEvent], previous: [StoredEvent], inputs: any DerivedInputs) throws
        -> any DerivedRows
    /// Stores rows that `derive` made, replacing the user's earlier ones (on the importer's thread).
    func write(_ rows: any DerivedRows) throws
    /// After the file: re-derives the users whose events or orders changed otherwise (orders
    /// files, `--force` replacements), and those a file before left pending; finishes.
    /// - Parameter deferring: instead, leave `touched` pending (stored, in the file's transaction)
    ///   for the next file of the command, which derives them with its own users; whatever ends
    ///   the command first, they are derived before the database is next used (`derivePending`).
    func finish(touched: Set<Int64>, deferring: Bool) throws
}

/// What `DerivedDataUpkeep.derive` computes for one user, ready to write.
package protocol DerivedRows: Sendable {}

/// What `DerivedDataUpkeep.prefetch` read for the users of a file.
package protocol DerivedInputs: Sendable {}
