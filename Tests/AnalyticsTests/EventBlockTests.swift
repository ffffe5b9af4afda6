import Foundation
import Testing
@testable import Analytics
@testable import AnalyticsCore
@testable import AnalyticsIngest
@testable import AnalyticsSessions
@testable import AnalyticsStorage

@Suite("Event blocks")
struct EventBlockTests {
    /// A deterministic generator (SplitMix64), so failures repeat.
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
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
                props: random.chance(30) ? PropertyCodec.encode([(1, Int64(random.below(300))), (4, 70_000)]) : [])
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

    @Test("a damaged block is an error, never a crash or wrong events")
    func damaged() throws {
        var random = Random(state: 3)
        let block = EventBlock.encode(Self.randomEvents(&random, count: 50))
        for cut in [0, 1, 2, block.count / 2, block.count - 1] {
            #expect(throws: EventBlock.Damaged.self) { try EventBlock.decode(Array(block.prefix(cut))) }
        }
        #expect(throws: EventBlock.Damaged.self) { try EventBlock.decode([9] + block.dropFirst()) }
        #expect(throws: EventBlock.Damaged.self) { try EventBlock.decode(block + [0]) }
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
            for (user, event) in zip(users, events) { try spill.add(user: user, event) }
            #expect(spill.spilledToDisk == (budget < EventSpill.defaultMemoryBudget))
            var seen: [Int64] = []
            try EventSpill.forEachUser(in: [spill]) { user, rows in
                seen.append(user)
                #expect(rows == expected[user], "user \(user), budget \(budget)")
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
