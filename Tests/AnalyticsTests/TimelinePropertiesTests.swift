import Testing
@testable import AnalyticsCore
@testable import AnalyticsQueries
@testable import AnalyticsSessions

/// The column layout of `timelines.props`, written and read back (the worked example of
/// `TimelineProperties`): one column per property, one value per record, 0 where absent.
@Suite struct TimelinePropertiesTests {
    /// Three records: properties 1 and 3 on the first, none on the second, and on the third
    /// property 3, then property 1 twice (a header naming a column twice: the first value counts).
    let records: [[(property: Int64, value: Int64)]] = [[(1, 5), (3, 200)], [], [(1, 9), (1, 11), (3, 7)]]

    func encoded() -> [UInt8]? {
        let events = records.enumerated().map { index, pairs in
            var event = JourneyEvent(timestamp: Int64(index), eventTypeID: 1, eventTypeName: "view")
            event.props = pairs.isEmpty ? [] : PropertyBytes(PropertyCodec.encode(pairs))
            return event
        }
        return events.withUnsafeBufferPointer { TimelineProperties.encode($0) }
    }

    @Test func columnsPerProperty() {
        // Property 1: 3 bytes (5, 0, 9); property 3: 4 bytes (200 takes two: 0xC8 0x01; then 0, 7).
        #expect(encoded() == [1, 3, 5, 0, 9, 3, 4, 0xC8, 0x01, 0, 7])
    }

    @Test func noPropertiesIsNull() {
        let events = [JourneyEvent(timestamp: 0, eventTypeID: 1, eventTypeName: "view")]
        #expect(events.withUnsafeBufferPointer { TimelineProperties.encode($0) } == nil)
    }

    /// Every property, record by record, as a filter reads them.
    @Test func readsEveryColumn() throws {
        let bytes = try #require(encoded())
        var columns = PropertyColumns()
        var seen: [[Int64?]] = []
        bytes.withUnsafeBytes { bytes in
            columns.start(bytes)
            for _ in records.indices {
                columns.next(bytes)
                seen.append([columns.value(of: 1), columns.value(of: 2), columns.value(of: 3)])
            }
        }
        #expect(columns.properties == [1, 3])
        #expect(seen == [[5, nil, 200], [nil, nil, nil], [9, nil, 7]])
    }

    /// Only the properties asked for, in the order asked, as a breakdown reads them.
    @Test func readsWantedColumnsOnly() throws {
        let bytes = try #require(encoded())
        var columns = PropertyColumns(wanted: [3, 2])
        var seen: [[Int64]] = []
        bytes.withUnsafeBytes { bytes in
            columns.start(bytes)
            for _ in records.indices {
                columns.next(bytes)
                seen.append(columns.values)
            }
        }
        #expect(seen == [[200, 0], [0, 0], [7, 0]])
    }

    /// A cut-off column reads as absent values, never past its end or the blob's.
    @Test func truncatedBytesReadAsAbsent() throws {
        let bytes = try #require(encoded())
        for cut in 0..<bytes.count {
            var columns = PropertyColumns()
            var values: [Int64?] = []
            Array(bytes[..<cut]).withUnsafeBytes { bytes in
                columns.start(bytes)
                for _ in 0..<4 {
                    columns.next(bytes)
                    values.append(columns.value(of: 3))
                }
            }
            // Property 3's column is only whole in the full blob.
            #expect(values.allSatisfy { $0 == nil })
        }
    }

    /// A session's properties are, per property, the first value among its events in journey order
    /// (and within an event, its first pair), in property id order: the sessionizer's shortcut (the
    /// first event's pairs while later events add no property) against that rule written plainly,
    /// on random events with shared, new, repeated, unordered and large (64 and above) property ids.
    @Test func sessionPropertiesAreFirstValues() {
        var random = EventBlockTests.Random(state: 5)
        let sessionizer = Sessionizer(pageViewTypeID: nil)
        for round in 0..<300 {
            var events: [JourneyEvent] = (0..<(1 + random.below(12))).map { index in
                var event = JourneyEvent(timestamp: Int64(index) * 60_000 * Int64(1 + random.below(40)),
                                         eventTypeID: 1, eventTypeName: "view")
                let ids: [Int64] = random.chance(70) ? [1, 3, 5] : [[2], [5, 3], [1, 1, 7], [64, 3], [70], []][random.below(6)]
                let pairs = ids.map { ($0, Int64(1 + random.below(4))) }
                event.props = PropertyBytes(PropertyCodec.encode(pairs))
                return event
            }
            events.sort { $0.timestamp < $1.timestamp }
            let (sessions, sessionOfEvent) = sessionizer.sessionize(&events)
            for (index, session) in sessions.enumerated() {
                var expected: [(property: Int64, value: Int64)] = []
                for event in events.indices where sessionOfEvent[event] == index {
                    for pair in PropertyCodec.decode(events[event].props)
                    where !expected.contains(where: { $0.property == pair.property }) {
                        expected.append(pair)
                    }
                }
                let encoded = PropertyCodec.encode(expected.sorted { $0.property < $1.property })
                #expect(session.props == encoded, "round \(round), session \(index)")
            }
        }
    }
}
