import AnalyticsCore

/// One event of a user's timeline as stored in `timelines.records`, in journey order, so a funnel
/// reads each user's journey as one blob and matches stages on integer codes.
///
/// A blob (`encode`; `TimelineCursor` reads it): the format byte (2); the number of sessions, then
/// per session its touchpoint: channel, device and campaign ids; the number of records, then per
/// record its time as the difference from the previous record's (the first's from 0, zigzag), its
/// event type id, page id and session index (0-based within the user). Every number is an unsigned
/// LEB128 varint (`PropertyCodec`); an id of 0 means none. A record takes about 7 bytes: format 1's
/// fixed 32-byte records repeated the session's touchpoint on every record.
package struct TimelineRecord: Sendable, Equatable {
    package var timestamp: Int64
    package var eventTypeID: Int32
    package var pageID: Int32
    package var sessionIndex: Int32
    package var channelID: Int32
    package var deviceID: Int32
    package var campaignID: Int32

    package init(timestamp: Int64, eventTypeID: Int32, pageID: Int32, sessionIndex: Int32, channelID: Int32,
                deviceID: Int32, campaignID: Int32) {
        self.timestamp = timestamp
        self.eventTypeID = eventTypeID
        self.pageID = pageID
        self.sessionIndex = sessionIndex
        self.channelID = channelID
        self.deviceID = deviceID
        self.campaignID = campaignID
    }

    /// A value that does not fit a record's 32-bit field. Label ids and session
    /// positions are far below 2^31 in practice; this turns the impossible into
    /// an error instead of a silently wrong funnel.
    package struct FieldOverflow: Error, CustomStringConvertible, Equatable {
        package let field: String
        package let value: Int64

        package var description: String {
            "\(field) \(value) does not fit a timeline record (at most \(Int32.max)); the database has more labels "
                + "or sessions per user than timelines can hold"
        }
    }

    /// Narrows a label id (nil: none, 0) or a position to a record field, checked.
    /// - Throws: `FieldOverflow` when the value is negative or above `Int32.max`.
    @inline(__always)
    package static func field(_ value: Int64?, _ name: String) throws -> Int32 {
        guard let value else { return 0 }
        guard value >= 0, let narrow = Int32(exactly: value) else { throw FieldOverflow(field: name, value: value) }
        return narrow
    }

    /// Packs a user's sessionized events (`sessionOfEvent[i]`: the index in `sessions` of event i's session).
    /// - Throws: `FieldOverflow` for an id or session index above `Int32.max`.
    static func encode(_ events: UnsafeBufferPointer<JourneyEvent>, sessionOfEvent: [Int], sessions: [Session]) throws -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + sessions.count * 6 + events.count * 9)
        bytes.append(TimelineCursor.format)
        // The numbers of a session or a record written into a buffer on the stack, appended at once
        // (an append per byte checks the array's capacity each time).
        try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 40) { buffer in
            var count = 0
            func flush() {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[..<count]))
                count = 0
            }
            PropertyCodec.putVarint(UInt64(sessions.count), into: buffer, at: &count)
            for session in sessions {
                PropertyCodec.putVarint(UInt64(try field(session.channelID, "channel id")), into: buffer, at: &count)
                PropertyCodec.putVarint(UInt64(try field(session.deviceID, "device id")), into: buffer, at: &count)
                PropertyCodec.putVarint(UInt64(try field(session.campaignID, "campaign id")), into: buffer, at: &count)
                flush()
            }
            PropertyCodec.putVarint(UInt64(events.count), into: buffer, at: &count)
            var previous: Int64 = 0
            for index in events.indices {
                let time = events[index].timestamp
                PropertyCodec.putVarint(PropertyCodec.zigzag(time &- previous), into: buffer, at: &count)
                PropertyCodec.putVarint(UInt64(try field(events[index].eventTypeID, "event type id")), into: buffer, at: &count)
                PropertyCodec.putVarint(UInt64(try field(events[index].pageID, "page id")), into: buffer, at: &count)
                PropertyCodec.putVarint(UInt64(try field(Int64(sessionOfEvent[index]), "session index")), into: buffer, at: &count)
                flush()
                previous = time
            }
            flush()
        }
        return bytes
    }

    /// Unpacks the records of a blob (a damaged blob's records up to the damage).
    package static func decode(_ bytes: UnsafeRawBufferPointer, into records: inout [TimelineRecord]) {
        records.removeAll(keepingCapacity: true)
        var cursor = TimelineCursor(bytes)
        while cursor.next() {
            let touchpoint = cursor.touchpoint
            records.append(TimelineRecord(timestamp: cursor.timestamp, eventTypeID: cursor.eventTypeID, pageID: cursor.pageID,
                                          sessionIndex: cursor.sessionIndex, channelID: touchpoint.channel,
                                          deviceID: touchpoint.device, campaignID: touchpoint.campaign))
        }
    }
}
