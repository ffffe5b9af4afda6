import Foundation
import AnalyticsCore
import AnalyticsStorage
import CSVScanner

/// The row-by-row work of importing one file inside its transaction: parse,
/// reject or store, count. Events go in multi-row INSERTs that skip known
/// `event_id`s; orders are inserted or updated by `order_id`.
struct FileLoad {
    /// Thrown when the reject limit is passed; the transaction rolls back.
    struct Abort: Error {
        let rowsRead: Int
        let rowsRejected: Int
        /// Every row was rejected (rather than more than the limit).
        var everyRow = false
    }

    let database: Database
    let importID: Int64
    let layout: HeaderLayout
    let options: ImportOptions
    let labels: LabelStore
    private let parser: RowParser

    private(set) var rowsRead = 0
    private(set) var rowsImported = 0
    private(set) var rowsDuplicate = 0
    private(set) var rowsUpdated = 0
    private(set) var rowsRejected = 0
    private(set) var touchedUsers = Set<Int64>()
    /// `read` and `store` times (`ImportResult.phases`).
    private(set) var phases: [ImportPhase] = []
    private var lastTouched: Int64 = -1
    /// The texts of the row being read.
    private var arena = TextArena()
    /// The file's events, grouped by user on the way in and stored after the last row.
    private var spill = EventSpill()

    /// The import this load replaces (`--force`): orders that a later import wrote keep their state.
    private let replacing: Int64?
    /// Re-derives each user's sessions as their events are stored; without it, they are `touchedUsers`.
    private let upkeep: DerivedDataUpkeep?

    init(database: Database, importID: Int64, layout: HeaderLayout, options: ImportOptions, labels: LabelStore,
         replacing: Int64? = nil, upkeep: DerivedDataUpkeep? = nil) throws {
        self.replacing = replacing
        self.upkeep = upkeep
        self.database = database
        self.importID = importID
        self.layout = layout
        self.options = options
        self.labels = labels
        parser = RowParser(layout: layout, timestamps: TimestampParser(assumedZone: options.assumedZone),
                           propertyIDs: try labels.activateProperties(layout.properties.map(\.name) + layout.derivedProperties))
        if layout.groupsChannels {
            // Sessions without a source in any event are Direct (see ChannelGrouping).
            try database.run("INSERT INTO settings (key, value) VALUES ('default_channel', ?) ON CONFLICT (key) DO NOTHING",
                             .text(ChannelGrouping.direct))
            try database.run("INSERT INTO labels (kind, value) VALUES ('channel', ?) ON CONFLICT (kind, value) DO NOTHING",
                             .text(ChannelGrouping.direct))
        }
    }

    /// Reads every record; `total` is the file's size in bytes (for progress).
    mutating func run(reader: CSVReader, source: ByteSource, path: String, total: Int64,
                      progress: ((ImportProgress) -> Void)?, onReject: (Int, String, String) -> Void) throws {
        let started = Date()
        let rejectStatement = try database.prepare("INSERT INTO rejects (import_id, line, reason, raw) VALUES (?, ?, ?, ?)")
        while try reader.next() {
            rowsRead += 1
            if rowsRead & 0x3FFF == 0, let progress {
                progress(ImportProgress(path: path, bytesDone: source.bytesConsumed, bytesTotal: total, rows: rowsRead,
                                        seconds: Date().timeIntervalSince(started)))
            }
            var reason = parser.checkShape(reader)
            if reason == nil {
                do {
                    switch layout.kind {
                    case .events:
                        arena.reset()
                        try add(try parser.event(reader, labels: labels, arena: &arena))
                    case .orders: try store(try parser.order(reader, labels: labels))
                    }
                } catch let problem as RejectReason {
                    reason = problem
                }
            }
            if let reason {
                rowsRejected += 1
                // The first rejects of a file are recorded with their text; the rest are counted.
                if rowsRejected <= Self.rejectsKept {
                    let raw = String(decoding: reader.rawText, as: UTF8.self)
                    try rejectStatement.bind([.integer(importID), .integer(Int64(reader.line)), .text(reason.description),
                                              .text(raw)])
                    try rejectStatement.run()
                    onReject(reader.line, reason.description, raw)
                }
                if case .count(let limit) = options.errorLimit, rowsRejected > limit {
                    throw Abort(rowsRead: rowsRead, rowsRejected: rowsRejected)
                }
            }
        }
        try labels.saveUsers()
        // The file must be as it was when it was hashed: one that grows or shrinks while it is
        // read would be recorded under a checksum that is not its content.
        if source.bytesConsumed != total {
            throw IngestError.unreadable(path: path, reason: "the file changed while it was read (\(total) bytes when "
                + "the import started, \(source.bytesConsumed) read); import it again once it is complete")
        }
        phases.append(ImportPhase(name: "read", seconds: Date().timeIntervalSince(started)))
        if spill.count > 0 {
            let storeStarted = Date()
            defer { phases.append(ImportPhase(name: "store", seconds: Date().timeIntervalSince(storeStarted))) }
            progress?(ImportProgress(step: .storing, path: path, bytesDone: source.bytesConsumed, bytesTotal: total,
                                     rows: rowsRead, seconds: Date().timeIntervalSince(started)))
            try storeEvents()
        }
        progress?(ImportProgress(path: path, bytesDone: source.bytesConsumed, bytesTotal: total, rows: rowsRead,
                                 seconds: Date().timeIntervalSince(started)))
    }

