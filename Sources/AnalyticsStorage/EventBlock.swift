import AnalyticsCore
import Foundation

/// One stored clickstream event: what its CSV row said, as compact codes.
package struct StoredEvent: Equatable, Sendable {
    /// Milliseconds since the Unix epoch, UTC.
    package var timestamp: Int64
    /// The `labels` id of the event type.
    package var eventTypeID: Int64
    /// The import that stored it (`imports.id`).
    package var importID: Int64
    /// The session id given in the file, scoped to the user.
    package var sessionKey: String?
    package var pageID: Int64?
    package var channelID: Int64?
    package var deviceID: Int64?
    package var campaignID: Int64?
    /// The row's amount (revenue, times quantity when mapped), for events of the order role.
    package var revenue: Double?
    package var eventID: String?
    /// The order the row is a line of, as given.
    package var orderID: String?
    /// Property pairs (`PropertyCodec`); empty when none.
    package var props: PropertyBytes

    package init(timestamp: Int64, eventTypeID: Int64, importID: Int64, sessionKey: String? = nil, pageID: Int64? = nil,
                 channelID: Int64? = nil, deviceID: Int64? = nil, campaignID: Int64? = nil, revenue: Double? = nil,
                 eventID: String? = nil, orderID: String? = nil, props: PropertyBytes = []) {
        self.timestamp = timestamp
        self.eventTypeID = eventTypeID
        self.importID = importID
        self.sessionKey = sessionKey
        self.pageID = pageID
        self.channelID = channelID
        self.deviceID = deviceID
        self.campaignID = campaignID
        self.revenue = revenue
        self.eventID = eventID
        self.orderID = orderID
        self.props = props
    }
}

