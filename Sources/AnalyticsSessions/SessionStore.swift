import Foundation
import AnalyticsCore
import AnalyticsStorage
import AnalyticsIngest

/// Keeps the derived `sessions` and `timelines` tables in step with the raw
/// events and orders: after an import only the users it touched are
/// re-sessionized; `rebuild` redoes everyone (after a timeout change).
package final class SessionStore {
    let database: Database

    /// Above this share of all users, recomputing everyone in one ordered
    /// scan (with the session indexes rebuilt once) beats per-user upkeep.
    /// Measured at 10M events: 216k touched users of 1.28M took 16 s one by
    /// one and 20 s as a filtered scan; a full recompute takes about as long
    /// as upkeep for half of the users.
    static let recomputeShare = 0.5

    /// How `update` recomputes the users it is given.
    package enum UpdateStrategy: Sendable {
        /// User by user, unless most users are touched: then everyone at once.
        case automatic
        /// Always user by user (index range reads and rewrites per user).
        case perUser
        /// Always everyone, in one ordered scan.
        case everyone
    }

    package var strategy: UpdateStrategy

    package init(database: Database, strategy: UpdateStrategy = .automatic) {
        self.database = database
        self.strategy = strategy
    }

    /// The session timeout in use, in milliseconds.
    package func timeoutMilliseconds() throws -> Int64 {
        try database.scalarText("SELECT value FROM settings WHERE key = 'session_timeout_ms'").flatMap { Int64($0) }
            ?? Sessionizer.defaultTimeoutMilliseconds
    }

    /// Re-sessionizes the given users (inside the caller's transaction).
    package func update(users: Set<Int64>) throws {
        guard !users.isEmpty else { return }
        try ensureOrderType()
        let context = try Context(store: self)
        let recompute: Bool
        switch strategy {
        case .perUser: recompute = false
        case .everyone: recompute = true
        case .automatic:
            let totalUsers = try database.scalarInt("SELECT count(*) FROM users") ?? 0
            recompute = Double(users.count) >= Double(totalUsers) * Self.recomputeShare
        }
        if recompute {
            try recomputeEveryone(context: context)
            return
        }
        try updateConcurrently(users.sorted(), context: context)
    }

    /// Users per unit of work handed to a worker.
    static let usersPerSlot = 1024

    /// This thread reads the blocks and orders of slot after slot of users (in user order, a few slots
    /// ahead), workers derive them, and this thread writes them (replacing their earlier rows).
    private func updateConcurrently(_ users: [Int64], context: Context) throws {
        struct Input: Sendable {
            let blocks: [[UInt8]?]
            let orders: [Int64: [JourneyEvent]]
        }
        @Sendable func range(_ slot: Int) -> Range<Int> { slot * Self.usersPerSlot..<min(users.count, (slot + 1) * Self.usersPerSlot) }
        let slots = (users.count + Self.usersPerSlot - 1) / Self.usersPerSlot
        try OrderedWork<[UserRows]>.pipeline(count: slots, workers: Workers.count, ahead: 2 * Workers.count) { slot in
            let slice = Array(users[range(slot)])
            return Input(blocks: try slice.map { try EventBlock.encodedBlock(of: $0, in: database) },
                         orders: try orders(of: slice, context: context))
        } work: { slot, input in
            try zip(users[range(slot)], input.blocks).map { user, block in
                var events = context.events(try block.map { try EventBlock.decode($0) } ?? []) + (input.orders[user] ?? [])
                return try Self.derive(user: user, events: &events, context: context)
            }
        } consume: { _, rows in
            try write(rows, replacingStored: true)
        }
    }

    /// Sets the timeout and recomputes every session, in one transaction.
    package func rebuild(timeoutMilliseconds: Int64? = nil) throws {
        try database.transaction {
            if let timeoutMilliseconds {
                try database.run("INSERT INTO settings (key, value) VALUES ('session_timeout_ms', ?) "
                    + "ON CONFLICT (key) DO UPDATE SET value = excluded.value", .text(String(timeoutMilliseconds)))
            }
            try ensureOrderType()
            try recomputeEveryone(context: try Context(store: self))
        }
    }

    /// Derives the users that files left pending (`DerivedDataUpkeep.finish(touched:deferring:)`),
    /// in one transaction; nothing when none wait.
    /// - Parameter waiting: whether to wait for another connection's write; without, nothing is done
    ///   while one writes (an import that may derive them itself, or leave them to the next open).
    package func derivePending(waiting: Bool = true) throws {
        guard try database.scalarInt("SELECT EXISTS (SELECT 1 FROM pending_derivation)") == 1 else { return }
        let derive = { try self.update(users: try self.takePending()) }
        if waiting { try database.transaction(derive) } else { _ = try database.transactionIfUnlocked(derive) }
    }

    /// Leaves users pending (inside the caller's transaction).
    func addPending(_ users: Set<Int64>) throws {
        let insert = try BatchedInsert(database: database, verb: "INSERT OR IGNORE", table: "pending_derivation",
                                       columns: ["user_id"])
        let sorted = users.sorted()
        try insert.insert(count: sorted.count) { row, insert, first in try insert.bind(sorted[row], at: first) }
    }

    /// The users files left pending.
    func pendingUsers() throws -> Set<Int64> {
        Set(try database.query("SELECT user_id FROM pending_derivation", []) { $0.int64(0) })
    }

    /// The pending users, no longer pending (inside the caller's transaction).
    func takePending() throws -> Set<Int64> {
        let users = try pendingUsers()
        if !users.isEmpty { try database.execute("DELETE FROM pending_derivation") }
        return users
    }

    /// Whether derived data must be computed again before use (a migration changed what it holds).
    package func needsRederive() throws -> Bool {
        try database.scalarText("SELECT value FROM settings WHERE key = 'rederive'") != nil
    }

    /// Adds event type names to roles; when any is new and events exist,
    /// recomputes every session and timeline (in one transaction).
    /// - Returns: whether the stored roles changed.
    @discardableResult
    package func add(roles: EventRoles) throws -> Bool {
        try database.transaction {
            var stored = try EventRoles(database: database)
            guard stored.merge(roles) else { return false }
            try stored.save(to: database)
            if try database.scalarInt("SELECT EXISTS (SELECT 1 FROM timelines)") == 1 {
                try ensureOrderType()
                try recomputeEveryone(context: try Context(store: self))
            }
            return true
        }
    }

    /// Orders appear in timelines with the event type `order`, which needs a label id.
    func ensureOrderType() throws {
        try database.run("INSERT INTO labels (kind, value) VALUES ('event_type', 'order') ON CONFLICT (kind, value) DO NOTHING")
    }

    /// Empties the derived tables and fills them in one scan, building the
    /// session indexes once at the end instead of row by row.
    private func recomputeEveryone(context: Context) throws {
        try database.execute("""
            DELETE FROM sessions; DELETE FROM timelines; DELETE FROM settings WHERE key = 'rederive';
            DELETE FROM pending_derivation;
            """)
        let indexes = try database.dropIndexes(["sessions_by_user", "sessions_by_start"])
        try scanAll(context: context)
        try database.createIndexes(indexes)
    }

    // MARK: Reading a user's rows

    /// What every user's sessionization needs to know about labels and settings.
    struct Context {
        let sessionizer: Sessionizer
        let orderTypeID: Int64
        let revenueStatusIDs: Set<Int64>

        init(store: SessionStore) throws {
            let names = try LabelNames(database: store.database)
            let types = names.all(kind: "event_type")
            let roles = try EventRoles(database: store.database)
            // Upkeep creates the label first (`ensureOrderType`); without it there are no timelines to write.
            orderTypeID = types["order"] ?? 0
            revenueStatusIDs = Set(names.all(kind: "status").filter { $0.key.lowercased() == "completed" }.map(\.value))
            // Event types of the `order` role are orders.
            let orderTypes = Set(roles.types(.order))
            eventTypes = IDTable(Dictionary(uniqueKeysWithValues: types.map { name, id in
                (id, (name: name, isOrder: orderTypes.contains(name)))
            }))
            // With the default channel grouping, a session without a source in any event is Direct.
            let defaultChannel = try store.database.scalarText("SELECT value FROM settings WHERE key = 'default_channel'")
            sessionizer = Sessionizer(timeoutMilliseconds: try store.timeoutMilliseconds(),
                                      pageViewTypeIDs: Set(roles.types(.pageView).compactMap { types[$0] }),
                                      defaultChannelID: defaultChannel.flatMap { names.id(kind: "channel", value: $0) })
        }

        /// Name and role of each event type, read per event.
        private let eventTypes: IDTable<(name: String, isOrder: Bool)>

        /// A stored event as sessionization sees it; `position` (its index in the user's block) breaks
        /// ties. Read in place through the pointer (a copy of the stored event per event cost more).
        func event(_ stored: UnsafePointer<StoredEvent>, position: Int) -> JourneyEvent {
            let (name, isOrder) = eventTypes[stored.pointee.eventTypeID] ?? ("", false)
            // An event of the order role is an order: its revenue counts when it has one. Made in one
            // expression: a `var` changed field by field was copied twice more per event.
            let revenue = isOrder ? stored.pointee.revenue : nil
            return JourneyEvent(timestamp: stored.pointee.timestamp, isOrder: isOrder, externalID: stored.pointee.eventID,
                                eventTypeID: stored.pointee.eventTypeID, eventTypeName: name,
                                sessionKey: stored.pointee.sessionKey, pageID: stored.pointee.pageID,
                                channelID: stored.pointee.channelID, deviceID: stored.pointee.deviceID,
                                campaignID: stored.pointee.campaignID, revenue: revenue ?? 0, countsRevenue: revenue != nil,
                                rowID: Int64(position), props: stored.pointee.props,
                                orderKey: isOrder ? stored.pointee.orderID ?? stored.pointee.eventID : nil)
        }

        /// The events of a block, with room for `extra` more (the user's orders).
        func events(_ stored: [StoredEvent], extra: Int = 0) -> [JourneyEvent] {
            var events: [JourneyEvent] = []
            events.reserveCapacity(stored.count + extra)
            stored.withUnsafeBufferPointer { stored in
                guard let base = stored.baseAddress else { return }
                for index in stored.indices { events.append(event(base + index, position: index)) }
            }
            return events
        }

        func order(_ row: Row) -> JourneyEvent {
            // Columns: user_id, rowid, ts, order_id, session_key, revenue, status_id, props
            let status = row.int64OrNil(6)
            var order = JourneyEvent(timestamp: row.int64(2), isOrder: true, externalID: row.string(3), eventTypeID: orderTypeID,
                                     eventTypeName: "order", sessionKey: row.stringOrNil(4), revenue: row.double(5),
                                     countsRevenue: status.map { revenueStatusIDs.contains($0) } ?? true, rowID: row.int64(1))
            order.orderKey = order.externalID
            order.fromOrdersFile = true
            if !row.isNull(7) { order.props = row.withBlob(7) { PropertyBytes($0) } }
            return order
        }
    }

    // The column list is covered by the (user_id, ...) index.
    private static let orderColumns = "user_id, rowid, ts, order_id, session_key, revenue, status_id, props"

    func loadEvents(of user: Int64, context: Context) throws -> [JourneyEvent] {
        context.events(try EventBlock.events(of: user, in: database)) + (try orders(of: user, context: context))
    }

    /// The orders of some users (ascending), by user: one range of the orders index.
    func orders(of users: [Int64], context: Context) throws -> [Int64: [JourneyEvent]] {
        guard let first = users.first, let last = users.last else { return [:] }
        var byUser: [Int64: [JourneyEvent]] = [:]
        let statement = try database.cachedStatement("""
            SELECT \(Self.orderColumns) FROM orders INDEXED BY orders_by_user_time WHERE user_id BETWEEN ? AND ?
            ORDER BY user_id
            """)
        try statement.bind([.integer(first), .integer(last)])
        defer { try? statement.reset() }
        // Both in user order: the wanted users are walked along with the rows (no set of them).
        var next = 0
        while let row = try statement.step() {
            let user = row.int64(0)
            while next < users.count && users[next] < user { next += 1 }
            if next < users.count && users[next] == user { byUser[user, default: []].append(context.order(row)) }
        }
        return byUser
    }

    func orders(of user: Int64, context: Context) throws -> [JourneyEvent] {
        try database.query("SELECT \(Self.orderColumns) FROM orders INDEXED BY orders_by_user_time WHERE user_id = ?",
                           [.integer(user)], context.order)
    }

    /// One pass over all event blocks and all orders in user order, merging the two.
    private func scanAll(context: Context) throws {
        let orders = try database.prepare("SELECT \(Self.orderColumns) FROM orders INDEXED BY orders_by_user_time ORDER BY user_id")
        var nextOrder = try orders.step()
        var batch: [JourneyEvent] = []
        /// Writes the users with orders only, up to `user` (excluded).
        func flushOrders(before user: Int64) throws {
            while let row = nextOrder, row.int64(0) < user {
                let orderUser = row.int64(0)
                batch.removeAll(keepingCapacity: true)
                while let row = nextOrder, row.int64(0) == orderUser {
                    batch.append(context.order(row))
                    nextOrder = try orders.step()
                }
                try write(user: orderUser, events: &batch, context: context, deleteFirst: false)
            }
        }
        try EventBlock.forEachUser(in: database) { user, stored in
            try flushOrders(before: user)
            batch = context.events(stored)
            while let row = nextOrder, row.int64(0) == user {
                batch.append(context.order(row))
                nextOrder = try orders.step()
            }
            try write(user: user, events: &batch, context: context, deleteFirst: false)
        }
        try flushOrders(before: .max)
    }

    // MARK: Writing

    func write(user: Int64, events: inout [JourneyEvent], context: Context, deleteFirst: Bool) throws {
        try write(try Self.derive(user: user, events: &events, context: context), deleteFirst: deleteFirst)
    }

    /// A user's sessions and timeline, ready to store.
    struct UserRows: Sendable {
        let user: Int64
        let sessions: [Session]
        /// The timeline (`TimelineRecord`'s format).
        let records: [UInt8]
        /// The records' property values (`TimelineProperties`); nil when no record has properties.
        let props: [UInt8]?
        /// The user's orders (`OrderRecord`); nil when it has none.
        var orders: Data? = nil
        /// How many leading sessions equal the stored ones (kept, not rewritten).
        var unchangedSessions = 0
        /// Whether the user may have stored derived rows to replace (false: a user new to the database).
        var replacesStored = true
    }

    /// Sessionizes a user's rows (sorted in place into journey order). Reads nothing from the database.
    static func derive(user: Int64, events: inout [JourneyEvent], context: Context) throws -> UserRows {
        guard !events.isEmpty else { return UserRows(user: user, sessions: [], records: [], props: nil) }
        let (sessions, sessionOfEvent) = context.sessionizer.sessionize(&events)
        // Records are packed straight from the rows, read in place.
        let (records, props) = try events.withUnsafeBufferPointer { events in
            (try TimelineRecord.encode(events, sessionOfEvent: sessionOfEvent, sessions: sessions), TimelineProperties.encode(events))
        }
        let orders = OrderRecord.orders(of: events, sessionOfEvent: sessionOfEvent)
        return UserRows(user: user, sessions: sessions, records: records,
                        props: props, orders: orders.isEmpty ? nil : OrderRecord.encode(orders))
    }

    /// Stores a user's derived rows; `deleteFirst` removes the user's earlier ones.
    func write(_ rows: UserRows, deleteFirst: Bool) throws {
        try write([rows], replacingStored: deleteFirst)
    }

    /// Stores the derived rows of many users (a bucket of them); with `replacingStored`, the earlier
    /// rows of each user that may have some (`UserRows.replacesStored`) are removed first. Sessions
    /// and timelines are inserted many rows per statement.
    func write(_ users: [UserRows], replacingStored: Bool) throws {
        // The sessions to insert (user's index, session's index) and the users with a timeline.
        var sessions: [(user: Int, session: Int)] = []
        var timelines: [Int] = []
        // Each user's rows are read in place: a copy of each (retaining its arrays) showed in profiles.
        try users.withUnsafeBufferPointer { users in
            for index in users.indices {
                let rows = users.baseAddress! + index
                let replaces = replacingStored && rows.pointee.replacesStored
                let kept = replaces ? rows.pointee.unchangedSessions : 0
                let count = rows.pointee.sessions.count
                if replaces {
                    try database.run("DELETE FROM sessions WHERE user_id = ? AND ordinal > ?",
                                     .integer(rows.pointee.user), .integer(Int64(kept)))
                    if count == 0 { try database.run("DELETE FROM timelines WHERE user_id = ?", .integer(rows.pointee.user)) }
                }
                guard count > 0 else { continue }
                for session in kept..<count { sessions.append((index, session)) }
                timelines.append(index)
            }
            guard !timelines.isEmpty else { return }
            let (insertSessions, insertTimelines) = try writeStatements()
            try insertSessions.insert(count: sessions.count) { row, insert, first in
                let rows = users.baseAddress! + sessions[row].user
                let user = rows.pointee.user
                // Read in place: a copy of each session (with its texts) showed in profiles.
                try rows.pointee.sessions.withUnsafeBufferPointer { userSessions in
                    let session = userSessions.baseAddress! + sessions[row].session
                    try insert.bind(user, at: first)
                    try insert.bind(Int64(session.pointee.ordinal), at: first + 1)
                    try insert.bind(.string(session.pointee.sessionKey), at: first + 2)
                    try insert.bind(session.pointee.start, at: first + 3)
                    try insert.bind(session.pointee.end, at: first + 4)
                    try insert.bind(Int64(session.pointee.events), at: first + 5)
                    try insert.bind(Int64(session.pointee.pageViews), at: first + 6)
                    try insert.bind(Int64(session.pointee.orders), at: first + 7)
                    try insert.bind(Int64(session.pointee.revenueOrders), at: first + 8)
                    try insert.bind(session.pointee.revenue, at: first + 9)
                    try insert.bind(.int(session.pointee.channelID), at: first + 10)
                    try insert.bind(.int(session.pointee.deviceID), at: first + 11)
                    try insert.bind(.int(session.pointee.campaignID), at: first + 12)
                    try insert.bind(.int(session.pointee.landingPageID), at: first + 13)
                    if session.pointee.props.isEmpty {
                        try insert.bindNull(at: first + 14)
                    } else {
                        try session.pointee.props.withUnsafeBytes { try insert.bindBlob($0, at: first + 14) }
                    }
                }
            }
            // The blobs are copied as they are bound: a batch's rows are written after their binding.
            try insertTimelines.insert(count: timelines.count) { row, insert, first in
                let rows = users.baseAddress! + timelines[row]
                try insert.bind(rows.pointee.user, at: first)
                try rows.pointee.records.withUnsafeBytes { try insert.bindBlob($0, at: first + 1) }
                if let props = rows.pointee.props {
                    try props.withUnsafeBytes { try insert.bindBlob($0, at: first + 2) }
                } else {
                    try insert.bindNull(at: first + 2)
                }
                if let orders = rows.pointee.orders {
                    try insert.bind(orders, at: first + 3)
                } else {
                    try insert.bindNull(at: first + 3)
                }
            }
        }
    }

    /// The inserts `write` runs for every user, prepared once (looking them up by their text
    /// took 4% of the writing thread).
    private var statements: (insertSessions: BatchedInsert, insertTimelines: BatchedInsert)?

    private func writeStatements() throws -> (insertSessions: BatchedInsert, insertTimelines: BatchedInsert) {
        if let statements { return statements }
        let made = (insertSessions: try BatchedInsert(database: database, table: "sessions", columns: [
            "user_id", "ordinal", "session_key", "start_ts", "end_ts", "events", "page_views", "orders",
            "revenue_orders", "revenue", "channel_id", "device_id", "campaign_id", "landing_page_id", "props"]),
                    insertTimelines: try BatchedInsert(database: database, verb: "INSERT OR REPLACE", table: "timelines",
                                                       columns: ["user_id", "records", "props", "orders"]))
        statements = made
        return made
    }
}
