import Foundation
import Testing
@testable import Analytics
@testable import AnalyticsCore
@testable import AnalyticsIngest
@testable import AnalyticsSessions
@testable import AnalyticsStorage
@testable import CSVScanner

@Suite("Event blocks")
struct EventBlockTests {
    /// The generator's seeded random numbers, so failures repeat.
    struct Random {
        var generator: SplitMix64
        init(state: UInt64) { generator = SplitMix64(seed: state) }
        mutating func below(_ bound: Int) -> Int { Int(generator.next() % UInt64(bound)) }
        mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    }

    static func randomEvents(_ random: inout Random, count: Int) -> [StoredEvent] {
        let texts = ["", "a", "s1e1", "s1e12", "s1e123456789012345678", "ünïcødé-✓", "sess-1", "sess-2",
                     String(repeating: "x", count: 300)]
        var time = Int64(random.below(2_000_000)) - 1_000_000 // before and after 1970
        return (0..<count).map { _ in
            time += Int64(random.below(4)) * Int64(random.below(100_000)) // ties included
            return StoredEvent(
                timestamp: time, eventTypeID: Int64(random.below(5) + 1), importID: Int64(random.below(3) + 1),
                sessionKey: random.chance(50) ? texts[random.below(texts.count)] : nil,
                pageID: random.chance(70) ? Int64(random.below(1 << 20)) : nil,
                channelID: random.chance(60) ? Int64(random.below(9)) : nil,
                deviceID: random.chance(60) ? Int64(random.below(3)) : nil,
                campaignID: random.chance(20) ? Int64(random.below(1 << 40)) : nil,
                revenue: random.chance(20) ? [0, -1.5, 19.99, 1e11, .leastNonzeroMagnitude][random.below(5)] : nil,
                eventID: random.chance(80) ? texts[random.below(texts.count)] + String(random.below(1000)) : nil,
                orderID: random.chance(10) ? texts[random.below(texts.count)] : nil,
                props: random.chance(30) ? PropertyBytes(PropertyCodec.encode([(1, Int64(random.below(300))), (4, 70_000)]))
                    // Pairs longer than `PropertyBytes.inlineCapacity` are held in an array.
                    : random.chance(10)
                        ? PropertyBytes(PropertyCodec.encode((1...12).map { ($0, 70_000 + Int64(random.below(9))) }))
                    : [])
        }
    }

    @Test("blocks give back exactly the events written, for random events with every field and tie")
    func roundTrip() throws {
        var random = Random(state: 17)
        for size in [0, 1, 2, 3, 10, 200, 1000] {
            let events = Self.randomEvents(&random, count: size)
            let block = EventBlock.encode(events)
            #expect(try EventBlock.decode(block) == events, "\(size) events")
        }
    }

    /// `body` with the event's fields as `EventBlock.Parts` (texts as their UTF-8 bytes).
    static func withParts(_ event: StoredEvent, _ body: (EventBlock.Parts) throws -> Void) throws {
        func bytes(_ text: String?, _ body: (UnsafeRawBufferPointer?) throws -> Void) throws {
            guard var text else { return try body(nil) }
            try text.withUTF8 { try body(UnsafeRawBufferPointer($0)) }
        }
        try bytes(event.sessionKey) { sessionKey in
            try bytes(event.eventID) { eventID in
                try bytes(event.orderID) { orderID in
                    try event.props.withUnsafeBytes { props in
                        try body(EventBlock.Parts(
                            timestamp: event.timestamp, eventTypeID: event.eventTypeID, importID: event.importID,
                            sessionKey: sessionKey, pageID: event.pageID, channelID: event.channelID,
                            deviceID: event.deviceID, campaignID: event.campaignID, revenue: event.revenue,
                            eventID: eventID, orderID: orderID, props: props))
                    }
                }
            }
        }
    }

    @Test("an event written from its parts is byte for byte the event written as the first of a block")
    func partsEncodeLikeEvents() throws {
        var random = Random(state: 23)
        for event in Self.randomEvents(&random, count: 2000) {
            var expected: [UInt8] = []
            EventBlock.append(event, after: nil, to: &expected)
            var written: [UInt8] = []
            try Self.withParts(event) { EventBlock.appendFirst($0, to: &written) }
            #expect(written == expected, "\(event)")
        }
    }

