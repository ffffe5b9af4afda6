import AnalyticsCore
import Foundation

/// Reading and writing the `event_blocks` table: one row per user, its events as one `EventBlock`.
extension EventBlock {
    /// A user's stored events in time order; empty when none.
    package static func events(of user: Int64, in database: Database) throws -> [StoredEvent] {
        try withBlock(of: user, in: database) { try decode($0) } ?? []
    }

    /// A user's stored block as encoded (`decode` reads it); nil when none.
    package static func encodedBlock(of user: Int64, in database: Database) throws -> [UInt8]? {
        try withBlock(of: user, in: database) { Array($0) }
    }

    private static func withBlock<T>(of user: Int64, in database: Database,
                                     _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T? {
        let statement = try database.cachedStatement("SELECT events FROM event_blocks WHERE user_id = ?")
        try statement.bind([.integer(user)])
        defer { try? statement.reset() }
        return try statement.step().map { row in try row.withBlob(0, body) }
    }

    /// Stores a user's events (which must be in time order), replacing what was stored; none deletes the row.
    package static func write(_ events: [StoredEvent], of user: Int64, in database: Database) throws {
        guard !events.isEmpty else {
            return try database.run("DELETE FROM event_blocks WHERE user_id = ?", .integer(user))
        }
        try write(encoded: encode(events), of: user, in: database)
    }

    /// Stores a user's block as encoded by `encode`, replacing what was stored.
    package static func write(encoded block: [UInt8], of user: Int64, in database: Database) throws {
        try write(encoded: block, of: user, with: try database.cachedStatement(writeSQL))
    }

    /// The statement that `write(encoded:of:with:)` runs.
    package static let writeSQL = "INSERT OR REPLACE INTO event_blocks (user_id, events) VALUES (?, ?)"

    /// An insert that stores many users' encoded blocks, several per statement.
    package static func batchedWrite(in database: Database) throws -> BatchedInsert {
        try BatchedInsert(database: database, verb: "INSERT OR REPLACE", table: "event_blocks", columns: ["user_id", "events"])
    }

    /// Stores a user's encoded block with a statement of `writeSQL` prepared once (many users in a row).
    package static func write(encoded block: [UInt8], of user: Int64, with statement: Statement) throws {
        try statement.bind(user, at: 1)
        try block.withUnsafeBytes {
            try statement.bindBlobBorrowed($0, at: 2)
            try statement.run()
        }
    }

    /// Calls `body` with every user's events, users ascending.
    package static func forEachUser(in database: Database, _ body: (Int64, [StoredEvent]) throws -> Void) throws {
        let statement = try database.prepare("SELECT user_id, events FROM event_blocks ORDER BY user_id")
        while let row = try statement.step() {
            try body(row.int64(0), try row.withBlob(1) { try decode($0) })
        }
    }
}

extension EventBlock {
    /// Moves the rows of the `events` table (schema 1-3) into blocks and drops it: the data step of migration 4.
    static func moveLegacyEvents(_ database: Database) throws {
        let rows = try database.prepare("""
            SELECT user_id, ts, event_type_id, import_id, session_key, page_id, channel_id, device_id, campaign_id,
                   revenue, event_id, order_id, props
            FROM events ORDER BY user_id, ts, id
            """)
        var user: Int64 = -1
        var events: [StoredEvent] = []
        while let row = try rows.step() {
            if row.int64(0) != user {
                if !events.isEmpty { try write(events, of: user, in: database) }
                user = row.int64(0)
                events.removeAll(keepingCapacity: true)
            }
            events.append(StoredEvent(timestamp: row.int64(1), eventTypeID: row.int64(2), importID: row.int64(3),
                                      sessionKey: row.stringOrNil(4), pageID: row.int64OrNil(5),
                                      channelID: row.int64OrNil(6), deviceID: row.int64OrNil(7),
                                      campaignID: row.int64OrNil(8), revenue: row.doubleOrNil(9),
                                      eventID: row.stringOrNil(10), orderID: row.stringOrNil(11),
                                      props: row.isNull(12) ? [] : row.withBlob(12) { PropertyBytes($0) }))
        }
        if !events.isEmpty { try write(events, of: user, in: database) }
        try database.execute("DROP TABLE events")
    }
}

extension EventBlock {
    /// How many events are stored (the count at the head of every block).
    package static func eventCount(in database: Database) throws -> Int64 {
        let statement = try database.prepare("SELECT events FROM event_blocks")
        var total: Int64 = 0
        while let row = try statement.step() {
            total += try row.withBlob(0) { bytes in
                var offset = 1
                guard bytes.first == format, let count = PropertyCodec.readVarint(bytes, &offset) else {
                    throw Damaged(reason: "no event count")
                }
                return Int64(count)
            }
        }
        return total
    }

    /// Creates `temp.events`, the stored events as rows in the layout of the table blocks replaced
    /// (`id` numbers the rows user by user in block order), for plain-SQL cross-checks.
    package static func createEventsView(in database: Database) throws {
        try database.execute("""
            DROP TABLE IF EXISTS temp.events;
            CREATE TEMP TABLE events (
                id INTEGER PRIMARY KEY, import_id INTEGER NOT NULL, user_id INTEGER NOT NULL, ts INTEGER NOT NULL,
                event_type_id INTEGER NOT NULL, session_key TEXT, page_id INTEGER, channel_id INTEGER, device_id INTEGER,
                campaign_id INTEGER, revenue REAL, event_id TEXT, props BLOB, order_id TEXT)
            """)
        let insert = try database.prepare("""
            INSERT INTO temp.events (import_id, user_id, ts, event_type_id, session_key, page_id, channel_id, device_id,
                                     campaign_id, revenue, event_id, props, order_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        try forEachUser(in: database) { user, events in
            for event in events {
                try insert.bind([.integer(event.importID), .integer(user), .integer(event.timestamp),
                                 .integer(event.eventTypeID), .string(event.sessionKey), .int(event.pageID),
                                 .int(event.channelID), .int(event.deviceID), .int(event.campaignID),
                                 .double(event.revenue), .string(event.eventID),
                                 event.props.isEmpty ? .null : .blob(Data(event.props.array)), .string(event.orderID)])
                try insert.run()
            }
        }
    }
}
