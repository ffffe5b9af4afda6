import AnalyticsCore

/// Reads the property pairs of timeline records (`timelines.props`: per record a pair count,
/// then the pairs), here rather than through `PropertyCodec`: the optimizer keeps the codec's
/// function, in another module, as a call per number, and a funnel broken down by a property
/// reads about eleven numbers per event (at 10M events it took 1.7x the plain funnel).
enum RecordPairs {
    /// One varint (`PropertyCodec`'s format); nil when the bytes end early. Numbers of one and two
    /// bytes (ids below 16,384: the usual ones) are read here, longer ones by the codec.
    @inline(__always)
    static func varint(_ bytes: UnsafeRawBufferPointer, _ offset: inout Int) -> UInt64? {
        if offset < bytes.count, bytes[offset] < 0x80 {
            offset += 1
            return UInt64(bytes[offset - 1])
        }
        if offset + 1 < bytes.count, bytes[offset + 1] < 0x80 {
            offset += 2
            return UInt64(bytes[offset - 2] & 0x7F) | UInt64(bytes[offset - 1]) << 7
        }
        return PropertyCodec.readVarint(bytes, &offset)
    }

    /// Reads the record at `offset`, advancing it, keeping only the values of `wanted` properties:
    /// `values[i]` is the first value of `wanted[i]` (0: absent).
    @inline(__always)
    static func pick(_ bytes: UnsafeRawBufferPointer, _ offset: inout Int, wanted: [Int64], into values: inout [Int64]) {
        for index in values.indices { values[index] = 0 }
        guard offset < bytes.count, let count = varint(bytes, &offset) else { return }
        for _ in 0..<count {
            guard let property = varint(bytes, &offset), let value = varint(bytes, &offset) else { return }
            // The first pair of a property wins (a header may name a column twice), as everywhere else.
            if let index = wanted.firstIndex(of: Int64(property)), values[index] == 0 { values[index] = Int64(value) }
        }
    }

    /// Reads the record at `offset`, advancing it, into `pairs` (emptied first; left empty when
    /// the bytes have ended).
    @inline(__always)
    static func read(_ bytes: UnsafeRawBufferPointer, _ offset: inout Int, into pairs: inout [(property: Int64, value: Int64)]) {
        pairs.removeAll(keepingCapacity: true)
        guard offset < bytes.count, let count = varint(bytes, &offset) else { return }
        for _ in 0..<count {
            guard let property = varint(bytes, &offset), let value = varint(bytes, &offset) else { return }
            pairs.append((Int64(property), Int64(value)))
        }
    }
}