    @Test("a damaged block is an error, never a crash or wrong events")
    func damaged() throws {
        var random = Random(state: 3)
        let block = EventBlock.encode(Self.randomEvents(&random, count: 50))
        for cut in [0, 1, 2, block.count / 2, block.count - 1] {
            #expect(throws: EventBlock.Damaged.self) { try EventBlock.decode(Array(block.prefix(cut))) }
        }
        #expect(throws: EventBlock.Damaged.self) { try EventBlock.decode([9] + block.dropFirst()) }
        #expect(throws: EventBlock.Damaged.self) { try EventBlock.decode(block + [0]) }
        // A count or length beyond any block: an error, not a trap converting it.
        let huge: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]
        #expect(throws: EventBlock.Damaged.self) { try EventBlock.decode([EventBlock.format] + huge) }
        #expect(throws: EventBlock.Damaged.self) {
            // One event (flags: session key and import id, as a varint: 0x81 0x08), time 0, type 1,
            // import 1, then a session key whose length is huge.
            try EventBlock.decode([EventBlock.format, 1, 0x81, 0x08, 0, 1, 1] + huge)
        }
    }

    @Test("rows spilled to disk come back grouped by user in file order, as when kept in memory")
    func spill() throws {
        var random = Random(state: 99)
        let events = Self.randomEvents(&random, count: 5000)
        let users = events.indices.map { _ in Int64(random.below(20_000)) }
        var expected: [Int64: [StoredEvent]] = [:]
        for (user, event) in zip(users, events) { expected[user, default: []].append(event) }
        for budget in [EventSpill.defaultMemoryBudget, 1 << 12, 1] {
            var spill = EventSpill(memoryBudget: budget)
            for (user, event) in zip(users, events) { try Self.withParts(event) { try spill.add(user: user, $0) } }
            #expect(spill.spilledToDisk == (budget < EventSpill.defaultMemoryBudget))
            var seen: [Int64] = []
            for bucket in EventSpill.bucketIndices([spill]) {
                var inBucket: [Int64] = []
                try EventSpill.forEachUser(in: [spill], bucket: bucket) { user, rows in
                    inBucket.append(user)
                    #expect(rows == expected[user], "user \(user), budget \(budget)")
                }
                // The users the importer reads stored blocks for are exactly those with rows.
                #expect(EventSpill.users(in: [spill], bucket: bucket) == inBucket)
                seen += inBucket
            }
            #expect(seen == expected.keys.sorted())
            spill.close()
        }
    }

    @Test("a database of schema 3 keeps its events: migration 4 moves them into blocks and drops the table")
    func legacyEvents() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("old.sqlite")
        let database = try Database(path: path)
        try Migrator(migrations: Migration.embedded.filter { $0.version <= 3 }).migrate(database)
        try database.execute("""
            INSERT INTO users (id, external_id) VALUES (1, 'u1'), (2, 'u2');
            INSERT INTO labels (id, kind, value) VALUES (1, 'event_type', 'page_view'), (2, 'event_type', 'purchase'),
                                                        (3, 'page', '/a'), (4, 'channel', 'email');
            INSERT INTO events (id, import_id, user_id, ts, event_type_id, session_key, page_id, channel_id, device_id,
                                campaign_id, revenue, event_id, props, order_id) VALUES
                (1, 1, 2, 5000, 1, NULL, 3, 4, NULL, NULL, NULL, 'e1', NULL, NULL),
                (2, 1, 1, 9000, 2, 's9', NULL, NULL, NULL, NULL, 12.5, 'e2', x'0102', 'o1'),
                (3, 2, 1, 1000, 1, 's9', 3, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
                (4, 2, 2, 5000, 1, NULL, 3, 4, NULL, NULL, NULL, 'e0', NULL, NULL);
            """)
        try Migrator().migrate(database)
        #expect(try database.scalarInt("SELECT count(*) FROM sqlite_schema WHERE name = 'events'") == 0)
        #expect(try EventBlock.events(of: 1, in: database) == [
            StoredEvent(timestamp: 1000, eventTypeID: 1, importID: 2, sessionKey: "s9", pageID: 3),
            StoredEvent(timestamp: 9000, eventTypeID: 2, importID: 1, sessionKey: "s9", revenue: 12.5, eventID: "e2",
                        orderID: "o1", props: [1, 2]),
        ])
        // Ties keep the order the rows were stored in (their ids).
        #expect(try EventBlock.events(of: 2, in: database).map(\.eventID) == ["e1", "e0"])
        #expect(try EventBlock.eventCount(in: database) == 4)
        #expect(try database.scalarText("PRAGMA integrity_check") == "ok")
    }

    @Test("event ids are scoped to the user: the same id on another user is another event")
    func duplicatesPerUser() throws {
        let directory = TemporaryDirectory()
        let db = directory.path("u.sqlite")
        let file = try directory.write("e.csv", """
            event_id,timestamp,user_id,event_type
            e1,2024-03-01T10:00:00Z,u1,page_view
            e1,2024-03-01T10:00:00Z,u2,page_view
            e1,2024-03-01T10:05:00Z,u1,page_view
            """)
        let result = try CLI.run(["import", file, "--db", db, "--format", "json"])
        #expect(result.stdout.contains("\"rows_imported\": 2"), "\(result.stdout)")
        #expect(result.stdout.contains("\"rows_duplicate\": 1"))
    }
}

