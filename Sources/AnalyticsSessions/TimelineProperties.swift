import AnalyticsCore

/// The property values of a user's timeline records as packed in `timelines.props`: one column
/// per property, so a filter or breakdown reads the values of its own properties only.
///
/// Layout, all numbers unsigned LEB128 varints (`PropertyCodec`): for each property that any record
/// has, in ascending property id, the property id, the column's length in bytes, then one value
/// per record in record order: the value's label id, 0 when the record has none. A record's
/// first value of a property counts (a header may name a column twice). The column is NULL when
/// no record has a property.
package enum TimelineProperties {
    /// Packs the property pairs (`PropertyCodec`) of records; nil when none has any.
    package static func encode(_ events: UnsafeBufferPointer<JourneyEvent>) -> [UInt8]? {
        // The properties present (a user's records share a few), then a records x properties table of values.
        var properties: [Int64] = []
        for event in events.indices where !events[event].props.isEmpty {
            forEachPair(events[event].props) { property, _ in
                if !properties.contains(property) { properties.append(property) }
            }
        }
        guard !properties.isEmpty else { return nil }
        properties.sort()
        let width = properties.count
        var values = [UInt64](repeating: 0, count: events.count * width)
        for event in events.indices where !events[event].props.isEmpty {
            forEachPair(events[event].props) { property, value in
                let cell = event * width + properties.firstIndex(of: property)!
                if values[cell] == 0 { values[cell] = value }
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(width * (events.count + 4) + values.count / 2)
        for (column, property) in properties.enumerated() {
            var length = 0
            for record in events.indices { length += Varint.size(values[record * width + column]) }
            PropertyCodec.appendVarint(UInt64(property), to: &bytes)
            PropertyCodec.appendVarint(UInt64(length), to: &bytes)
            let start = bytes.count
            bytes.append(contentsOf: repeatElement(0, count: length))
            bytes.withUnsafeMutableBufferPointer { buffer in
                var count = start
                for record in events.indices { Varint.put(values[record * width + column], into: buffer, at: &count) }
            }
        }
        return bytes
    }

    /// Calls `body` with each (property id, value id) pair of an event's pairs.
    @inline(__always)
    private static func forEachPair(_ props: [UInt8], _ body: (Int64, UInt64) -> Void) {
        props.withUnsafeBytes { bytes in
            var offset = 0
            while let property = Varint.read(bytes, &offset), let value = Varint.read(bytes, &offset) { body(Int64(property), value) }
        }
    }
}
