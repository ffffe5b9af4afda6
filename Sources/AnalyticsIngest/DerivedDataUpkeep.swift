import AnalyticsStorage

/// Keeps data derived from events (sessions, timelines) current while the
/// importer stores a file, inside the file's transaction. Implemented by the
/// sessions layer; the importer hands it each user's events as it writes
/// them, so they are not read back.
package protocol DerivedDataUpkeep: AnyObject {
    /// Before a file's events are stored.
    /// - Parameter newEvents: how many events the file brings (an upper bound: before duplicates).
    func willStore(newEvents: Int) throws
    /// A user's events changed; `events` are all of them now, in time order.
    func stored(user: Int64, events: [StoredEvent]) throws
    /// After the file: re-derives the users whose events or orders changed
    /// otherwise (orders files, `--force` replacements), and finishes.
    func finish(touched: Set<Int64>) throws
}