@Suite("Two readers")
struct TwoReaderTests {
    @Test("a reject count limit stops two readers where one reader stops: same counts, same rejects")
    func rejectLimit() throws {
        let directory = TemporaryDirectory()
        let header = "event_id,timestamp,user_id,event_type,page\n"
        // Every 37th row is a reject: 81 in 3,000 rows, about 40 in each half.
        // With quotes the file is cut in two halves; without, in many parts.
        for (file, quoted) in [(try directory.write("r.csv", header + Self.rows(3000, users: 40, seed: 1)), true),
                               (try directory.write("p.csv", header + Self.rows(3000, users: 40, seed: 1, quoted: false)), false)] {
        // Passed in the first half, in the second half alone, only by both halves together, never.
        for limit in [0, 1, 20, 45, 60, 100] {
            var outputs: [String] = []
            for bytes in ["1", "999999999999"] {
                let db = directory.path("r\(limit)-\(bytes.count)-\(quoted).sqlite")
                let result = try CLI.run(["import", file, "--db", db, "--max-errors", String(limit), "--format", "json"],
                                         environment: ["ANALYTICS_SPLIT_BYTES": bytes])
                #expect(result.status == (limit < 81 ? 2 : 1), "\(result.stdout)")
                let rejects = try CLI.run(["rejects", "--db", db, "--format", "csv"]).stdout
                outputs.append(result.stdout.split(separator: "\n").filter {
                    $0.contains("rows_") || $0.contains("\"status\"")
                }.joined(separator: "\n") + rejects)
            }
            #expect(outputs[0] == outputs[1], "limit \(limit), quoted \(quoted)")
        }
        }
    }

    /// Everything an import stored, as text: counts, rejects with their lines, events, sessions, timelines.
    static func contents(_ path: String) throws -> [String] {
        let database = try Database(path: path, mode: .readOnly)
        try EventBlock.createEventsView(in: database)
        var lines = try database.query("""
            SELECT rows_read, rows_imported, rows_duplicate, rows_rejected, status FROM imports ORDER BY id
            """) { "import \($0.int(0)) \($0.int(1)) \($0.int(2)) \($0.int(3)) \($0.string(4))" }
        lines += try database.query("SELECT line, reason, raw FROM rejects ORDER BY line") {
            "reject \($0.int(0)) \($0.string(1)) \($0.string(2))"
        }
        lines += try database.query("""
            SELECT u.external_id, e.ts, t.value, coalesce(p.value, ''), coalesce(e.event_id, ''), e.id
            FROM events e JOIN users u ON u.id = e.user_id JOIN labels t ON t.id = e.event_type_id
            LEFT JOIN labels p ON p.id = e.page_id ORDER BY u.external_id, e.id
            """) { "event \($0.string(0)) \($0.int64(1)) \($0.string(2)) \($0.string(3)) \($0.string(4))" }
        lines += try database.query("""
            SELECT u.external_id, s.ordinal, s.start_ts, s.end_ts, s.events, s.page_views FROM sessions s
            JOIN users u ON u.id = s.user_id ORDER BY u.external_id, s.ordinal
            """) { "session \($0.string(0)) \($0.int(1)) \($0.int64(2)) \($0.int64(3)) \($0.int(4)) \($0.int(5))" }
        // Label ids may differ (two threads meet new labels in another order): compare names.
        let names = try database.query("SELECT id, value FROM labels") { ($0.int64(0), $0.string(1)) }
        let name = Dictionary(uniqueKeysWithValues: names)
        lines += try database.query("""
            SELECT u.external_id, t.records FROM timelines t JOIN users u ON u.id = t.user_id ORDER BY u.external_id
            """) { row in
            var records: [TimelineRecord] = []
            row.withBlob(1) { TimelineRecord.decode($0, into: &records) }
            return "timeline \(row.string(0)) " + records.map {
                "\($0.timestamp) \(name[Int64($0.eventTypeID)] ?? "") \(name[Int64($0.pageID)] ?? "") \($0.sessionIndex)"
            }.joined(separator: ";")
        }
        return lines
    }

