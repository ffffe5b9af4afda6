import Foundation

/// One event of a user's timeline as packed in `timelines.records`: fixed
/// 32-byte little-endian records in journey order, so a funnel reads each
/// user's journey as one blob and matches stages on integer codes.
///
/// Layout: timestamp (Int64), event type id, page id, session index (0-based
/// within the user), and the session's touchpoint: channel, device, campaign
/// ids (Int32 each; 0 means none).
package struct TimelineRecord: Sendable, Equatable {
    package var timestamp: Int64
    package var eventTypeID: Int32
    package var pageID: Int32
    package var sessionIndex: Int32
    package var channelID: Int32
    package var deviceID: Int32
    package var campaignID: Int32

    package static let size = 32

    /// Byte offsets of the fields within a record.
    package enum Offset {
        package static let timestamp = 0, eventType = 8, page = 12, session = 16, channel = 20, device = 24, campaign = 28
    }

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

    /// Writes this record as the `index`th of a blob (`SessionStore.derive` packs a timeline so).
    @inline(__always)
    func store(into raw: UnsafeMutableRawBufferPointer, at index: Int) {
        let offset = index * Self.size
        raw.storeBytes(of: timestamp.littleEndian, toByteOffset: offset + Offset.timestamp, as: Int64.self)
        raw.storeBytes(of: eventTypeID.littleEndian, toByteOffset: offset + Offset.eventType, as: Int32.self)
        raw.storeBytes(of: pageID.littleEndian, toByteOffset: offset + Offset.page, as: Int32.self)
        raw.storeBytes(of: sessionIndex.littleEndian, toByteOffset: offset + Offset.session, as: Int32.self)
        raw.storeBytes(of: channelID.littleEndian, toByteOffset: offset + Offset.channel, as: Int32.self)
        raw.storeBytes(of: deviceID.littleEndian, toByteOffset: offset + Offset.device, as: Int32.self)
        raw.storeBytes(of: campaignID.littleEndian, toByteOffset: offset + Offset.campaign, as: Int32.self)
    }

    /// Unpacks the records of a blob (trailing partial bytes are ignored).
    package static func decode(_ bytes: UnsafeRawBufferPointer, into records: inout [TimelineRecord]) {
        records.removeAll(keepingCapacity: true)
        let count = bytes.count / size
        for index in 0..<count {
            let offset = index * size
            records.append(TimelineRecord(
                timestamp: Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + Offset.timestamp, as: Int64.self)),
                eventTypeID: Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + Offset.eventType, as: Int32.self)),
                pageID: Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + Offset.page, as: Int32.self)),
                sessionIndex: Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + Offset.session, as: Int32.self)),
                channelID: Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + Offset.channel, as: Int32.self)),
                deviceID: Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + Offset.device, as: Int32.self)),
                campaignID: Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + Offset.campaign, as: Int32.self))))
        }
    }
}
