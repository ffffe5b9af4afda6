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
    /// Starts the derivation of a bucket of users (ascending): reads what it needs from the
    /// database, before any derives. A worker then derives each user into it (`DerivedRows.derive`).
    func prefetch(users: [Int64]) throws -> any DerivedRows
    /// Stores the rows of a bucket's users, replacing their earlier ones (on the importer's thread).
    func write(_ rows: any DerivedRows) throws
    /// After the file: re-derives the users whose events or orders changed otherwise (orders
    /// files, `--force` replacements), and those a file before left pending; finishes.
    /// - Parameter deferring: instead, leave `touched` pending (stored, in the file's transaction)
    ///   for the next file of the command, which derives them with its own users; whatever ends
    ///   the command first, they are derived before the database is next used (`derivePending`).
    func finish(touched: Set<Int64>, deferring: Bool) throws
}

/// The derived rows of a bucket of users, ready to write: made by `DerivedDataUpkeep.prefetch` with
/// what the derivation reads from the database, filled user by user on a worker, written at once.
/// One bucket is one value (a cast and a write call per bucket, not per user).
package protocol DerivedRows: Sendable {
    /// Derives a user's rows from all of the user's events (in time order); reads nothing from the
    /// database, so it may run on any thread. `previous` are the user's events before this file,
    /// from which the stored rows were derived. Users come in ascending order.
    mutating func derive(user: Int64, events: [StoredEvent], previous: [StoredEvent]) throws
}
