/// The compact form of an event's or a session's properties: (property id,
/// value id) pairs as unsigned LEB128 varints, in property id order. Ids are
/// the `properties` and `labels` row ids; typical pairs take 2-4 bytes.
public enum PropertyCodec {
    /// The `labels.kind` of a property's values: `property:<name>`.
    package static func labelKind(_ name: String) -> String { labelKindPrefix + name }
    package static let labelKindPrefix = "property:"

    // The varint functions are public and inlinable so that every module's hot loops inline them:
    // a `package` function is never inlined into another module, also when marked `@inlinable`
    // (swiftlang/swift#70100, #70527), and most numbers here are one byte.

    /// Writes one varint into `buffer` at `count`, advancing it (10 bytes at most). Several values
    /// written so into a buffer on the stack, then appended at once, cost less than an append per byte.
    @inlinable @inline(__always)
    public static func putVarint(_ value: UInt64, into buffer: UnsafeMutableBufferPointer<UInt8>, at count: inout Int) {
        var rest = value
        while rest >= 0x80 {
            buffer[count] = UInt8(truncatingIfNeeded: rest) | 0x80
            count += 1
            rest >>= 7
        }
        buffer[count] = UInt8(rest)
        count += 1
    }

    /// Appends one varint.
    @inlinable @inline(__always)
    public static func appendVarint(_ value: UInt64, to bytes: inout [UInt8]) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    /// Reads one varint at `offset`, advancing it; nil when the bytes end early. Numbers of one and
    /// two bytes (ids below 16,384: the usual ones) are read without a loop.
    @inlinable @inline(__always)
    public static func readVarint(_ bytes: UnsafeRawBufferPointer, _ offset: inout Int) -> UInt64? {
        if offset < bytes.count, bytes[offset] < 0x80 {
            offset += 1
            return UInt64(bytes[offset - 1])
        }
        if offset + 1 < bytes.count, bytes[offset + 1] < 0x80 {
            offset += 2
            return UInt64(bytes[offset - 2] & 0x7F) | UInt64(bytes[offset - 1]) << 7
        }
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

    /// A signed number as an unsigned one, small for small numbers either way (0, -1, 1, -2 ...
    /// become 0, 1, 2, 3 ...), so a difference that may be negative is a short varint.
    @inlinable @inline(__always)
    public static func zigzag(_ value: Int64) -> UInt64 { UInt64(bitPattern: (value << 1) ^ (value >> 63)) }

    /// The signed number `zigzag` made.
    @inlinable @inline(__always)
    public static func unzigzag(_ value: UInt64) -> Int64 { Int64(bitPattern: (value >> 1) ^ (0 &- (value & 1))) }

    /// Encodes pairs, which must be sorted by property id.
    package static func encode(_ pairs: [(property: Int64, value: Int64)]) -> [UInt8] {
        var bytes: [UInt8] = []
        for pair in pairs {
            appendVarint(UInt64(pair.property), to: &bytes)
            appendVarint(UInt64(pair.value), to: &bytes)
        }
        return bytes
    }

    /// Decodes every pair of a blob.
    package static func decode(_ bytes: UnsafeRawBufferPointer) -> [(property: Int64, value: Int64)] {
        var pairs: [(property: Int64, value: Int64)] = []
        var offset = 0
        while offset < bytes.count, let property = readVarint(bytes, &offset), let value = readVarint(bytes, &offset) {
            pairs.append((Int64(property), Int64(value)))
        }
        return pairs
    }

    /// The pairs of `primary` and those of `secondary` for properties `primary` lacks.
    package static func merged(_ primary: [UInt8], _ secondary: [UInt8]) -> [UInt8] {
        guard !secondary.isEmpty else { return primary }
        var pairs = decode(primary)
        for pair in decode(secondary) where !pairs.contains(where: { $0.property == pair.property }) { pairs.append(pair) }
        return encode(pairs.sorted { $0.property < $1.property })
    }

    /// Decodes a blob given as an array.
    package static func decode(_ bytes: [UInt8]) -> [(property: Int64, value: Int64)] {
        bytes.withUnsafeBytes { decode($0) }
    }
}
