import Foundation
import Testing
@testable import Analytics
@testable import AnalyticsCore
@testable import AnalyticsQueries
@testable import AnalyticsSessions
@testable import AnalyticsStorage

/// The compact layout of `timelines.records` (`TimelineRecord`, read by `TimelineCursor`): written
/// and read back against the records written plainly, damaged blobs read without a trap, and
/// timelines of the fixed 32-byte layout derived again on the next open.
@Suite("Timeline records: the compact layout")
struct TimelineRecordTests {
    /// A user's sessionized events, made up: per event its time, type, page and session.
    struct Timeline {
        var events: [JourneyEvent] = []
        var sessionOfEvent: [Int] = []
        var sessions: [Session] = []

        /// Each record as the layout defines it: the event's own fields and its session's touchpoint.
        var expected: [TimelineRecord] {
            events.indices.map { index in
                let session = sessions[sessionOfEvent[index]]
                return TimelineRecord(timestamp: events[index].timestamp, eventTypeID: Int32(events[index].eventTypeID),
                                      pageID: Int32(events[index].pageID ?? 0), sessionIndex: Int32(sessionOfEvent[index]),
                                      channelID: Int32(session.channelID ?? 0), deviceID: Int32(session.deviceID ?? 0),
                                      campaignID: Int32(session.campaignID ?? 0))
            }
        }

        func encoded() throws -> [UInt8] {
            try events.withUnsafeBufferPointer { try TimelineRecord.encode($0, sessionOfEvent: sessionOfEvent, sessions: sessions) }
        }
    }

    static func session(channel: Int64?, device: Int64?, campaign: Int64?) -> Session {
        Session(ordinal: 1, sessionKey: nil, start: 0, end: 0, events: 1, pageViews: 0, orders: 0, revenueOrders: 0, revenue: 0,
                channelID: channel, deviceID: device, campaignID: campaign, landingPageID: nil)
    }

    static func decoded(_ bytes: [UInt8]) -> [TimelineRecord] {
        var records: [TimelineRecord] = []
        bytes.withUnsafeBytes { TimelineRecord.decode($0, into: &records) }
        return records
    }

    /// Times at the edges (the first and the extremes of Int64, equal times, times going back as
    /// interleaved sessions make them), ids of every varint length up to Int32.max, none (nil),
    /// up to 300 sessions.
    static func random(_ generator: inout some RandomNumberGenerator) -> Timeline {
        let ids: [Int64?] = [nil, 0, 1, 127, 128, 16_383, 16_384, 2_097_152, Int64(Int32.max)]
        let times: [Int64] = [.min, -1, 0, 1, 1_700_000_000_000, .max]
        var timeline = Timeline()
        let sessionCount = [1, 2, 3, 300].randomElement(using: &generator)!
        for _ in 0..<sessionCount {
            timeline.sessions.append(session(channel: ids.randomElement(using: &generator)!,
                                             device: ids.randomElement(using: &generator)!,
                                             campaign: ids.randomElement(using: &generator)!))
        }
        var time = times.randomElement(using: &generator)!
        for _ in 0..<Int.random(in: 1...40, using: &generator) {
            switch Int.random(in: 0..<4, using: &generator) {
            case 0: break // the same time
            case 1: time = times.randomElement(using: &generator)!
            default: time = time &+ Int64.random(in: -86_400_000...86_400_000 * 40, using: &generator)
            }
            timeline.events.append(JourneyEvent(timestamp: time, eventTypeID: ids.randomElement(using: &generator)! ?? 1,
                                                eventTypeName: "", pageID: ids.randomElement(using: &generator)!))
            timeline.sessionOfEvent.append(Int.random(in: 0..<sessionCount, using: &generator))
        }
        return timeline
    }