/// The stored form of one user's events (`event_blocks.events`): the events in
/// time order (ties in the order they were stored), each written relative to
/// the one before it, so a typical event takes 10-20 bytes:
///
/// - the block: a format byte (1), a varint event count, then the events;
/// - an event: a varint of flags (`Flag`), the time as a zig-zag varint
///   difference from the previous event's (the first from 0), the event type
///   id; then only what the flags announce: the import id (when it differs
///   from the previous event's), page, channel, device and campaign ids, the
///   session key (length and bytes, unless it repeats the previous one), the
///   revenue (8 bytes, IEEE 754 little-endian), the event id (bytes shared with
///   the previous event id, length of the rest, the rest), the order id and the
///   property pairs (length and bytes).
package enum EventBlock {
    /// The format written; a reader refuses others.
    static let format: UInt8 = 1

    struct Flag {
        static let sessionKey: UInt64 = 1 << 0
        static let sameSessionKey: UInt64 = 1 << 1
        static let page: UInt64 = 1 << 2
        static let channel: UInt64 = 1 << 3
        static let device: UInt64 = 1 << 4
        static let campaign: UInt64 = 1 << 5
        static let revenue: UInt64 = 1 << 6
        static let eventID: UInt64 = 1 << 7
        static let orderID: UInt64 = 1 << 8
        static let props: UInt64 = 1 << 9
        static let importID: UInt64 = 1 << 10
    }

    /// A block that cannot be read: a bug or a damaged file, never bad input.
    package struct Damaged: Error, CustomStringConvertible {
        package let reason: String
        package var description: String { "damaged event block: \(reason); run `analytics sessions rebuild` after restoring a backup" }
    }

    /// Encodes events, which must be in time order.
    package static func encode(_ events: [StoredEvent]) -> [UInt8] {
        var bytes: [UInt8] = []
        encode(events, appendingTo: &bytes)
        return bytes
    }

    /// Appends the block of `events` (in time order) to `bytes`, which may hold other blocks before it.
    package static func encode(_ events: [StoredEvent], appendingTo bytes: inout [UInt8]) {
        // Twice the room when there is too little: `reserveCapacity` alone allocates just what it is
        // asked for, and blocks appended one after another would each copy all those before them.
        let needed = bytes.count + events.count * 16 + 4
        if bytes.capacity < needed { bytes.reserveCapacity(max(needed, 2 * bytes.capacity)) }
        bytes.append(format)
        PropertyCodec.appendVarint(UInt64(events.count), to: &bytes)
        // Each event is read in place: copying the one before (with its strings) cost more than encoding.
        events.withUnsafeBufferPointer { events in
            guard let base = events.baseAddress else { return }
            for index in events.indices {
                append(base + index, after: index == 0 ? nil : base + (index - 1), to: &bytes)
            }
        }
    }

    /// One event's fields with its texts as UTF-8 bytes, to encode without making a `StoredEvent`.
    package struct Parts {
        package var timestamp: Int64
        package var eventTypeID: Int64
        package var importID: Int64
        package var sessionKey: UnsafeRawBufferPointer?
        package var pageID: Int64?
        package var channelID: Int64?
        package var deviceID: Int64?
        package var campaignID: Int64?
        package var revenue: Double?
        package var eventID: UnsafeRawBufferPointer?
        package var orderID: UnsafeRawBufferPointer?
        /// Property pairs (`PropertyCodec`); empty when none.
        package var props: UnsafeRawBufferPointer

        package init(timestamp: Int64, eventTypeID: Int64, importID: Int64, sessionKey: UnsafeRawBufferPointer?,
                     pageID: Int64?, channelID: Int64?, deviceID: Int64?, campaignID: Int64?, revenue: Double?,
                     eventID: UnsafeRawBufferPointer?, orderID: UnsafeRawBufferPointer?, props: UnsafeRawBufferPointer) {
            self.timestamp = timestamp
            self.eventTypeID = eventTypeID
            self.importID = importID
            self.sessionKey = sessionKey
            self.pageID = pageID
            self.channelID = channelID
            self.deviceID = deviceID
            self.campaignID = campaignID
            self.revenue = revenue
            self.eventID = eventID
            self.orderID = orderID
            self.props = props
        }
    }

    /// Appends one event as the first of a sequence: the bytes of `append(event, after: nil)` for
    /// the `StoredEvent` with these fields (texts decoded as UTF-8), made without it.
    package static func appendFirst(_ event: Parts, to bytes: inout [UInt8]) {
        var flags = Flag.importID
        if event.sessionKey != nil { flags |= Flag.sessionKey }
        if event.pageID != nil { flags |= Flag.page }
        if event.channelID != nil { flags |= Flag.channel }
        if event.deviceID != nil { flags |= Flag.device }
        if event.campaignID != nil { flags |= Flag.campaign }
        if event.revenue != nil { flags |= Flag.revenue }
        if event.eventID != nil { flags |= Flag.eventID }
        if event.orderID != nil { flags |= Flag.orderID }
        if !event.props.isEmpty { flags |= Flag.props }
        appendNumbers(flags: flags, timeDelta: event.timestamp, eventTypeID: event.eventTypeID, importID: event.importID,
                      ids: (event.pageID, event.channelID, event.deviceID, event.campaignID), to: &bytes)
        if let key = event.sessionKey { appendText(key, to: &bytes) }
        if let revenue = event.revenue {
            withUnsafeBytes(of: revenue.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        }
        if let id = event.eventID {
            bytes.append(0) // no bytes shared with a previous id
            appendText(id, to: &bytes)
        }
        if let orderID = event.orderID { appendText(orderID, to: &bytes) }
        if !event.props.isEmpty { appendText(event.props, to: &bytes) }
    }

    /// Appends one event written relative to `previous` (nil: the first of a sequence).
    package static func append(_ event: StoredEvent, after previous: StoredEvent?, to bytes: inout [UInt8]) {
        withUnsafePointer(to: event) { event in
            guard let previous else { return append(event, after: nil, to: &bytes) }
            withUnsafePointer(to: previous) { append(event, after: $0, to: &bytes) }
        }
    }

    private static func append(_ event: UnsafePointer<StoredEvent>, after previousEvent: UnsafePointer<StoredEvent>?,
                               to bytes: inout [UInt8]) {
        // Read in place through the pointer: a copy of the event (with its strings) cost more than encoding it.
        var flags: UInt64 = 0
        if let key = event.pointee.sessionKey {
            flags |= key == previousEvent?.pointee.sessionKey ? Flag.sameSessionKey : Flag.sessionKey
        }
        if event.pointee.pageID != nil { flags |= Flag.page }
        if event.pointee.channelID != nil { flags |= Flag.channel }
        if event.pointee.deviceID != nil { flags |= Flag.device }
        if event.pointee.campaignID != nil { flags |= Flag.campaign }
        if event.pointee.revenue != nil { flags |= Flag.revenue }
        if event.pointee.eventID != nil { flags |= Flag.eventID }
        if event.pointee.orderID != nil { flags |= Flag.orderID }
        if !event.pointee.props.isEmpty { flags |= Flag.props }
        if event.pointee.importID != previousEvent?.pointee.importID { flags |= Flag.importID }
        appendNumbers(flags: flags, timeDelta: event.pointee.timestamp &- (previousEvent?.pointee.timestamp ?? 0),
                      eventTypeID: event.pointee.eventTypeID, importID: event.pointee.importID,
                      ids: (event.pointee.pageID, event.pointee.channelID, event.pointee.deviceID, event.pointee.campaignID),
                      to: &bytes)
        if flags & Flag.sessionKey != 0, let key = event.pointee.sessionKey { appendText(key, to: &bytes) }
        if let revenue = event.pointee.revenue {
            withUnsafeBytes(of: revenue.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        }
        if let id = event.pointee.eventID {
            var text = id
            text.withUTF8 { idBytes in
                let shared = sharedPrefix(idBytes, previousEvent?.pointee.eventID)
                PropertyCodec.appendVarint(UInt64(shared), to: &bytes)
                PropertyCodec.appendVarint(UInt64(idBytes.count - shared), to: &bytes)
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: idBytes[shared...]))
            }
        }
        if let orderID = event.pointee.orderID { appendText(orderID, to: &bytes) }
        if !event.pointee.props.isEmpty {
            PropertyCodec.appendVarint(UInt64(event.pointee.props.count), to: &bytes)
            event.pointee.props.withUnsafeBytes { bytes.append(contentsOf: $0) }
        }
    }

    /// Decodes a block.
    package static func decode(_ bytes: UnsafeRawBufferPointer) throws -> [StoredEvent] {
        var reader = Reader(bytes: bytes)
        guard bytes.first == format else {
            throw Damaged(reason: "format \(bytes.first.map(String.init) ?? "missing") is not \(format)")
        }
        reader.offset = 1
        let count = try reader.count()
        guard count <= bytes.count else { throw Damaged(reason: "\(count) events in \(bytes.count) bytes") }
        var events: [StoredEvent] = []
        events.reserveCapacity(count)
        var previous: StoredEvent?
        for _ in 0..<count {
            let event = try reader.event(after: previous)
            events.append(event)
            previous = event
        }
        guard reader.offset == bytes.count else { throw Damaged(reason: "\(bytes.count - reader.offset) bytes after the events") }
        return events
    }

    package static func decode(_ bytes: [UInt8]) throws -> [StoredEvent] {
        try bytes.withUnsafeBytes { try decode($0) }
    }

    /// Reads events written one after another by `append`, each relative to the one before.
    package struct Reader {
        let bytes: UnsafeRawBufferPointer
        package var offset = 0

        package init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        package var atEnd: Bool { offset >= bytes.count }

        @inline(__always)
        package mutating func varint() throws -> UInt64 {
            guard let value = PropertyCodec.readVarint(bytes, &offset) else { throw Damaged(reason: "a number runs past the end") }
            return value
        }

        @inline(__always)
        mutating func id() throws -> Int64 { Int64(bitPattern: try varint()) }

        /// A count or length, which can never exceed the block's size.
        package mutating func count() throws -> Int {
            let value = try varint()
            guard value <= UInt64(bytes.count) else { throw Damaged(reason: "a length of \(value) in \(bytes.count) bytes") }
            return Int(value)
        }

        mutating func take(_ count: Int) throws -> UnsafeRawBufferPointer {
            guard count >= 0, count <= bytes.count - offset else { throw Damaged(reason: "a text runs past the end") }
            defer { offset += count }
            return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count])
        }

        mutating func text() throws -> String {
            String(decoding: try take(try count()), as: UTF8.self)
        }

        package mutating func event(after previous: StoredEvent?) throws -> StoredEvent {
            // Fields are read into constants and the event made by one initializer: an event changed
            // field by field after it was made was copied twice more per event.
            let flags = try varint()
            let timestamp = (previous?.timestamp ?? 0) &+ PropertyCodec.unzigzag(try varint())
            let eventTypeID = try id()
            let importID = flags & Flag.importID != 0 ? try id() : previous?.importID ?? 0
            let pageID = flags & Flag.page != 0 ? try id() : nil
            let channelID = flags & Flag.channel != 0 ? try id() : nil
            let deviceID = flags & Flag.device != 0 ? try id() : nil
            let campaignID = flags & Flag.campaign != 0 ? try id() : nil
            let sessionKey = flags & Flag.sessionKey != 0 ? try text()
                : flags & Flag.sameSessionKey != 0 ? previous?.sessionKey : nil
            var revenue: Double?
            if flags & Flag.revenue != 0 {
                let raw = try take(8)
                var pattern: UInt64 = 0
                for index in 0..<8 { pattern |= UInt64(raw[index]) << (8 * UInt64(index)) }
                revenue = Double(bitPattern: pattern)
            }
            var eventID: String?
            if flags & Flag.eventID != 0 {
                let shared = try count()
                let rest = try take(try count())
                if shared == 0 {
                    eventID = String(decoding: rest, as: UTF8.self)
                } else {
                    guard var prefix = previous?.eventID, shared <= prefix.utf8.count else {
                        throw Damaged(reason: "an event id shares more than the previous one has")
                    }
                    eventID = prefix.withUTF8 { previousBytes in
                        var joined = Array(UnsafeBufferPointer(rebasing: previousBytes[..<shared]))
                        joined.append(contentsOf: rest)
                        return String(decoding: joined, as: UTF8.self)
                    }
                }
            }
            let orderID = flags & Flag.orderID != 0 ? try text() : nil
            let props = flags & Flag.props != 0 ? PropertyBytes(try take(try count())) : []
            return StoredEvent(timestamp: timestamp, eventTypeID: eventTypeID, importID: importID, sessionKey: sessionKey,
                               pageID: pageID, channelID: channelID, deviceID: deviceID, campaignID: campaignID,
                               revenue: revenue, eventID: eventID, orderID: orderID, props: props)
        }
    }

    /// The numbers that start an event (at most 8 varints of at most 10 bytes), through a buffer on the
    /// stack: one append instead of one per byte.
    @inline(__always)
    private static func appendNumbers(flags: UInt64, timeDelta: Int64, eventTypeID: Int64, importID: Int64,
                                      ids: (Int64?, Int64?, Int64?, Int64?), to bytes: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 80) { buffer in
            var count = 0
            PropertyCodec.putVarint(flags, into: buffer, at: &count)
            PropertyCodec.putVarint(PropertyCodec.zigzag(timeDelta), into: buffer, at: &count)
            PropertyCodec.putVarint(UInt64(bitPattern: eventTypeID), into: buffer, at: &count)
            if flags & Flag.importID != 0 { PropertyCodec.putVarint(UInt64(bitPattern: importID), into: buffer, at: &count) }
            if let id = ids.0 { PropertyCodec.putVarint(UInt64(bitPattern: id), into: buffer, at: &count) }
            if let id = ids.1 { PropertyCodec.putVarint(UInt64(bitPattern: id), into: buffer, at: &count) }
            if let id = ids.2 { PropertyCodec.putVarint(UInt64(bitPattern: id), into: buffer, at: &count) }
            if let id = ids.3 { PropertyCodec.putVarint(UInt64(bitPattern: id), into: buffer, at: &count) }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[..<count]))
        }
    }

    private static func appendText(_ text: UnsafeRawBufferPointer, to bytes: inout [UInt8]) {
        PropertyCodec.appendVarint(UInt64(text.count), to: &bytes)
        bytes.append(contentsOf: text)
    }

    private static func appendText(_ value: String, to bytes: inout [UInt8]) {
        var text = value
        text.withUTF8 { utf8 in
            PropertyCodec.appendVarint(UInt64(utf8.count), to: &bytes)
            bytes.append(contentsOf: utf8)
        }
    }

    /// How many leading bytes `bytes` shares with `other`.
    private static func sharedPrefix(_ bytes: UnsafeBufferPointer<UInt8>, _ other: String?) -> Int {
        guard var other else { return 0 }
        return other.withUTF8 { otherBytes in
            var count = 0
            let limit = min(bytes.count, otherBytes.count)
            while count < limit, bytes[count] == otherBytes[count] { count += 1 }
            return count
        }
    }
}
