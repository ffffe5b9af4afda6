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
        // A user's records usually have the same properties: first guess those of the first record
        // that has any, and read every record's pairs once into a records x properties table.
        var properties = self.properties(of: events, firstOnly: true)
        guard !properties.isEmpty else { return nil }
        var table = values(of: events, properties: properties)
        if table == nil {
            properties = self.properties(of: events, firstOnly: false)
            table = values(of: events, properties: properties)
        }
        guard let table else { return nil }
        return table.withUnsafeBufferPointer { columns(properties, values: $0, records: events.count) }
    }

    /// The properties of the records' pairs (or of the first record that has any), ascending.
    private static func properties(of events: UnsafeBufferPointer<JourneyEvent>, firstOnly: Bool) -> [Int64] {
        var properties: [Int64] = []
        properties.reserveCapacity(8)
        for event in events.indices where !events[event].props.isEmpty {
            events[event].props.withUnsafeBytes { pairs in
                var offset = 0
                while let property = PropertyCodec.readVarint(pairs, &offset), PropertyCodec.readVarint(pairs, &offset) != nil {
                    if !properties.contains(Int64(property)) { properties.append(Int64(property)) }
                }
            }
            if firstOnly { break }
        }
        properties.sort()
        return properties
    }

    /// Per record, its first value of each of `properties` (0: none), record after record; nil when
    /// a record has a property not in the list.
    private static func values(of events: UnsafeBufferPointer<JourneyEvent>, properties: [Int64]) -> [UInt64]? {
        let width = properties.count
        var complete = true
        var table = [UInt64](repeating: 0, count: events.count * width)
        table.withUnsafeMutableBufferPointer { table in
            for event in events.indices where complete && !events[event].props.isEmpty {
                events[event].props.withUnsafeBytes { pairs in
                    var offset = 0
                    var column = 0
                    while let property = PropertyCodec.readVarint(pairs, &offset),
                          let value = PropertyCodec.readVarint(pairs, &offset) {
                        // Pairs come in property id order, as the columns: the next column is the usual one.
                        if column >= width || properties[column] != Int64(property) {
                            guard let found = properties.firstIndex(of: Int64(property)) else {
                                complete = false
                                return
                            }
                            column = found
                        }
                        let cell = event * width + column
                        if table[cell] == 0 { table[cell] = value }
                        column += 1
                    }
                }
            }
        }
        return complete ? table : nil
    }

    /// The packed columns of a records x properties table.
    private static func columns(_ properties: [Int64], values: UnsafeBufferPointer<UInt64>, records: Int) -> [UInt8] {
        let width = properties.count
        // Each column's values are written into `column`, then its header and the values into `packed`
        // (buffers of the most they can take), which becomes the array at once.
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: records * 10) { column in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: width * (records * 10 + 20)) { packed in
                var size = 0
                for index in 0..<width {
                    var count = 0
                    for record in 0..<records {
                        PropertyCodec.putVarint(values[record * width + index], into: column, at: &count)
                    }
                    PropertyCodec.putVarint(UInt64(properties[index]), into: packed, at: &size)
                    PropertyCodec.putVarint(UInt64(count), into: packed, at: &size)
                    UnsafeMutableRawPointer(packed.baseAddress! + size).copyMemory(from: column.baseAddress!, byteCount: count)
                    size += count
                }
                return Array(UnsafeBufferPointer(rebasing: packed[..<size]))
            }
        }
    }
}
