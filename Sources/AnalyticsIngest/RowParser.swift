import Foundation
import AnalyticsCore
import CSVScanner

/// A text kept in a `TextArena` by position, so rows carry no `String`s.
struct ArenaText {
    var start: Int32
    var count: Int32
}

/// Bytes of the texts of a batch of rows, reset after each batch.
struct TextArena {
    private(set) var bytes: [UInt8] = []

    init() { bytes.reserveCapacity(1 << 16) }

    mutating func add(_ text: UnsafeRawBufferPointer) -> ArenaText {
        let start = bytes.count
        bytes.append(contentsOf: text)
        return ArenaText(start: Int32(start), count: Int32(text.count))
    }

    mutating func reset() { bytes.removeAll(keepingCapacity: true) }

    /// Appends bytes as they are.
    @inline(__always)
    mutating func append(_ more: UnsafeBufferPointer<UInt8>) { bytes.append(contentsOf: more) }

    /// Appends a (property id, value id) pair as varints (`PropertyCodec`).
    @inline(__always)
    mutating func appendPair(_ property: Int64, _ value: Int64) {
        PropertyCodec.appendVarint(UInt64(property), to: &bytes)
        PropertyCodec.appendVarint(UInt64(value), to: &bytes)
    }

    /// The bytes appended since `start`, nil when none.
    func text(since start: Int) -> ArenaText? {
        bytes.count > start ? ArenaText(start: Int32(start), count: Int32(bytes.count - start)) : nil
    }
}

/// One clickstream event, typed and compacted, ready to store.
struct EventRecord {
    var userID: Int64
    package var timestamp: Int64
    var eventTypeID: Int64
    var sessionKey: ArenaText?
    var pageID: Int64?
    var channelID: Int64?
    var deviceID: Int64?
    var campaignID: Int64?
    var revenue: Double?
    var eventID: ArenaText?
    /// Property pairs (`PropertyCodec`), nil when the row has none.
    var props: ArenaText?
    /// The order the row is a line of (a mapped `order_id`), if any.
    var orderID: ArenaText?
    /// The row's anonymous id when it also has a user id: it identifies the anonymous id with the user.
    var identifiedAnonymousID: ArenaText?
}

/// One order row, typed and compacted, ready to store.
struct OrderRecord {
    var orderID: String
    var userID: Int64
    package var timestamp: Int64
    var revenue: Double
    var currencyID: Int64?
    var statusID: Int64?
    var sessionKey: String?
    /// Property pairs (`PropertyCodec`) of the order's extra columns; empty when none.
    var props: [UInt8] = []
}

/// Turns the current record of a `CSVReader` into a typed row, or says why not.
/// Empty optional fields become NULL; surrounding spaces are kept.
///
/// A class: a row's parse must not copy it (its arrays would be retained per row), and each
/// reading thread has its own (`copy()`), so no reference count is shared between threads.
final class RowParser {
    let layout: HeaderLayout
    let timestamps: TimestampParser
    /// What `init` was given, for `copy()`.
    private let propertyIDs: [Int64]
    /// Column index of each canonical field (by `CanonicalField.slot`), -1 when absent.
    private let columns: [Int]
    /// The property columns in property id order: (column, label store slot, property id).
    private let propertyColumns: [(column: Int, slot: Int, id: Int64)]
    /// The properties taken from the URL and referrer, by name: (label store slot, property id).
    private let derivedProperties: [String: (slot: Int, id: Int64)]
    /// The fields computed by SQLite expressions (`columns` holds -2 - k for result column k).
    private let computed: ComputedFields?