    @Test("a worked example: two sessions, one touchpoint each, times as differences")
    func workedExample() throws {
        var timeline = Timeline()
        timeline.sessions = [Self.session(channel: 3, device: nil, campaign: 200),
                             Self.session(channel: 4, device: 2, campaign: nil)]
        timeline.events = [JourneyEvent(timestamp: 1000, eventTypeID: 7, eventTypeName: "", pageID: 9),
                           JourneyEvent(timestamp: 1064, eventTypeID: 8, eventTypeName: "", pageID: nil),
                           JourneyEvent(timestamp: 1000, eventTypeID: 7, eventTypeName: "", pageID: 300)]
        timeline.sessionOfEvent = [0, 0, 1]
        // Format 2; 2 sessions: (3, 0, 200 = C8 01), (4, 2, 0); 3 records: +1000 (zigzag 2000 = D0 0F), 7, 9, 0;
        // +64 (zigzag 128 = 80 01), 8, 0, 0; -64 (zigzag 127), 7, 300 (AC 02), 1.
        let bytes = try timeline.encoded()
        #expect(bytes == [2, 2, 3, 0, 0xC8, 0x01, 4, 2, 0, 3, 0xD0, 0x0F, 7, 9, 0, 0x80, 0x01, 8, 0, 0, 127, 7, 0xAC, 0x02, 1])
        #expect(Self.decoded(bytes) == timeline.expected)
    }

    @Test("500 random timelines read back exactly as written plainly")
    func roundTrip() throws {
        var generator = SplitMix64(seed: 17)
        for _ in 0..<500 {
            let timeline = Self.random(&generator)
            let bytes = try timeline.encoded()
            #expect(Self.decoded(bytes) == timeline.expected)
            bytes.withUnsafeBytes { #expect(TimelineCursor($0).count == timeline.events.count) }
        }
    }

    @Test("a damaged blob reads up to the damage, never past it, never trapping")
    func damaged() throws {
        var generator = SplitMix64(seed: 5)
        for _ in 0..<40 {
            let timeline = Self.random(&generator)
            let bytes = try timeline.encoded()
            let expected = timeline.expected
            for length in 0..<bytes.count {
                let records = Self.decoded(Array(bytes[..<length]))
                #expect(records.count < expected.count)
                #expect(Array(expected.prefix(records.count)) == records)
            }
        }
        // Another format (the fixed 32-byte records of format 1 start with a time's low byte): no records.
        #expect(Self.decoded([1] + Array(repeating: 0, count: 63)).isEmpty)
        // A session index beyond the sessions ends the records.
        #expect(Self.decoded([2, 1, 0, 0, 0, 2, 2, 1, 0, 0, 2, 1, 0, 1]).count == 1)
        // Counts larger than the blob are not believed.
        #expect(Self.decoded([2, 0xFF, 0xFF, 0xFF, 0x0F]).isEmpty)
    }

    @Test("timelines of 32-byte records (before migration 11) are derived again on the next open")
    func rederivedAfterMigration() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("old.sqlite")
        let expected: [String: [String]]
        do {
            let fixture = try Fixture()
            try fixture.events(["\(t(0)),u1,page_view,/,email,mobile", "\(t(1)),u1,cart,/cart,,", "\(t(50)),u1,page_view,/,ads,",
                                "\(t(0)),u2,page_view,/b,,desktop"])
            expected = try timelineNames(fixture.database)
            // As written before: 32 bytes per record (time, type, page, session, channel, device, campaign).
            try fixture.database.run("UPDATE timelines SET records = ?", .blob(Data(repeating: 0, count: 64)))
            try fixture.database.execute("DELETE FROM schema_migrations WHERE version = 11")
            try fixture.database.execute("VACUUM INTO '\(path)'")
        }
        let workspace = try Workspace.open(path: path)
        #expect(try timelineNames(workspace.database) == expected)
        #expect(expected["u1"]?.count == 3)
        #expect(try workspace.database.scalarText("SELECT value FROM settings WHERE key = 'rederive'") == nil)
    }
}