    /// Imports `csv` with the file cut in two (any size) and read whole; both must store exactly the same.
    @discardableResult
    func compare(_ csv: String, name: String, readers: Int) throws -> [String] {
        let directory = TemporaryDirectory()
        let file = try directory.write(name, csv)
        let split = directory.path("split.sqlite"), whole = directory.path("whole.sqlite")
        let first = try CLI.run(["import", file, "--db", split, "--format", "json"], environment: ["ANALYTICS_SPLIT_BYTES": "1"])
        #expect(first.stdout.contains("\"readers\": \(readers)"), "\(first.stdout)")
        let second = try CLI.run(["import", file, "--db", whole, "--quiet"], environment: ["ANALYTICS_SPLIT_BYTES": "999999999999"])
        #expect(first.status == second.status, "\(first.stderr) \(second.stderr)")
        let cut = try Self.contents(split), single = try Self.contents(whole)
        let onlySplit = cut.filter { !single.contains($0) }, onlyWhole = single.filter { !cut.contains($0) }
        #expect(cut == single, "split only: \(onlySplit.prefix(3)); whole only: \(onlyWhole.prefix(3))")
        #expect(cut.contains { $0.hasPrefix("session") })
        #expect(cut.contains { $0.hasPrefix("reject") })
        return cut
    }

    /// Rows with rejects and repeated ids; with `quoted`, every 37th has a line break inside quotes.
    static func rows(_ count: Int, users: Int, seed: Int, quoted: Bool = true) -> String {
        (0..<count).map { index in
            let user = (index * 7 + seed) % users
            let second = index % 60, minute = (index / 60) % 60, hour = 8 + index / 3600
            let time = String(format: "2024-03-01T%02d:%02d:%02dZ", hour, minute, second)
            switch index % 37 {
            case 5: return "e\(index),not-a-time,u\(user),page_view,/bad\n" // a reject
            case 11: return "e\(index - 1),\(time),u\(((index - 1) * 7 + seed) % users),page_view,/again\n" // a duplicate id
            case 17 where quoted: return "e\(index),\(time),u\(user),page_view,\"/multi\nline \"\"page\"\"\"\n" // a quoted line break
            default: return "e\(index),\(time),u\(user),\(index % 3 == 0 ? "product_view" : "page_view"),/p\(index % 5)\n"
            }
        }.joined()
    }

    @Test("a file read by two threads stores exactly what one thread stores: events, duplicates, rejects and their lines")
    func sameAsOneReader() throws {
        let header = "event_id,timestamp,user_id,event_type,page\n"
        let stored = try compare(header + Self.rows(3000, users: 40, seed: 1), name: "plain.csv", readers: 2)
        // read, imported, duplicate, rejected: every 37th row is a reject, and one in 37 repeats an id.
        #expect(stored.first == "import 3000 2838 81 81 completed")
    }