    /// - Parameter propertyIDs: the ids of `layout.properties` and then of
    ///   `layout.derivedProperties`, in that order (the label store's slots).
    /// - Throws: `IngestError.invalidMapping` when a computed field's expression does not compile.
    init(layout: HeaderLayout, timestamps: TimestampParser, propertyIDs: [Int64] = []) throws {
        self.layout = layout
        self.timestamps = timestamps
        self.propertyIDs = propertyIDs
        var columns = [Int](repeating: -1, count: CanonicalField.allCases.count)
        for (field, index) in layout.index { columns[field.slot] = index }
        for (position, computed) in layout.computed.enumerated() { columns[computed.field.slot] = -2 - position }
        self.columns = columns
        computed = layout.computed.isEmpty ? nil : try ComputedFields(header: layout.columnNames, fields: layout.computed)
        propertyColumns = zip(layout.properties.indices, propertyIDs)
            .map { (column: layout.properties[$0.0].index, slot: $0.0, id: $0.1) }
            .sorted { $0.id < $1.id }
        var derived: [String: (slot: Int, id: Int64)] = [:]
        for (offset, name) in layout.derivedProperties.enumerated() {
            let slot = layout.properties.count + offset
            if slot < propertyIDs.count { derived[name] = (slot, propertyIDs[slot]) }
        }
        derivedProperties = derived
    }

    /// Another parser of the same layout, sharing nothing with this one.
    func copy() throws -> RowParser { try RowParser(layout: layout, timestamps: timestamps, propertyIDs: propertyIDs) }

    /// Checks the record's shape (quoting, field count).
    func checkShape(_ reader: CSVReader) -> RejectReason? {
        switch reader.problem {
        case .unterminatedQuote: return .unterminatedQuote
        case .fieldTooLong: return .fieldTooLong
        case .textAfterClosingQuote: return .textAfterClosingQuote
        case .tooManyFields: return .tooManyFields
        case .recordTooLong: return .recordTooLong
        case nil: break
        }
        if reader.fieldCount != layout.columnCount {
            return .wrongFieldCount(expected: layout.columnCount, found: reader.fieldCount)
        }
        return nil
    }