    @inline(__always)
    private mutating func touch(_ user: Int64) {
        if user != lastTouched {
            touchedUsers.insert(user)
            lastTouched = user
        }
    }

    // MARK: Events

    /// How many rejected rows of one file are recorded (line, reason, text); the rest are counted.
    static let rejectsKept = 10_000

    private mutating func add(_ record: EventRecord) throws {
        func text(_ value: ArenaText?) -> String? {
            guard let value else { return nil }
            return arena.bytes.withUnsafeBufferPointer {
                String(decoding: UnsafeBufferPointer(rebasing: $0[Int(value.start)..<Int(value.start + value.count)]), as: UTF8.self)
            }
        }
        let props = record.props.map { Array(arena.bytes[Int($0.start)..<Int($0.start + $0.count)]) } ?? []
        try spill.add(user: record.userID, StoredEvent(
            timestamp: record.timestamp, eventTypeID: record.eventTypeID, importID: importID,
            sessionKey: text(record.sessionKey), pageID: record.pageID, channelID: record.channelID,
            deviceID: record.deviceID, campaignID: record.campaignID, revenue: record.revenue,
            eventID: text(record.eventID), orderID: text(record.orderID), props: props))
    }

    /// Merges the file's events into each user's stored block, user by user in id order, and
    /// derives each user's sessions from the result. An event whose `event_id` the user already
    /// has (stored, or earlier in the file) is a duplicate.
    private mutating func storeEvents() throws {
        defer { spill.close() }
        let hasStoredEvents = try database.scalarInt("SELECT EXISTS (SELECT 1 FROM event_blocks)") == 1
        try upkeep?.willStore(newEvents: spill.count)
        if !hasStoredEvents, let upkeep, upkeep.derivesConcurrently {
            return try storeConcurrently(upkeep)
        }
        try spill.forEachUser { user, incoming in
            let stored = hasStoredEvents ? try EventBlock.events(of: user, in: database) : []
            let (events, duplicates) = Self.merge(stored: stored, incoming: incoming)
            rowsDuplicate += duplicates
            guard events.count > stored.count else { return }
            rowsImported += events.count - stored.count
            try EventBlock.write(events, of: user, in: database)
            if let upkeep {
                try upkeep.write(try upkeep.derive(user: user, events: events))
                touchedUsers.remove(user)
            } else {
                touch(user)
            }
        }
    }

    /// A new user's blocks and derived rows for a database without stored events: workers encode
    /// and derive bucket after bucket of users while this thread writes them, in user order.
    private mutating func storeConcurrently(_ upkeep: DerivedDataUpkeep) throws {
        struct Bucket {
            var users: [(user: Int64, block: [UInt8], rows: any DerivedRows, events: Int)] = []
            var duplicates = 0
        }
        let spill = self.spill
        let buckets = spill.bucketIndices
        let work = OrderedWork<Bucket>(count: buckets.count, workers: Self.workers, ahead: 2 * Self.workers) { slot in
            var bucket = Bucket()
            try spill.forEachUser(inBucket: buckets[slot]) { user, incoming in
                let (events, duplicates) = Self.merge(stored: [], incoming: incoming)
                bucket.duplicates += duplicates
                bucket.users.append((user, EventBlock.encode(events), try upkeep.derive(user: user, events: events),
                                     events.count))
            }
            return bucket
        }
        defer { work.finish() }
        for slot in buckets.indices {
            let bucket = try work.take(slot)
            rowsDuplicate += bucket.duplicates
            for item in bucket.users {
                rowsImported += item.events
                try EventBlock.write(encoded: item.block, of: item.user, in: database)
                try upkeep.write(item.rows)
            }
        }
    }