    @Test("a file without quotes is read in many parts by two threads and stores exactly what one thread stores")
    func manyParts() throws {
        let header = "event_id,timestamp,user_id,event_type,page\n"
        let plain = header + Self.rows(3000, users: 40, seed: 3, quoted: false)
        let stored = try compare(plain, name: "plain.csv", readers: 2)
        #expect(stored.first == "import 3000 2838 81 81 completed")
        // What the import above did (ANALYTICS_SPLIT_BYTES=1): 32 parts; a file with quotes is cut once.
        for (name, text, cuts) in [("plain.csv", plain, FileSplit.maximumParts - 1),
                                   ("quoted.csv", header + Self.rows(3000, users: 40, seed: 3), 1)] {
            let found = try #require(FileSplit.cuts(of: Array(text.utf8), minimumBytes: 1))
            #expect(found.count == cuts, "\(name)")
            #expect(found.map(\.offset) == found.map(\.offset).sorted() && Set(found.map(\.line)).count == cuts)
        }
    }

    @Test("cuts found from pieces of any size, as the hash reads them, are those of the definition")
    func cutsFromPieces() throws {
        let header = "event_id,timestamp,user_id,event_type,page\n"
        let plain = header + Self.rows(600, users: 30, seed: 5, quoted: false)
        // Blank lines (LF and CRLF) just after would-be cuts: a cut never starts at one.
        let blanks = plain.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            .map { $0.offset % 7 == 3 ? $0.element + "\n" : String($0.element) }.joined(separator: "\n")
        let texts = [("plain", plain), ("crlf", plain.replacingOccurrences(of: "\n", with: "\r\n")), ("blanks", blanks),
                     ("crlf blanks", blanks.replacingOccurrences(of: "\n", with: "\r\n")),
                     ("quoted", header + Self.rows(600, users: 30, seed: 5))]
        var generator = SystemRandomNumberGenerator()
        for (name, text) in texts {
            let bytes = Array(text.utf8)
            // The definition, on the whole file at once: for each share in turn, the first line break at
            // or after it (and after the cut before) that is followed by a record, not a blank line.
            func expected(parts: Int) -> [FileSplit] {
                var cuts: [FileSplit] = []
                var lineBreaks = 0
                for index in bytes.indices where bytes[index] == 0x0A {
                    lineBreaks += 1
                    let offset = index + 1
                    guard cuts.count < parts - 1, offset < bytes.count, bytes[offset] != 0x0A, bytes[offset] != 0x0D,
                          Int64(offset) >= Int64(bytes.count) * Int64(cuts.count + 1) / Int64(parts) else { continue }
                    cuts.append(FileSplit(offset: Int64(offset), line: lineBreaks + 1))
                }
                return cuts
            }
            let wanted = expected(parts: name == "quoted" ? 2 : FileSplit.parts(size: Int64(bytes.count), minimumBytes: 1))
            #expect(wanted.count == (name == "quoted" ? 1 : FileSplit.maximumParts - 1), "\(name)")
            for round in 0..<20 {
                var finder = FileSplit.Finder(size: Int64(bytes.count), minimumBytes: 1)
                var start = 0
                while start < bytes.count {
                    // Pieces of 1 to 97 bytes, and whole at once in the first round.
                    let end = round == 0 ? bytes.count : min(bytes.count, start + Int.random(in: 1...97, using: &generator))
                    bytes[start..<end].withUnsafeBytes { finder.scan($0) }
                    start = end
                }
                #expect(finder.cuts == wanted, "\(name), round \(round)")
            }
        }
    }