    /// Parses an events row; texts go into `arena`.
    /// - Throws: `RejectReason` for a bad row, `SQLiteError` when creating ids fails.
    func event(_ reader: CSVReader, labels: LabelStore, arena: inout TextArena) throws -> EventRecord {
        try computed?.evaluate(reader)
        var record = EventRecord(
            userID: try eventUser(reader, labels: labels),
            timestamp: try timestamp(reader),
            eventTypeID: try label(.eventType, .eventType, reader, labels) ?? {
                throw RejectReason.emptyRequiredField(CanonicalField.eventType.rawValue)
            }(),
            sessionKey: try text(.sessionID, reader, arena: &arena),
            pageID: try label(.page, .page, reader, labels),
            channelID: try label(.channel, .channel, reader, labels),
            deviceID: try label(.device, .device, reader, labels),
            campaignID: try label(.campaign, .campaign, reader, labels),
            revenue: try lineRevenue(reader),
            eventID: try text(.eventID, reader, arena: &arena),
            props: nil,
            orderID: try text(.orderID, reader, arena: &arena))
        // A row with a user id and an anonymous id (not the same) identifies the anonymous id with the user.
        if let user = bytes(.userID, reader), let anonymous = bytes(.anonymousID, reader), !user.elementsEqual(anonymous) {
            record.identifiedAnonymousID = try text(.anonymousID, reader, arena: &arena)
        }
        guard columns[CanonicalField.url.slot] != -1 || columns[CanonicalField.referrer.slot] != -1 else {
            // The common case: the columns' pairs, already in property id order, into the arena at once
            // (through a buffer on the stack: an append per byte checked the arena's capacity each time).
            guard !propertyColumns.isEmpty else { return record }
            let start = arena.bytes.count
            try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: propertyColumns.count * 20) { buffer in
                var count = 0
                for property in propertyColumns {
                    let bytes = reader.field(property.column)
                    guard !bytes.isEmpty else { continue }
                    PropertyCodec.putVarint(UInt64(property.id), into: buffer, at: &count)
                    PropertyCodec.putVarint(UInt64(try labels.propertyValueID(slot: property.slot, bytes)), into: buffer, at: &count)
                }
                arena.append(UnsafeBufferPointer(rebasing: buffer[..<count]))
            }
            record.props = arena.text(since: start)
            return record
        }
        var pairs = try columnProperties(reader, labels: labels)
        try applyURLs(reader, labels: labels, record: &record, pairs: &pairs)
        if !pairs.isEmpty {
            pairs.sort { $0.property < $1.property }
            let start = arena.bytes.count
            for pair in pairs { arena.appendPair(pair.property, pair.value) }
            record.props = arena.text(since: start)
        }
        return record
    }

    /// The page path, UTM and click-id properties of the `url` column, the
    /// `referrer` property, the default channel grouping (when no channel
    /// column is mapped) and `utm_campaign` as the campaign (when unmapped).
    private func applyURLs(_ reader: CSVReader, labels: LabelStore, record: inout EventRecord,
                           pairs: inout [(property: Int64, value: Int64)]) throws {
        func add(_ name: String, _ value: String?) throws {
            guard let value, !value.isEmpty, let property = derivedProperties[name] else { return }
            var text = value
            pairs.append((property.id, try text.withUTF8 { try labels.propertyValueID(slot: property.slot, UnsafeRawBufferPointer($0)) }))
        }
        func label(_ kind: LabelStore.Kind, _ value: String, _ field: CanonicalField) throws -> Int64 {
            var text = value
            return try text.withUTF8 { try labels.id(kind, UnsafeRawBufferPointer($0), field: field) }
        }
        let url = try string(.url, reader).map(PageURL.init)
        let referrer = try string(.referrer, reader)
        if let url {
            if columns[CanonicalField.page.slot] == -1 { record.pageID = try label(.page, url.path, .page) }
            for name in PageURL.trackedParameters { try add(name, url.parameter(name)) }
        }
        try add(CanonicalField.referrer.rawValue, referrer)
        if layout.groupsChannels {
            // A referrer from the page's own site is navigation, not a source.
            let referrerHost = referrer.flatMap { PageURL($0).host }.flatMap { $0 == url?.host ? nil : $0 }
            if let channel = ChannelGrouping.channel(source: url?.parameter("utm_source"), medium: url?.parameter("utm_medium"),
                                                     gclid: url?.parameter("gclid") != nil,
                                                     fbclid: url?.parameter("fbclid") != nil, referrerHost: referrerHost) {
                record.channelID = try label(.channel, channel, .channel)
            }
        }
        if columns[CanonicalField.campaign.slot] == -1, let campaign = url?.parameter("utm_campaign") {
            record.campaignID = try label(.campaign, campaign, .campaign)
        }
    }

    /// The row's non-empty property column values as (property id, value id) pairs, in property id order.
    @inline(__always)
    private func columnProperties(_ reader: CSVReader, labels: LabelStore) throws -> [(property: Int64, value: Int64)] {
        guard !propertyColumns.isEmpty else { return [] }
        var pairs: [(property: Int64, value: Int64)] = []
        pairs.reserveCapacity(propertyColumns.count)
        for property in propertyColumns {
            let bytes = reader.field(property.column)
            guard !bytes.isEmpty else { continue }
            pairs.append((property.id, try labels.propertyValueID(slot: property.slot, bytes)))
        }
        return pairs
    }

    /// Parses an event-details row: the event id and what to set on that event.
    /// - Throws: `RejectReason` for a bad row, `SQLiteError` when creating ids fails.
    func details(_ reader: CSVReader, labels: LabelStore) throws -> EventDetails {
        try computed?.evaluate(reader)
        guard let eventID = try string(.eventID, reader) else {
            throw RejectReason.emptyRequiredField(CanonicalField.eventID.rawValue)
        }
        var record = EventRecord(userID: -1, timestamp: 0, eventTypeID: 0, sessionKey: nil,
                                 pageID: try label(.page, .page, reader, labels),
                                 channelID: try label(.channel, .channel, reader, labels),
                                 deviceID: try label(.device, .device, reader, labels),
                                 campaignID: try label(.campaign, .campaign, reader, labels),
                                 revenue: nil, eventID: nil, props: nil, orderID: nil)
        var pairs = try columnProperties(reader, labels: labels)
        try applyURLs(reader, labels: labels, record: &record, pairs: &pairs)
        return EventDetails(eventID: eventID, pageID: record.pageID, channelID: record.channelID, deviceID: record.deviceID,
                            campaignID: record.campaignID,
                            props: PropertyCodec.encode(pairs.sorted { $0.property < $1.property }))
    }

    /// The order id of an orders row without an amount: in exports that list an order's line items
    /// one per row (Shopify), after a row of the same order, a further line of it.
    /// Computes the row's computed fields (pass `evaluated: true` to `order` after it).
    func lineOf(_ reader: CSVReader) throws -> String? {
        try computed?.evaluate(reader)
        guard bytes(.revenue, reader) == nil else { return nil }
        return try string(.orderID, reader)
    }

    /// Parses an orders row.
    /// - Throws: `RejectReason` for a bad row, `SQLiteError` when creating ids fails.
    /// - Parameter evaluated: whether `lineOf(_:)` already computed this row's fields.
    func order(_ reader: CSVReader, labels: LabelStore, evaluated: Bool = false) throws -> OrderRecord {
        if !evaluated { try computed?.evaluate(reader) }
        guard let orderID = try string(.orderID, reader) else {
            throw RejectReason.emptyRequiredField(CanonicalField.orderID.rawValue)
        }
        // Without a user column the order is keyed by event id: its user comes later (-1 until then).
        let userID = columns[CanonicalField.userID.slot] == -1 ? -1 : try user(reader, labels: labels)
        let timestamp = try timestamp(reader)
        guard let revenue = try revenue(reader) else {
            throw RejectReason.emptyRequiredField(CanonicalField.revenue.rawValue)
        }
        var props: [UInt8] = []
        for pair in try columnProperties(reader, labels: labels) {
            PropertyCodec.appendVarint(UInt64(pair.property), to: &props)
            PropertyCodec.appendVarint(UInt64(pair.value), to: &props)
        }
        return OrderRecord(orderID: orderID, userID: userID, timestamp: timestamp, revenue: revenue,
                           currencyID: try label(.currency, .currency, reader, labels),
                           statusID: try label(.status, .status, reader, labels),
                           sessionKey: try string(.sessionID, reader), props: props)
    }

    // MARK: Fields

    @inline(__always)
    private func bytes(_ field: CanonicalField, _ reader: CSVReader) -> UnsafeRawBufferPointer? {
        let index = columns[field.slot]
        guard index >= 0 else {
            guard index <= -2, let computed else { return nil }
            let value = computed.value(-2 - index)
            return value.isEmpty ? nil : value
        }
        let bytes = reader.field(index)
        return bytes.isEmpty ? nil : bytes
    }

    private func timestamp(_ reader: CSVReader) throws -> Int64 {
        guard let bytes = bytes(.timestamp, reader) else { throw RejectReason.emptyRequiredField("timestamp") }
        switch timestamps.parse(bytes) {
        case .success(let value): return value
        case .failure(let problem):
            throw RejectReason.badTimestamp(value: String(decoding: bytes.prefix(100), as: UTF8.self),
                                            problem: problem)
        }
    }

    private func user(_ reader: CSVReader, labels: LabelStore) throws -> Int64 {
        guard let bytes = bytes(.userID, reader) else { throw RejectReason.emptyRequiredField("user_id") }
        return try labels.userID(bytes)
    }

    /// An event's user: its user id, else its anonymous id (a user of its own until identified).
    private func eventUser(_ reader: CSVReader, labels: LabelStore) throws -> Int64 {
        guard let bytes = bytes(.userID, reader) ?? bytes(.anonymousID, reader) else {
            throw RejectReason.emptyRequiredField(columns[CanonicalField.anonymousID.slot] == -1 ? "user_id" : "user_id and anonymous_id")
        }
        return try labels.userID(bytes)
    }

    private func label(_ field: CanonicalField, _ kind: LabelStore.Kind, _ reader: CSVReader,
                       _ labels: LabelStore) throws -> Int64? {
        guard let bytes = bytes(field, reader) else { return nil }
        return try labels.id(kind, bytes, field: field)
    }

    private func text(_ field: CanonicalField, _ reader: CSVReader, arena: inout TextArena) throws -> ArenaText? {
        guard let bytes = bytes(field, reader) else { return nil }
        guard isValidUTF8(bytes) else { throw RejectReason.invalidUTF8(field: field.rawValue) }
        return arena.add(bytes)
    }

    private func string(_ field: CanonicalField, _ reader: CSVReader) throws -> String? {
        guard let bytes = bytes(field, reader) else { return nil }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw RejectReason.invalidUTF8(field: field.rawValue)
        }
        return text
    }

    /// An events row's revenue, times its `quantity` when one is mapped and given.
    private func lineRevenue(_ reader: CSVReader) throws -> Double? {
        guard let revenue = try revenue(reader) else { return nil }
        guard let bytes = bytes(.quantity, reader) else { return revenue }
        guard let quantity = Self.parseDecimal(bytes) else {
            throw RejectReason.nonNumericQuantity(String(decoding: bytes.prefix(100), as: UTF8.self))
        }
        guard abs(revenue * quantity) < Self.maximumAmount else {
            throw RejectReason.amountOutOfRange("\(Format.plainNumber(revenue)) x \(Format.plainNumber(quantity))")
        }
        return revenue * quantity
    }

    private func revenue(_ reader: CSVReader) throws -> Double? {
        guard let bytes = bytes(.revenue, reader) else { return nil }
        guard let value = Self.parseDecimal(bytes) else {
            throw RejectReason.nonNumericRevenue(String(decoding: bytes.prefix(100), as: UTF8.self))
        }
        guard abs(value) < Self.maximumAmount else {
            throw RejectReason.amountOutOfRange(String(decoding: bytes.prefix(100), as: UTF8.self))
        }
        return value
    }

    /// Amounts (revenue, and revenue x quantity) must stay below this in magnitude: sums of
    /// millions of them stay exact to the cent in a double, and every output can show them.
    static let maximumAmount = 1e12

    /// A plain decimal number: optional sign, digits, optional fraction and exponent.
    /// Rejects `nan`, `inf`, hex and anything with other characters.
    static func parseDecimal(_ bytes: UnsafeRawBufferPointer) -> Double? {
        var sawDigit = false
        for (offset, byte) in bytes.enumerated() {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): sawDigit = true
            case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"): continue
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                if offset != 0, bytes[offset - 1] | 0x20 != UInt8(ascii: "e") { return nil }
            default: return nil
            }
        }
        guard sawDigit else { return nil }
        guard let value = Double(String(decoding: bytes, as: UTF8.self)), value.isFinite else { return nil }
        return value
    }
}

extension CanonicalField {
    /// A dense index for arrays keyed by field.
    var slot: Int {
        switch self {
        case .timestamp: return 0
        case .userID: return 1
        case .eventType: return 2
        case .eventID: return 3
        case .sessionID: return 4
        case .page: return 5
        case .channel: return 6
        case .device: return 7
        case .campaign: return 8
        case .revenue: return 9
        case .orderID: return 10
        case .currency: return 11
        case .status: return 12
        case .url: return 13
        case .referrer: return 14
        case .quantity: return 15
        case .anonymousID: return 16
        }
    }
}