    /// Threads that encode and derive users while the importer's thread writes.
    private static let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 4))

    /// A user's stored events and the file's new ones, in time order (ties: stored first, then file
    /// order), without the new ones whose event id the user already has.
    static func merge(stored: [StoredEvent], incoming: [StoredEvent]) -> (events: [StoredEvent], duplicates: Int) {
        var events = stored
        if stored.isEmpty && incoming.count <= 16 {
            // Few events (most users): compare ids pairwise rather than hashing them.
            for event in incoming {
                if let id = event.eventID, events.contains(where: { $0.eventID == id }) { continue }
                events.append(event)
            }
        } else if incoming.contains(where: { $0.eventID != nil }) {
            var seen = Set(stored.compactMap(\.eventID))
            for event in incoming {
                if let id = event.eventID, !seen.insert(id).inserted { continue }
                events.append(event)
            }
        } else {
            events += incoming
        }
        let duplicates = stored.count + incoming.count - events.count
        if !events.indices.dropFirst().allSatisfy({ events[$0 - 1].timestamp <= events[$0].timestamp }) {
            events = events.indices.sorted {
                events[$0].timestamp != events[$1].timestamp ? events[$0].timestamp < events[$1].timestamp : $0 < $1
            }.map { events[$0] }
        }
        return (events, duplicates)
    }

    // MARK: Orders

    /// Inserts a new order, updates a changed one, or counts an identical one as a duplicate.
    private mutating func store(_ order: OrderRecord) throws {
        touch(order.userID)
        let existing = try database.cachedStatement(
            "SELECT user_id, ts, revenue, currency_id, status_id, session_key, props, import_id FROM orders WHERE order_id = ?")
        try existing.bind([.text(order.orderID)])
        var storedBy: Int64?
        let stored = try existing.step().map {
            storedBy = $0.int64(7)
            return OrderRecord(orderID: order.orderID, userID: $0.int64(0), timestamp: $0.int64(1), revenue: $0.double(2),
                        currencyID: $0.int64OrNil(3), statusID: $0.int64OrNil(4), sessionKey: $0.stringOrNil(5),
                        props: $0.isNull(6) ? [] : Array($0.data(6)))
        }
        try existing.reset()
        let values: [SQLValue] = [.integer(importID), .integer(order.userID), .integer(order.timestamp), .real(order.revenue),
                                  .int(order.currencyID), .int(order.statusID), .string(order.sessionKey),
                                  order.props.isEmpty ? .null : .blob(Data(order.props)), .text(order.orderID)]
        guard let stored else {
            let insert = try database.cachedStatement("""
                INSERT INTO orders (import_id, user_id, ts, revenue, currency_id, status_id, session_key, props, order_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            try insert.bind(values)
            try insert.run()
            rowsImported += 1
            return
        }
        // Re-importing an older file (--force) must not undo what a later file changed (a refund).
        if let replacing, let storedBy, storedBy > replacing, storedBy != importID {
            rowsDuplicate += 1
            return
        }
        if stored.userID == order.userID && stored.timestamp == order.timestamp && stored.revenue == order.revenue
            && stored.currencyID == order.currencyID && stored.statusID == order.statusID
            && stored.sessionKey == order.sessionKey && stored.props == order.props {
            rowsDuplicate += 1
            return
        }
        touch(stored.userID)
        let update = try database.cachedStatement("""
            UPDATE orders SET import_id = ?, user_id = ?, ts = ?, revenue = ?, currency_id = ?, status_id = ?, session_key = ?,
                              props = ?
            WHERE order_id = ?
            """)
        try update.bind(values)
        try update.run()
        rowsUpdated += 1
    }
}
