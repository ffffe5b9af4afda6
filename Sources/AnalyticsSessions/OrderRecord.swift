import Foundation

/// One order of a user's timeline as packed in `timelines.orders`: fixed
/// 24-byte little-endian records in journey order, so attribution reads each
/// user's orders, with their amounts and sessions, beside the timeline.
///
/// Layout: time of the order's first line (Int64), revenue (Float64, the sum
/// of its lines that count toward revenue), session index of its first line
/// (Int32), flags (Int32; bit 0: the order counts toward revenue).
package struct OrderRecord: Sendable, Equatable {
    package var timestamp: Int64
    package var revenue: Double
    package var sessionIndex: Int32
    package var countsRevenue: Bool

    package static let size = 24

    package init(timestamp: Int64, revenue: Double, sessionIndex: Int32, countsRevenue: Bool) {
        self.timestamp = timestamp
        self.revenue = revenue
        self.sessionIndex = sessionIndex
        self.countsRevenue = countsRevenue
    }

    /// The orders among a user's rows in journey order: lines of one order
    /// (same order key) are one order, in the session of its first line.
    package static func orders(of events: [JourneyEvent], sessionOfEvent: [Int]) -> [OrderRecord] {
        var orders: [OrderRecord] = []
        var byKey: [String: Int] = [:]
        // Rows are read in place: most are not orders.
        events.withUnsafeBufferPointer { events in
            for index in events.indices where events[index].isOrder {
                let position: Int
                let key = events[index].orderKey
                if let key, let known = byKey[key] {
                    position = known
                } else {
                    position = orders.count
                    if let key { byKey[key] = position }
                    orders.append(OrderRecord(timestamp: events[index].timestamp, revenue: 0,
                                              sessionIndex: Int32(clamping: sessionOfEvent[index]), countsRevenue: false))
                }
                if events[index].countsRevenue {
                    orders[position].revenue += events[index].revenue
                    orders[position].countsRevenue = true
                }
            }
        }
        return orders
    }

    /// Packs records into a blob.
    package static func encode(_ records: [OrderRecord]) -> Data {
        var data = Data(count: records.count * size)
        data.withUnsafeMutableBytes { raw in
            for (index, record) in records.enumerated() {
                let offset = index * size
                raw.storeBytes(of: record.timestamp.littleEndian, toByteOffset: offset, as: Int64.self)
                raw.storeBytes(of: record.revenue.bitPattern.littleEndian, toByteOffset: offset + 8, as: UInt64.self)
                raw.storeBytes(of: record.sessionIndex.littleEndian, toByteOffset: offset + 16, as: Int32.self)
                raw.storeBytes(of: Int32(record.countsRevenue ? 1 : 0).littleEndian, toByteOffset: offset + 20, as: Int32.self)
            }
        }
        return data
    }

    /// Unpacks the records of a blob (trailing partial bytes are ignored).
    package static func decode(_ bytes: UnsafeRawBufferPointer, into records: inout [OrderRecord]) {
        records.removeAll(keepingCapacity: true)
        for index in 0..<(bytes.count / size) {
            let offset = index * size
            records.append(OrderRecord(
                timestamp: Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: Int64.self)),
                revenue: Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self))),
                sessionIndex: Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 16, as: Int32.self)),
                countsRevenue: Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 20, as: Int32.self)) & 1 != 0))
        }
    }
}
