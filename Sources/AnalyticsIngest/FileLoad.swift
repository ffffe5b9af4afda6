import Foundation
import AnalyticsCore
import AnalyticsStorage
import CSVScanner

/// The row-by-row work of importing one file inside its transaction: parse,
/// reject or store, count. Events are grouped by user as they are read and
/// then merged into each user's block (`storeEvents`); orders are inserted or
/// updated by `order_id` as they are read.
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
    /// How many threads read the file.
    private(set) var readers = 1
    /// `read` and `store` times (`ImportResult.phases`).
    private(set) var phases: [ImportPhase] = []
    private var lastTouched: Int64 = -1
    /// The file's events, grouped by user on the way in and stored after the last row (two
    /// spills when two threads read the file's halves: the first half's first).
    private var spills: [EventSpill] = []
    /// The file's identifications of anonymous ids (first user each, in file order).
    private var identities: [(anonymousID: String, user: Int64)] = []
    /// Anonymous users whose events and orders this file moved into their identified user.
    private(set) var usersMerged = 0

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
        parser = try RowParser(layout: layout, timestamps: TimestampParser(assumedZone: options.assumedZone, epochUnit: options.mapping.timestampUnit),
                           propertyIDs: try labels.activateProperties(layout.properties.map(\.name) + layout.derivedProperties))
        if layout.groupsChannels {
            // Sessions without a source in any event are Direct (see ChannelGrouping).
            try database.run("INSERT INTO settings (key, value) VALUES ('default_channel', ?) ON CONFLICT (key) DO NOTHING",
                             .text(ChannelGrouping.direct))
            try database.run("INSERT INTO labels (kind, value) VALUES ('channel', ?) ON CONFLICT (kind, value) DO NOTHING",
                             .text(ChannelGrouping.direct))
        }
    }

    /// Thrown when the first half of a file cut for two readers did not end where the second
    /// began (the cut fell inside a quoted field): the import starts again with one reader.
    struct ReadAgainWhole: Error {}

    /// Reads every record; `total` is the file's size in bytes (for progress).
    /// - Parameter cuts: where an events file is cut for two reading threads (nil: one reads it).
    mutating func run(reader: CSVReader, source: ByteSource, path: String, total: Int64, cuts: [FileSplit]?,
                      progress: ((ImportProgress) -> Void)?, onReject: (Int, String, String) -> Void) throws {
        let started = Date()
        func report(_ bytes: Int64, _ rows: Int) {
            progress?(ImportProgress(path: path, bytesDone: min(bytes, total), bytesTotal: total, rows: rows,
                                     seconds: Date().timeIntervalSince(started)))
        }
        var rejects: [RejectedRow] = []
        var consumed = source.bytesConsumed
        do {
            switch layout.kind {
            case .orders:
                try readOrders(reader, rejects: &rejects) { report(source.bytesConsumed, $0) }
                consumed = source.bytesConsumed
            case .eventDetails:
                try readDetails(reader, rejects: &rejects) { report(source.bytesConsumed, $0) }
                consumed = source.bytesConsumed
            case .events:
                consumed = try readEvents(reader, source: source, path: path, total: total, cuts: cuts,
                                          rejects: &rejects, report: report)
            }
        } catch let abort as Abort {
            for reject in rejects { onReject(reject.line, reject.reason, reject.raw) }
            throw abort
        }
        try labels.saveUsers()
        // Every user of an events file is met in reading: its store needs the memory more.
        if layout.kind == .events { labels.releaseUsers() }
        // The file must be as it was when it was hashed: one that grows or shrinks while it is
        // read would be recorded under a checksum that is not its content.
        if consumed != total {
            throw IngestError.unreadable(path: path, reason: "the file changed while it was read (\(total) bytes when "
                + "the import started, \(consumed) read); import it again once it is complete")
        }
        let insert = try database.prepare("INSERT INTO rejects (import_id, line, reason, raw) VALUES (?, ?, ?, ?)")
        for reject in rejects {
            try insert.bind([.integer(importID), .integer(Int64(reject.line)), .text(reject.reason), .text(reject.raw)])
            try insert.run()
            onReject(reject.line, reject.reason, reject.raw)
        }
        phases.append(ImportPhase(name: "read", seconds: Date().timeIntervalSince(started)))
        if spills.contains(where: { $0.count > 0 }) {
            let storeStarted = Date()
            defer { phases.append(ImportPhase(name: "store", seconds: Date().timeIntervalSince(storeStarted))) }
            progress?(ImportProgress(step: .storing, path: path, bytesDone: total, bytesTotal: total,
                                     rows: rowsRead, seconds: Date().timeIntervalSince(started)))
            try storeEvents()
        }
        try labels.restoreUserIndex()
        // Any events or orders file may bring rows of an identified anonymous id (as its user id, or an
        // order of it); without identities the merge finds nothing at once.
        if layout.kind != .eventDetails { try mergeIdentities() }
        report(total, rowsRead)
    }

    // MARK: Event details

    /// Reads an event-details file, then adds each row's columns to the stored event with its id
    /// (a later row or file wins for the same property); ids of no stored event are rejects.
    private mutating func readDetails(_ reader: CSVReader, rejects: inout [RejectedRow], report: (Int) -> Void) throws {
        var tally = RowTally(errorLimit: options.errorLimit)
        var rows: [(details: EventDetails, line: Int, raw: String)] = []
        let parser = parser, labels = labels
        try Self.read(reader, tally: &tally, parser: parser, rejects: &rejects, report: report) { reader in
            rows.append((try parser.details(reader, labels: labels), reader.line, String(decoding: reader.rawText, as: UTF8.self)))
        }
        rowsRead = tally.rowsRead
        rowsRejected = tally.rowsRejected
        var byID: [String: [Int]] = [:]
        for (index, row) in rows.enumerated() { byID[row.details.eventID, default: []].append(index) }
        var matched = Set<String>()
        var changed: [(user: Int64, events: [StoredEvent])] = []
        try EventBlock.forEachUser(in: database) { user, stored in
            var events = stored
            var touched = false
            for index in events.indices {
                guard let id = events[index].eventID, let found = byID[id] else { continue }
                matched.insert(id)
                for row in found { rows[row].details.apply(to: &events[index]) }
                touched = true
            }
            if touched { changed.append((user, events)) }
        }
        for change in changed {
            try EventBlock.write(change.events, of: change.user, in: database)
            touchedUsers.insert(change.user)
        }
        rowsImported += rows.count { matched.contains($0.details.eventID) }
        try rejectUnknownEvents(rows.filter { !matched.contains($0.details.eventID) }.map { ($0.details.eventID, $0.line, $0.raw) },
                                rejects: &rejects)
    }

    /// Runs `tally` over the rows of `reader`; `rejects` gets its rejects, also when the error limit stops it.
    private static func read(_ reader: CSVReader, tally: inout RowTally, parser: RowParser, rejects: inout [RejectedRow],
                             report: (Int) -> Void, row: (CSVReader) throws -> Void) throws {
        defer { rejects = tally.rejects }
        _ = try tally.read(reader, parser: parser, report: report, store: row)
    }

    /// Rejects rows whose event id no stored event has (found after reading: details, orders keyed by
    /// event id), and stops the file when they pass `--max-errors N` with the rows rejected in reading.
    private mutating func rejectUnknownEvents(_ unknown: [(id: String, line: Int, raw: String)], rejects: inout [RejectedRow]) throws {
        rowsRejected += unknown.count
        for row in unknown where rejects.count < Self.rejectsKept {
            rejects.append(RejectedRow(line: row.line, reason: RejectReason.unknownEventID(row.id).description, raw: row.raw))
        }
        if case .count(let limit) = options.errorLimit, rowsRejected > limit {
            throw Abort(rowsRead: rowsRead, rowsRejected: rowsRejected)
        }
    }

    // MARK: Identities

    /// Records the file's identifications (the first user of an anonymous id wins, over all imports),
    /// then moves the events and orders of every identified anonymous id that has any into its user,
    /// whose sessions and timelines are re-derived at the end of the file's transaction, like the
    /// emptied anonymous user's. Works in either order: identification first or anonymous rows first.
    private mutating func mergeIdentities() throws {
        let insert = try database.prepare(
            "INSERT INTO identities (anonymous_id, user_id) VALUES (?, ?) ON CONFLICT (anonymous_id) DO NOTHING")
        for identity in identities {
            try insert.bind([.text(identity.anonymousID), .integer(identity.user)])
            try insert.run()
        }
        let pending = try database.query("""
            SELECT anonymous.id, identities.user_id FROM identities
            -- Identities drive the join (CROSS JOIN keeps that order): without any, nothing is read;
            -- users first probed every user (0.06 s at 130k users).
            CROSS JOIN users AS anonymous ON anonymous.external_id = identities.anonymous_id
            WHERE anonymous.id <> identities.user_id
              -- A user who identified an anonymous id is a person: never merged into another.
              AND anonymous.id NOT IN (SELECT user_id FROM identities)
              AND (EXISTS (SELECT 1 FROM event_blocks WHERE user_id = anonymous.id)
                   OR EXISTS (SELECT 1 FROM orders WHERE user_id = anonymous.id))
            """) { (anonymous: $0.int64(0), user: $0.int64(1)) }
        for merge in pending {
            let anonymousEvents = try EventBlock.encodedBlock(of: merge.anonymous, in: database).map { try EventBlock.decode($0) } ?? []
            let userEvents = try EventBlock.encodedBlock(of: merge.user, in: database).map { try EventBlock.decode($0) } ?? []
            let (events, _) = Self.merge(stored: userEvents, incoming: anonymousEvents)
            try EventBlock.write(encoded: EventBlock.encode(events), of: merge.user, in: database)
            try database.run("DELETE FROM event_blocks WHERE user_id = ?", .integer(merge.anonymous))
            try database.run("UPDATE orders SET user_id = ? WHERE user_id = ?", .integer(merge.user), .integer(merge.anonymous))
            touchedUsers.insert(merge.user)
            touchedUsers.insert(merge.anonymous)
            usersMerged += 1
        }
    }

    /// Reads an events file, in parts by two threads when it is large (`FileSplit`); returns the bytes read.
    private mutating func readEvents(_ reader: CSVReader, source: ByteSource, path: String, total: Int64, cuts: [FileSplit]?,
                                     rejects: inout [RejectedRow], report: (Int64, Int) -> Void) throws -> Int64 {
        func keep(_ readings: [EventReading]) {
            rowsRead = readings.reduce(0) { $0 + $1.rowsRead }
            rowsRejected = readings.reduce(0) { $0 + $1.rowsRejected }
            rejects = Array(readings.flatMap(\.rejects).prefix(Self.rejectsKept))
            spills = readings.map(\.spill)
            identities = readings.flatMap(\.identities)
        }
        guard let cuts, source is PlainFileSource, Workers.count > 1 else {
            var whole = EventReading(parser: parser, labels: labels, importID: importID, errorLimit: options.errorLimit)
            defer { keep([whole]) }
            _ = try whole.read(reader) { report(source.bytesConsumed, $0) }
            return source.bytesConsumed
        }
        let parts = try readParts(reader, source: source, path: path, cuts: cuts, total: total, report: report)
        readers = 2
        // In file order: a part read wrong (its start was inside a quoted field) makes every later one
        // wrong; a reject count limit stops where one reader would have stopped, with its counts and rejects.
        var before: [EventReading] = []
        for part in parts {
            guard let reading = part.reading else { break }
            if case .count(let limit) = options.errorLimit {
                let needed = limit + 1 - before.reduce(0) { $0 + $1.rowsRejected }
                if reading.rowsRejected >= needed {
                    keep(before + [reading])
                    rowsRead = before.reduce(0) { $0 + $1.rowsRead } + reading.tally.rowsReadAtReject[needed - 1]
                    rowsRejected = limit + 1
                    rejects = Array((before.flatMap(\.rejects) + reading.rejects.prefix(needed)).prefix(Self.rejectsKept))
                    throw Abort(rowsRead: rowsRead, rowsRejected: rowsRejected)
                }
            }
            if let error = part.error {
                keep(before + [reading])
                throw error
            }
            guard part.clean else {
                for var part in parts { part.reading?.close() }
                throw ReadAgainWhole()
            }
            before.append(reading)
        }
        keep(before)
        return (cuts.last?.offset ?? 0) + (parts.last?.bytesRead ?? 0)
    }

    /// One part of a file as a thread read it.
    private struct PartRead {
        var reading: EventReading?
        /// Whether the part ended exactly where the next one starts.
        var clean = true
        var error: (any Error)?
        /// Bytes read from the part's start.
        var bytesRead: Int64 = 0
    }

    /// Reads the parts of a file (the first with `reader`, the others from their cuts) on this thread and
    /// one more, each taking the next unread part; after a failure no new part is started.
    private func readParts(_ reader: CSVReader, source: ByteSource, path: String, cuts: [FileSplit], total: Int64,
                           report: (Int64, Int) -> Void) throws -> [PartRead] {
        let starts = [FileSplit(offset: 0, line: 1)] + cuts
        let count = starts.count
        final class Shared: @unchecked Sendable {
            // @unchecked: every field is read and written under `lock`.
            let lock = NSLock()
            var next = 1
            var failed = false
            var parts: [PartRead]
            var bytesDone: Int64 = 0
            var rowsDone = 0
            init(count: Int) { parts = Array(repeating: PartRead(), count: count) }
            /// The next part to read, or nil when none is left or a part failed.
            func claim() -> Int? {
                lock.lock()
                defer { lock.unlock() }
                guard !failed, next < parts.count else { return nil }
                next += 1
                return next - 1
            }
            /// No part is started after this.
            func fail() {
                lock.lock()
                failed = true
                lock.unlock()
            }
            func finish(_ index: Int, _ part: PartRead, bytes: Int64) {
                lock.lock()
                defer { lock.unlock() }
                parts[index] = part
                bytesDone += bytes
                rowsDone += part.reading?.rowsRead ?? 0
                if part.error != nil || !part.clean { failed = true }
            }
        }
        let shared = Shared(count: count)
        // The parts' spills together keep what two halves kept in memory.
        let budget = max(1 << 20, 2 * EventSpill.defaultMemoryBudget / count)
        let (options, importID) = (self.options, self.importID)
        @Sendable func read(_ index: Int, parser: RowParser, labels: LabelStore, reader: CSVReader, source: ByteSource,
                            report: (Int) -> Void) {
            var part = PartRead()
            var reading = EventReading(parser: parser, labels: labels, importID: importID, errorLimit: options.errorLimit,
                                       spillBudget: budget)
            switch Result(catching: {
                try reading.read(reader, stop: index + 1 < count
                                    ? (starts[index + 1].line, starts[index + 1].offset - starts[index].offset) : nil,
                                 rowsRead: report)
            }) {
            case .success(let clean): part.clean = clean
            case .failure(let error): part.error = error
            }
            part.reading = reading
            part.bytesRead = source.bytesConsumed
            let end = index + 1 < count ? starts[index + 1].offset : total
            shared.finish(index, part, bytes: end - starts[index].offset)
        }
        /// Reads the parts this thread claims until none is left; an error opening one stops every thread.
        /// This thread also writes the new users met so far after each part, while the other reads on.
        @Sendable func readClaimed(parser: RowParser, labels: LabelStore, savesUsers: Bool,
                                   report: (ByteSource, Int) -> Void) -> (any Error)? {
            do {
                while let index = shared.claim() {
                    if savesUsers { try labels.saveUsersIfMany() }
                    let source = try PlainFileSource(path: path, offset: starts[index].offset)
                    let reader = CSVReader(source: source, delimiter: options.delimiter, firstLine: starts[index].line)
                    read(index, parser: parser, labels: labels, reader: reader, source: source) { report(source, $0) }
                }
                return nil
            } catch {
                shared.fail()
                return error
            }
        }
        let helper = (parser: Unchecked(try parser.copy()), labels: Unchecked(labels.fork()))
        let failure = Unchecked<(any Error)?>(nil)
        let done = DispatchGroup()
        DispatchQueue.global().async(group: done) {
            failure.value = readClaimed(parser: helper.parser.value, labels: helper.labels.value, savesUsers: false) { _, _ in }
        }
        // Progress: the parts done, and the one this thread reads as if the other thread kept pace;
        // never less than shown before (the estimate drops when a part's real size replaces it).
        var shown: (bytes: Int64, rows: Int) = (0, 0)
        func progress(_ partSource: ByteSource, _ rows: Int) {
            shared.lock.lock()
            let (bytes, rowsDone) = (shared.bytesDone, shared.rowsDone)
            shared.lock.unlock()
            shown = (max(shown.bytes, min(total, bytes + 2 * partSource.bytesConsumed)), max(shown.rows, rowsDone + 2 * rows))
            report(shown.bytes, shown.rows)
        }
        read(0, parser: parser, labels: labels, reader: reader, source: source) { progress(source, $0) }
        let opening = readClaimed(parser: parser, labels: labels, savesUsers: true, report: progress)
        done.wait()
        if let error = opening ?? failure.value {
            for var part in shared.parts { part.reading?.close() }
            throw error
        }
        return shared.parts
    }

    /// Reads an orders file, storing each order as it comes (orders keyed by event id once it is read).
    private mutating func readOrders(_ reader: CSVReader, rejects: inout [RejectedRow], report: (Int) -> Void) throws {
        // Into an empty table, only this file's own orders can be found: no lookup for the others.
        if try database.scalarInt("SELECT EXISTS (SELECT 1 FROM orders)") == 0 { ordersOfThisFile = ByteInterner() }
        var tally = RowTally(errorLimit: options.errorLimit)
        var keyedByEvent: [(order: OrderRecord, line: Int, raw: String)] = []
        var lastOrderID: String?
        let parser = parser
        try Self.read(reader, tally: &tally, parser: parser, rejects: &rejects, report: report) { reader in
            // A row repeating the previous row's order id with no amount is another line of that
            // order (Shopify lists line items so): merged into it, not rejected.
            if let line = try parser.lineOf(reader), line == lastOrderID {
                rowsDuplicate += 1
                return
            }
            let order = try parser.order(reader, labels: labels, evaluated: true)
            lastOrderID = order.orderID
            guard order.userID < 0 else { return try store(order) }
            keyedByEvent.append((order, reader.line, String(decoding: reader.rawText, as: UTF8.self)))
        }
        rowsRead = tally.rowsRead
        rowsRejected = tally.rowsRejected
        guard !keyedByEvent.isEmpty else { return try insertPendingOrders() }
        // Orders without a user take user and session from the event whose id is the order id.
        let events = try EventLookup.events(withIDs: Set(keyedByEvent.map(\.order.orderID)), in: database)
        var unknown: [(id: String, line: Int, raw: String)] = []
        for var pending in keyedByEvent {
            guard let event = events[pending.order.orderID] else {
                unknown.append((pending.order.orderID, pending.line, pending.raw))
                continue
            }
            pending.order.userID = event.user
            if pending.order.sessionKey == nil { pending.order.sessionKey = event.sessionKey }
            try store(pending.order)
        }
        try insertPendingOrders()
        try rejectUnknownEvents(unknown, rejects: &rejects)
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

    /// Merges the file's events into each user's stored block, user by user in id order, and
    /// derives each user's sessions from the result. An event whose `event_id` the user already
    /// has (stored, or earlier in the file) is a duplicate.
    ///
    /// This thread reads what a bucket of users needs from the database (their stored blocks, what
    /// the upkeep needs, such as their orders) a few buckets ahead; workers merge, encode and derive
    /// them; this thread writes the results in user order. Memory holds a few buckets, whatever the
    /// sizes of the file and the database.
    private mutating func storeEvents() throws {
        defer { for index in spills.indices { spills[index].close() } }
        let spills = self.spills
        try upkeep?.willStore(newEvents: spills.reduce(0) { $0 + $1.count })
        let hasStoredEvents = try database.scalarInt("SELECT EXISTS (SELECT 1 FROM event_blocks)") == 1
        struct Input: @unchecked Sendable {
            // @unchecked: read-only once made; `derived` is the upkeep's derivation of the bucket, to fill.
            var stored: [Int64: [UInt8]] = [:]
            var derived: (any DerivedRows)?
        }
        struct Bucket {
            /// The users' new blocks, one after another in `blocks`.
            var users: [(user: Int64, block: Range<Int>, added: Int)] = []
            var blocks: [UInt8] = []
            var derived: (any DerivedRows)?
            var duplicates = 0
        }
        let upkeep = self.upkeep, labels = self.labels
        let buckets = EventSpill.bucketIndices(spills)
        let writeBlocks = try EventBlock.batchedWrite(in: database)
        try OrderedWork<Bucket>.pipeline(count: buckets.count, workers: Workers.count, ahead: 2 * Workers.count) { slot in
            // The bucket's users' stored blocks and what the upkeep needs, read in user order.
            let users = EventSpill.users(in: spills, bucket: buckets[slot])
            var input = Input()
            if hasStoredEvents {
                for user in users {
                    if let block = try EventBlock.encodedBlock(of: user, in: database) { input.stored[user] = block }
                }
            }
            input.derived = try upkeep?.prefetch(users: users)
            return input
        } work: { slot, input in
            var bucket = Bucket(derived: input.derived)
            try EventSpill.forEachUser(in: spills, bucket: buckets[slot]) { user, incoming in
                let before = try input.stored[user].map { try EventBlock.decode($0) } ?? []
                let (events, duplicates) = Self.merge(stored: before, incoming: incoming)
                bucket.duplicates += duplicates
                guard events.count > before.count else { return }
                try bucket.derived?.derive(user: user, events: events, previous: before)
                let start = bucket.blocks.count
                EventBlock.encode(events, appendingTo: &bucket.blocks)
                bucket.users.append((user, start..<bucket.blocks.count, events.count - before.count))
            }
            return bucket
        } meanwhile: {
            // Nothing of the store needs the users' index of external ids: built while workers
            // start on the first buckets (its 0.6 s at 10M left the workers idle before them).
            try labels.restoreUserIndex()
        } consume: { _, bucket in
            rowsDuplicate += bucket.duplicates
            for item in bucket.users { rowsImported += item.added }
            // The blocks are bound without a copy: they stay where they are until every row is written.
            try bucket.blocks.withUnsafeBytes { blocks in
                try writeBlocks.insert(count: bucket.users.count) { row, insert, first in
                    try insert.bind(bucket.users[row].user, at: first)
                    try insert.bindBlobBorrowed(UnsafeRawBufferPointer(rebasing: blocks[bucket.users[row].block]), at: first + 1)
                }
            }
            if let upkeep, let derived = bucket.derived {
                try upkeep.write(derived)
            } else {
                for item in bucket.users { touch(item.user) }
            }
        }
    }

    /// A user's stored events and the file's new ones, in time order (ties: stored first, then file
    /// order), without the new ones whose event id the user already has.
    static func merge(stored: [StoredEvent], incoming: [StoredEvent]) -> (events: [StoredEvent], duplicates: Int) {
        var events = stored
        if stored.isEmpty && incoming.count <= 16 {
            // Few events (most users): compare ids pairwise rather than hashing them, and keep the
            // file's array as it is when no id repeats (the usual case: no copy).
            func repeated(_ index: Int) -> Bool {
                guard let id = incoming[index].eventID else { return false }
                return incoming[..<index].contains { $0.eventID == id }
            }
            if let first = incoming.indices.first(where: repeated) {
                events = Array(incoming[..<first])
                for index in first..<incoming.count where !repeated(index) { events.append(incoming[index]) }
            } else {
                events = incoming
            }
        } else if incoming.contains(where: { $0.eventID != nil }) {
            // Sized for every id at once: growing the set re-hashes what it holds.
            var seen = Set<String>(minimumCapacity: stored.count + incoming.count)
            for event in stored { if let id = event.eventID { seen.insert(id) } }
            events.reserveCapacity(stored.count + incoming.count)
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

    /// When the orders file began with no stored orders: the order ids it has stored so far (an
    /// order id not among them is new, without looking it up: 216k lookups took 0.3 s at 10M), by
    /// their bytes (a set of strings hashed each id with SipHash: 7% of the file's time).
    private var ordersOfThisFile: ByteInterner?

    /// Whether the file began with no stored orders and `orderID` is the first order of that id in
    /// it (from now on, it is not).
    private mutating func isFirstOfThisFile(_ orderID: String) -> Bool {
        guard ordersOfThisFile != nil else { return false }
        var text = orderID
        return text.withUTF8 { utf8 in
            let bytes = UnsafeRawBufferPointer(utf8)
            guard ordersOfThisFile!.id(of: bytes) == nil else { return false }
            ordersOfThisFile!.insert(bytes, id: 0)
            return true
        }
    }

    /// Inserts a new order, updates a changed one, or counts an identical one as a duplicate.
    private mutating func store(_ order: OrderRecord) throws {
        touch(order.userID)
        if isFirstOfThisFile(order.orderID) { return try insert(order) }
        // The stored order, if any, may be one this file brought.
        try insertPendingOrders()
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
        guard let stored else { return try insert(order) }
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
        let values = columnValues(order)
        let update = try database.cachedStatement("""
            UPDATE orders SET import_id = ?, user_id = ?, ts = ?, revenue = ?, currency_id = ?, status_id = ?, session_key = ?,
                              props = ?
            WHERE order_id = ?
            """)
        try update.bind(values)
        try update.run()
        rowsUpdated += 1
    }

    /// The values of an order's row, in the column order the insert and the update use.
    private func columnValues(_ order: OrderRecord) -> [SQLValue] {
        [.integer(importID), .integer(order.userID), .integer(order.timestamp), .real(order.revenue),
         .int(order.currencyID), .int(order.statusID), .string(order.sessionKey),
         order.props.isEmpty ? .null : .blob(Data(order.props)), .text(order.orderID)]
    }

    /// Inserts a new order with the next ones (`insertPendingOrders`).
    private mutating func insert(_ order: OrderRecord) throws {
        pendingOrders.append(order)
        rowsImported += 1
        if pendingOrders.count >= 1024 { try insertPendingOrders() }
    }

    /// New orders not yet inserted: inserted before an order is looked up, and after the last row.
    private var pendingOrders: [OrderRecord] = []

    private mutating func insertPendingOrders() throws {
        guard !pendingOrders.isEmpty else { return }
        let insert = try insertOrders ?? BatchedInsert(database: database, table: "orders", columns: [
            "import_id", "user_id", "ts", "revenue", "currency_id", "status_id", "session_key", "props", "order_id"])
        insertOrders = insert
        let importID = self.importID
        try pendingOrders.withUnsafeBufferPointer { orders in
            try insert.insert(count: orders.count) { row, insert, first in
                try insert.bind(importID, at: first)
                try insert.bind(orders[row].userID, at: first + 1)
                try insert.bind(orders[row].timestamp, at: first + 2)
                try insert.bind(orders[row].revenue, at: first + 3)
                try insert.bind(.int(orders[row].currencyID), at: first + 4)
                try insert.bind(.int(orders[row].statusID), at: first + 5)
                try insert.bind(.string(orders[row].sessionKey), at: first + 6)
                try orders[row].props.isEmpty ? insert.bindNull(at: first + 7)
                    : orders[row].props.withUnsafeBytes { try insert.bindBlob($0, at: first + 7) }
                try insert.bind(orders[row].orderID, at: first + 8)
            }
        }
        pendingOrders.removeAll(keepingCapacity: true)
    }

    /// The insert of new orders, once prepared.
    private var insertOrders: BatchedInsert?
}