    @Test("a part whose next cut is not at a record start of the same byte and line is not clean (a file rewritten at the same size after its cuts were found)")
    func rewrittenSinceCut() throws {
        let header = "event_id,timestamp,user_id,event_type,page\n"
        let original = header + Self.rows(3000, users: 40, seed: 3, quoted: false)
        // The same size, the same lines: line 10 six bytes longer, the last line six bytes shorter, so
        // every cut between them falls six bytes into a line of the rewritten file.
        var lines = original.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines[9] += "/extra"
        let last = lines.count - 2
        lines[last] = String(lines[last].dropLast(6))
        let rewritten = lines.joined(separator: "\n")
        #expect(rewritten.utf8.count == original.utf8.count)
        let cut = try #require(FileSplit.cuts(of: Array(original.utf8), minimumBytes: 1)?.first)
        let layout = try HeaderLayout(header: ["event_id", "timestamp", "user_id", "event_type", "page"], path: "events.csv", kind: nil,
                                      mapping: ColumnMapping())
        let parser = try RowParser(layout: layout, timestamps: TimestampParser())
        for (text, clean) in [(original, true), (rewritten, false)] {
            // The first part's reader, after the header, stops where the second part starts.
            let reader = CSVReader(source: MemorySource(text, chunk: 777), bufferSize: 4096)
            #expect(try reader.next())
            var tally = RowTally(errorLimit: .unlimited)
            let ended = try tally.read(reader, parser: parser, stop: (cut.line, cut.offset), report: { _ in }) { _ in }
            #expect(ended == clean)
            #expect(reader.line == cut.line, "the line alone does not tell")
        }
    }

    @Test("a CRLF file is cut and read by two threads, lines counted as one reader counts them; a lone CR is not cut")
    func crlfLineEnds() throws {
        let header = "event_id,timestamp,user_id,event_type,page\n"
        let plain = header + Self.rows(3000, users: 40, seed: 3, quoted: false)
        let crlf = plain.replacingOccurrences(of: "\n", with: "\r\n")
        // Rejects keep their line numbers: the reader counts CRLF as one line break, as the cuts do.
        let stored = try compare(crlf, name: "crlf.csv", readers: 2)
        #expect(stored.first == "import 3000 2838 81 81 completed")
        let plainRejects = try compare(plain, name: "plain.csv", readers: 2).filter { $0.hasPrefix("reject") }
        #expect(stored.filter { $0.hasPrefix("reject") } == plainRejects)
        let bytes = Array(crlf.utf8)
        let cuts = try #require(FileSplit.cuts(of: bytes, minimumBytes: 1))
        #expect(cuts.count == FileSplit.maximumParts - 1)
        for cut in cuts {
            // Just after a CRLF, on the line that follows as many line breaks as come before it.
            let offset = Int(cut.offset)
            #expect(bytes[offset - 2] == 0x0D && bytes[offset - 1] == 0x0A)
            #expect(cut.line == 1 + bytes[..<offset].filter { $0 == 0x0A }.count)
        }
        // A lone CR (an old Mac line end) in the first part: not cut, read by one thread.
        var lone = Array(crlf.utf8)
        lone.remove(at: try #require(lone.firstIndex(of: 0x0A)))
        #expect(FileSplit.cuts(of: lone, minimumBytes: 1) == nil)
        try compare(String(decoding: lone, as: UTF8.self), name: "lone.csv", readers: 1)
    }

    @Test("a cut that falls inside a quoted field is noticed, and the file is read again by one thread")
    func cutInsideQuotes() throws {
        let header = "event_id,timestamp,user_id,event_type,page\n"
        let long = "q1,2024-03-01T07:00:00Z,u1,page_view,\"" + String(repeating: "a line\n", count: 400) + "end\"\n"
        let rows = Self.rows(300, users: 9, seed: 2)
        let text = header + rows + long + rows
        // The cut (just after the first line break at or after the middle, as FileSplit makes it)
        // falls inside the long quoted field, so the first reader must notice and read it all again.
        let bytes = Array(text.utf8)
        let fieldStart = (header + rows).utf8.count, fieldEnd = fieldStart + long.utf8.count - 2
        let cut = (bytes.count / 2..<bytes.count).first { bytes[$0] == 0x0A }.map { $0 + 1 } ?? 0
        #expect(fieldStart < cut && cut < fieldEnd, "cut at \(cut), field \(fieldStart)..<\(fieldEnd)")
        #expect(!text.contains("\r"), "no carriage return, so the file is cut and the fallback is what gives one reader")
        try compare(text, name: "quoted.csv", readers: 1)
    }
}

extension FileSplit {
    /// The cuts of a file's bytes, as the pass that hashes the file finds them.
    static func cuts(of bytes: [UInt8], minimumBytes: Int64) -> [FileSplit]? {
        var finder = Finder(size: Int64(bytes.count), minimumBytes: minimumBytes)
        bytes.withUnsafeBytes { finder.scan($0) }
        return finder.cuts
    }
}
