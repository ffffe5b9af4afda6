import AnalyticsIngest
import AnalyticsStorage

extension Importer {
    /// An importer that, inside each file's transaction, re-sessionizes the
    /// users the file touched (sessions and funnel timelines stay current).
    package static func maintainingSessions(database: Database, options: ImportOptions,
                                            strategy: SessionStore.UpdateStrategy = .automatic) -> Importer {
        let importer = Importer(database: database, options: options)
        importer.upkeep = SessionUpkeep(store: SessionStore(database: database, strategy: strategy))
        return importer
    }
}

/// Session and timeline upkeep for one importer: each user's sessions are
/// derived from the events the importer has just written, without reading them back.
final class SessionUpkeep: DerivedDataUpkeep, @unchecked Sendable {
    // @unchecked: `derive` reads only state set before it runs (the context), on any thread.
    let store: SessionStore
    private var context: SessionStore.Context?
    /// Whether derived rows may exist for a user (else there is nothing to delete first).
    private var hadDerived = true
    /// Whether any orders are stored (else there are none to read per user).
    private var hasOrders = true
    private var droppedIndexes: [Database.IndexDefinition] = []
    /// The default channel when the file's transaction began.
    private var defaultChannelBefore: String?
    /// Whether a user's stored sessions are what the current settings derive from the user's
    /// stored events and orders (not when none are stored, or this file changed a setting they
    /// depend on), so that those the file does not change can stay.
    private var keepsUnchangedSessions = false
    /// Users an earlier file left pending (read before the file's rows are stored; read-only while
    /// workers derive), and those of them this file derived with its events.
    private var pending: Set<Int64> = []
    private var derivedPending: Set<Int64> = []

    init(store: SessionStore) { self.store = store }

    func beginFile() throws {
        context = nil
        droppedIndexes = []
        pending = []
        derivedPending = []
        defaultChannelBefore = try Self.defaultChannel(store.database)
    }

    private static func defaultChannel(_ database: Database) throws -> String? {
        try database.scalarText("SELECT value FROM settings WHERE key = 'default_channel'")
    }

    func willStore(newEvents: Int) throws {
        let database = store.database
        try store.ensureOrderType()
        // After the file's rows were read: its new labels and roles are known.
        context = try SessionStore.Context(store: store)
        hadDerived = try database.scalarInt("SELECT EXISTS (SELECT 1 FROM timelines)") == 1
        // A file that brings the default channel grouping changes what sessions without a channel get.
        keepsUnchangedSessions = try hadDerived && Self.defaultChannel(database) == defaultChannelBefore
        hasOrders = try database.scalarInt("SELECT EXISTS (SELECT 1 FROM orders)") == 1
        pending = try store.pendingUsers()
        // About one session per four events: when the file brings sessions on the order of those
        // stored, building the start-time index once beats inserting into it session by session.
        let storedSessions = try database.scalarInt("SELECT count(*) FROM sessions") ?? 0
        if Int64(newEvents) >= storedSessions {
            droppedIndexes = try database.dropIndexes(["sessions_by_start"])
        }
    }

    /// The sessions and timelines of a bucket of users the file brings events for, derived on a worker.
    struct BucketRows: DerivedRows {
        let context: SessionStore.Context
        /// The bucket's users' stored orders, by user.
        let orders: [Int64: [JourneyEvent]]
        /// Whether the sessions stored before the file's events may be kept where unchanged.
        let keepsUnchangedSessions: Bool
        let pending: Set<Int64>
        var users: [SessionStore.UserRows] = []

        mutating func derive(user: Int64, events: [StoredEvent], previous: [StoredEvent]) throws {
            let userOrders = orders[user]
            var journey = context.events(events, extra: userOrders?.count ?? 0)
            if let userOrders { journey += userOrders }
            var rows = try SessionStore.derive(user: user, events: &journey, context: context)
            // Derived rows exist for the users that had events or orders: only theirs need deleting first.
            rows.replacesStored = !previous.isEmpty || userOrders != nil
            if keepsUnchangedSessions && !previous.isEmpty && !pending.contains(user) {
                // The stored sessions were derived from the previous events and the same orders (unless
                // the user's derivation was left pending, after an orders file): those
                // before the first one the file changes stay as they are (usually all but the last).
                var before = context.events(previous) + (userOrders ?? [])
                let stored = context.sessionizer.sessionize(&before).sessions
                rows.unchangedSessions = zip(stored, rows.sessions).prefix { $0 == $1 }.count
            }
            users.append(rows)
        }
    }

    func prefetch(users: [Int64]) throws -> any DerivedRows {
        guard let context else { preconditionFailure("prefetch before willStore") }
        let orders = hasOrders && !users.isEmpty ? try store.orders(of: users, context: context) : [:]
        return BucketRows(context: context, orders: orders, keepsUnchangedSessions: keepsUnchangedSessions, pending: pending)
    }

    func write(_ rows: any DerivedRows) throws {
        guard let rows = rows as? BucketRows else { preconditionFailure("rows of another upkeep") }
        try store.write(rows.users, replacingStored: hadDerived)
        guard !pending.isEmpty else { return }
        for index in rows.users.indices where pending.contains(rows.users[index].user) {
            derivedPending.insert(rows.users[index].user)
        }
    }

    func finish(touched: Set<Int64>, deferring: Bool) throws {
        if !droppedIndexes.isEmpty {
            try store.database.createIndexes(droppedIndexes)
            droppedIndexes = []
        }
        context = nil
        var touched = touched
        // A file that brings the default channel grouping gives sessions without a channel one (Direct):
        // also those of users it does not touch (users with orders only, from an earlier file).
        if try Self.defaultChannel(store.database) != defaultChannelBefore {
            touched.formUnion(try store.database.query("SELECT DISTINCT user_id FROM sessions WHERE channel_id IS NULL", []) {
                $0.int64(0)
            })
        }
        if deferring { return try store.addPending(touched) }
        // Users a file before left pending, but those this file derived with its events.
        touched.formUnion(try store.takePending().subtracting(derivedPending))
        pending = []
        derivedPending = []
        try store.update(users: touched)
    }
}
