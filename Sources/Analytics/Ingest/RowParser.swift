import Foundation

/// One clickstream event, typed and compacted, ready to store.
struct EventRecord {
    var userID: Int64
    var timestamp: Int64
    var eventTypeID: Int64
    var sessionKey: String?
    var pageID: Int64?
    var channelID: Int64?
    var deviceID: Int64?
    var campaignID: Int64?
    var revenue: Double?
    var eventID: String?
}

/// One order row, typed and compacted, ready to store.
struct OrderRecord {
    var orderID: String
    var userID: Int64
    var timestamp: Int64
    var revenue: Double
    var currencyID: Int64?
    var statusID: Int64?
    var sessionKey: String?
}

/// Turns the current record of a `CSVReader` into a typed row, or says why not.
/// Empty optional fields become NULL; surrounding spaces are not trimmed.
struct RowParser {
    let layout: HeaderLayout
    let timestamps: TimestampParser
    private var caches = [LastValueCache](repeating: LastValueCache(), count: CanonicalField.allCases.count)

    init(layout: HeaderLayout, timestamps: TimestampParser) {
        self.layout = layout
        self.timestamps = timestamps
    }

    /// Checks the record's shape (quoting, field count).
    func checkShape(_ reader: CSVReader) -> RejectReason? {
        switch reader.problem {
        case .unterminatedQuote: return .unterminatedQuote
        case .fieldTooLong: return .fieldTooLong
        case .textAfterClosingQuote: return .textAfterClosingQuote
        case nil: break
        }
        if reader.fieldCount != layout.columnCount {
            return .wrongFieldCount(expected: layout.columnCount, found: reader.fieldCount)
        }
        return nil
    }

    mutating func event(_ reader: CSVReader, labels: LabelStore) throws -> Result<EventRecord, RejectReason> {
        do {
            let record = EventRecord(
                userID: try user(reader, labels: labels),
                timestamp: try timestamp(reader),
                eventTypeID: try requiredLabel(.eventType, .eventType, reader, labels),
                sessionKey: try optionalString(.sessionID, reader),
                pageID: try optionalLabel(.page, .page, reader, labels),
                channelID: try optionalLabel(.channel, .channel, reader, labels),
                deviceID: try optionalLabel(.device, .device, reader, labels),
                campaignID: try optionalLabel(.campaign, .campaign, reader, labels),
                revenue: try optionalRevenue(reader),
                eventID: try optionalString(.eventID, reader))
            return .success(record)
        } catch let reason as RejectReason {
            return .failure(reason)
        }
    }

    mutating func order(_ reader: CSVReader, labels: LabelStore) throws -> Result<OrderRecord, RejectReason> {
        do {
            guard let orderID = try optionalString(.orderID, reader) else {
                throw RejectReason.emptyRequiredField(CanonicalField.orderID.rawValue)
            }
            guard let revenue = try optionalRevenue(reader) else {
                throw RejectReason.emptyRequiredField(CanonicalField.revenue.rawValue)
            }
            let record = OrderRecord(
                orderID: orderID,
                userID: try user(reader, labels: labels),
                timestamp: try timestamp(reader),
                revenue: revenue,
                currencyID: try optionalLabel(.currency, .currency, reader, labels),
                statusID: try optionalLabel(.status, .status, reader, labels),
                sessionKey: try optionalString(.sessionID, reader))
            return .success(record)
        } catch let reason as RejectReason {
            return .failure(reason)
        }
    }

    // MARK: Fields

    private func bytes(_ field: CanonicalField, _ reader: CSVReader) -> UnsafeRawBufferPointer? {
        guard let index = layout.index[field] else { return nil }
        let bytes = reader.field(index)
        return bytes.isEmpty ? nil : bytes
    }

    private func timestamp(_ reader: CSVReader) throws -> Int64 {
        guard let bytes = bytes(.timestamp, reader) else { throw RejectReason.emptyRequiredField("timestamp") }
        switch timestamps.parse(bytes) {
        case .success(let value): return value
        case .failure(let problem):
            throw RejectReason.badTimestamp(field: "timestamp", value: String(decoding: bytes.prefix(100), as: UTF8.self),
                                            problem: problem)
        }
    }

    private mutating func user(_ reader: CSVReader, labels: LabelStore) throws -> Int64 {
        let slot = Self.slot(.userID)
        guard let bytes = bytes(.userID, reader) else { throw RejectReason.emptyRequiredField("user_id") }
        if let id = caches[slot].lookup(bytes) { return id }
        let id = try labels.userID(try string(bytes, field: .userID))
        caches[slot].store(bytes, id: id)
        return id
    }

    private mutating func requiredLabel(_ field: CanonicalField, _ kind: LabelStore.Kind, _ reader: CSVReader,
                                        _ labels: LabelStore) throws -> Int64 {
        guard let id = try optionalLabel(field, kind, reader, labels) else {
            throw RejectReason.emptyRequiredField(field.rawValue)
        }
        return id
    }

    private mutating func optionalLabel(_ field: CanonicalField, _ kind: LabelStore.Kind, _ reader: CSVReader,
                                        _ labels: LabelStore) throws -> Int64? {
        guard let bytes = bytes(field, reader) else { return nil }
        let slot = Self.slot(field)
        if let id = caches[slot].lookup(bytes) { return id }
        let id = try labels.id(kind, try string(bytes, field: field))
        caches[slot].store(bytes, id: id)
        return id
    }

    private func optionalString(_ field: CanonicalField, _ reader: CSVReader) throws -> String? {
        guard let bytes = bytes(field, reader) else { return nil }
        return try string(bytes, field: field)
    }

    private func optionalRevenue(_ reader: CSVReader) throws -> Double? {
        guard let bytes = bytes(.revenue, reader) else { return nil }
        guard let value = Self.parseDecimal(bytes) else {
            throw RejectReason.nonNumericRevenue(String(decoding: bytes.prefix(100), as: UTF8.self))
        }
        return value
    }

    private func string(_ bytes: UnsafeRawBufferPointer, field: CanonicalField) throws -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw RejectReason.invalidUTF8(field: field.rawValue)
        }
        return text
    }

    private static func slot(_ field: CanonicalField) -> Int {
        CanonicalField.allCases.firstIndex(of: field) ?? 0
    }

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
