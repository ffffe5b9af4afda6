import AnalyticsCore

/// Reads a timeline's property values (`timelines.props`, see `TimelineProperties`) record by
/// record, only the columns of the properties asked for: a breakdown by one property reads one
/// number per record. Read here rather than through `PropertyCodec`: the optimizer keeps the
/// codec's function, in another module, as a call per number.
struct PropertyColumns {
    /// The properties read, in order; nil: every property of each timeline, in property id order.
    private let wanted: [Int64]?
    /// The properties read from the current timeline, and per property the current record's value
    /// (0: absent) and where the next one is.
    private(set) var properties: [Int64] = []
    private(set) var values: [Int64] = []
    private var cursors: [(offset: Int, end: Int)] = []

    init(wanted: [Int64]? = nil) {
        self.wanted = wanted
        if let wanted {
            properties = wanted
            values = Array(repeating: 0, count: wanted.count)
            cursors = Array(repeating: (0, 0), count: wanted.count)
        }
    }

    /// Starts on a timeline's column bytes (empty when it has no properties).
    mutating func start(_ bytes: UnsafeRawBufferPointer) {
        if let wanted {
            for index in wanted.indices { cursors[index] = (0, 0) }
        } else {
            properties.removeAll(keepingCapacity: true)
            cursors.removeAll(keepingCapacity: true)
        }
        var offset = 0
        while offset < bytes.count, let property = PropertyCodec.readVarint(bytes, &offset),
              let length = PropertyCodec.readVarint(bytes, &offset), length <= UInt64(bytes.count - offset) {
            let column = (offset: offset, end: offset + Int(length))
            offset = column.end
            if let wanted {
                // A property's first column counts (one per property is written).
                if let index = wanted.firstIndex(of: Int64(property)), cursors[index].end == 0 { cursors[index] = column }
            } else {
                properties.append(Int64(property))
                cursors.append(column)
            }
        }
        if wanted == nil { values = Array(repeating: 0, count: properties.count) }
    }

    /// Reads the next record's values.
    @inline(__always)
    mutating func next(_ bytes: UnsafeRawBufferPointer) {
        for index in cursors.indices {
            var offset = cursors[index].offset
            if offset < cursors[index].end, let value = PropertyCodec.readVarint(bytes, &offset), offset <= cursors[index].end {
                values[index] = Int64(value)
                cursors[index].offset = offset
            } else {
                values[index] = 0
                cursors[index].offset = cursors[index].end
            }
        }
    }

    /// The current record's value of a property (nil: absent).
    @inline(__always)
    func value(of property: Int64) -> Int64? {
        guard let index = properties.firstIndex(of: property), values[index] != 0 else { return nil }
        return values[index]
    }

}
