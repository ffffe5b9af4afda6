import AnalyticsCore

/// Reads the property pairs of timeline records (`timelines.props`: per record a pair count,
/// then the pairs), here rather than through `PropertyCodec`: the optimizer keeps the codec's
/// function, in another module, as a call per number, and a funnel broken down by a property
/// reads about eleven numbers per event (at 10M events it took 1.7x the plain funnel).
enum RecordPairs {
    /// One varint (`PropertyCodec`'s format); nil when the bytes end early.
    @inline(__always)
    static func varint(_ bytes: UnsafeRawBufferPointer, _ offset: inout Int) -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count, shift < 64 {
            let byte = bytes[offset]
            offset += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
        return nil
    }

    /// Reads the record at `offset`, advancing it, keeping only the values of `wanted` properties:
    /// `values[i]` is the value of `wanted[i]` (0: absent).
    @inline(__always)
    static func pick(_ bytes: UnsafeRawBufferPointer, _ offset: inout Int, wanted: [Int64], into values: inout [Int64]) {
        for index in values.indices { values[index] = 0 }
        guard offset < bytes.count, let count = varint(bytes, &offset) else { return }
        for _ in 0..<count {
            guard let property = varint(bytes, &offset), let value = varint(bytes, &offset) else { return }
            if let index = wanted.firstIndex(of: Int64(property)) { values[index] = Int64(value) }
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
