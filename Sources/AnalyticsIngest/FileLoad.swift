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
    private var lastTouched: Int64 = -1
    private var pendingEvents: [EventRecord] = []
    private var arena = TextArena()
    /// Whether the event indexes are dropped for this load and built at the end.
    private let bulk: Bool

    /// The import this load replaces (`--force`): orders that a later import wrote keep their state.
    private let replacing: Int64?

    init(database: Database, importID: Int64, layout: HeaderLayout, options: ImportOptions, labels: LabelStore,
         bulk: Bool, replacing: Int64? = nil) throws {
        self.replacing = replacing
        self.database = database
        self.bulk = bulk
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
        pendingEvents.reserveCapacity(Importer.batchSize)
    }

    /// Reads every record; `total` is the file's size in bytes (for progress).
    mutating func run(reader: CSVReader, source: ByteSource, path: String, total: Int64,
                      progress: ((ImportProgress) -> Void)?, onReject: (Int, String, String) -> Void) throws {
        let started = Date()
        let rejectStatement = try database.prepare("INSERT INTO rejects (import_id, line, reason, raw) VALUES (?, ?, ?, ?)")
        // The partial amounts index only grows with rows that have revenue or an order id:
        // a file without such columns leaves it in place (it costs nothing then).
        let hasAmounts = layout.index[.revenue] != nil || layout.index[.orderID] != nil
        let deferredIndexes = bulk
            ? try database.dropIndexes(Self.eventIndexes + (hasAmounts ? [Self.amountsIndex] : [])) : []
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
                    case .events: try add(try parser.event(reader, labels: labels, arena: &arena))
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
        // The file must be as it was when it was hashed: one that grows or shrinks while it is
        // read would be recorded under a checksum that is not its content.
        if source.bytesConsumed != total {
            throw IngestError.unreadable(path: path, reason: "the file changed while it was read (\(total) bytes when "
                + "the import started, \(source.bytesConsumed) read); import it again once it is complete")
        }
        try flushEvents()
        if bulk {
            progress?(ImportProgress(step: .indexing, path: path, bytesDone: source.bytesConsumed, bytesTotal: total,
                                     rows: rowsRead, seconds: Date().timeIntervalSince(started)))
            try removeDuplicateEventIDs(indexes: deferredIndexes)
            try database.createIndexes(deferredIndexes.filter { $0.name != Self.eventIDIndex })
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

    private mutating func add(_ event: EventRecord) throws {
        touch(event.userID)
        pendingEvents.append(event)
        if pendingEvents.count == Importer.batchSize { try flushEvents() }
    }

    private static let eventColumns = 13
    /// How many rejected rows of one file are recorded (line, reason, text); the rest are counted.
    static let rejectsKept = 10_000
    private static let eventIDIndex = "events_by_event_id"
    private static let eventIndexes = [eventIDIndex, "events_by_user_time"]
    private static let amountsIndex = "events_amounts_by_user"

    /// A load is bulk when the file is large next to the table: then building
    /// the indexes afterwards beats updating them row by row.
    static func isBulk(_ database: Database, kind: FileKind, fileBytes: Int64, compressed: Bool) throws -> Bool {
        guard kind == .events else { return false }
        let estimatedRows = fileBytes * (compressed ? 6 : 1) / 100
        let storedRows = try database.scalarInt("SELECT max(id) - min(id) + 1 FROM events") ?? 0
        return storedRows < 2 * estimatedRows
    }

    private static let batchSQL = insertEventsSQL(rows: Importer.batchSize, bulk: false)
    private static let bulkBatchSQL = insertEventsSQL(rows: Importer.batchSize, bulk: true)

    /// A multi-row INSERT; outside bulk loads it skips `event_id`s already stored.
    private static func insertEventsSQL(rows: Int, bulk: Bool) -> String {
        let row = "(" + Array(repeating: "?", count: eventColumns).joined(separator: ",") + ")"
        return """
            INSERT INTO events (import_id, user_id, ts, event_type_id, session_key, page_id, channel_id, device_id,
                                campaign_id, revenue, event_id, props, order_id)
            VALUES \(Array(repeating: row, count: rows).joined(separator: ","))
            """ + (bulk ? "" : " ON CONFLICT (event_id) WHERE event_id IS NOT NULL DO NOTHING")
    }

    /// After a bulk load: builds the unique `event_id` index; if this load
    /// brought ids already stored (or repeated them), deletes its later copies
    /// first and counts them as duplicates.
    private mutating func removeDuplicateEventIDs(indexes: [Database.IndexDefinition]) throws {
        guard let unique = indexes.first(where: { $0.name == Self.eventIDIndex }) else { return }
        do {
            try database.savepoint("unique_event_ids") { try database.execute(unique.sql) }
            return
        } catch SQLiteError.Code.constraint {
            // Duplicates exist; fall through.
        }
        try database.execute("CREATE INDEX temp_events_by_event_id ON events (event_id) WHERE event_id IS NOT NULL")
        try database.run("""
            DELETE FROM events WHERE import_id = ? AND event_id IS NOT NULL
              AND id > (SELECT min(first.id) FROM events AS first WHERE first.event_id = events.event_id)
            """, .integer(importID))
        let removed = database.changes
        rowsImported -= removed
        rowsDuplicate += removed
        try database.execute("DROP INDEX temp_events_by_event_id")
        try database.execute(unique.sql)
    }

    private mutating func flushEvents() throws {
        guard !pendingEvents.isEmpty else { return }
        let full = pendingEvents.count == Importer.batchSize
        let statement = try database.cachedStatement(
            full ? (bulk ? Self.bulkBatchSQL : Self.batchSQL) : Self.insertEventsSQL(rows: pendingEvents.count, bulk: bulk))
        for (row, event) in pendingEvents.enumerated() {
            let base = Int32(row * Self.eventColumns)
            try statement.bind(importID, at: base + 1)
            try statement.bind(event.userID, at: base + 2)
            try statement.bind(event.timestamp, at: base + 3)
            try statement.bind(event.eventTypeID, at: base + 4)
            try bind(event.sessionKey, to: statement, at: base + 5)
            try statement.bind(.int(event.pageID), at: base + 6)
            try statement.bind(.int(event.channelID), at: base + 7)
            try statement.bind(.int(event.deviceID), at: base + 8)
            try statement.bind(.int(event.campaignID), at: base + 9)
            try statement.bind(.double(event.revenue), at: base + 10)
            try bind(event.eventID, to: statement, at: base + 11)
            try bind(event.props, to: statement, at: base + 12, asBlob: true)
            try bind(event.orderID, to: statement, at: base + 13)
        }
        try statement.run()
        let inserted = database.changes
        rowsImported += inserted
        rowsDuplicate += pendingEvents.count - inserted
        pendingEvents.removeAll(keepingCapacity: true)
        arena.reset()
    }

    private func bind(_ text: ArenaText?, to statement: Statement, at index: Int32, asBlob: Bool = false) throws {
        guard let text else { return try statement.bindNull(at: index) }
        try arena.bytes.withUnsafeBytes { bytes in
            let slice = UnsafeRawBufferPointer(rebasing: bytes[Int(text.start)..<Int(text.start + text.count)])
            if asBlob { try statement.bindBlob(slice, at: index) } else { try statement.bindText(slice, at: index) }
        }
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
