import AnalyticsCore

/// Varints (`PropertyCodec`'s format) read and written in this module: the codec's functions, in
/// another module, stay a call per number even when marked inlinable, and most numbers are one byte.
enum Varint {
    /// Reads one varint at `offset`, advancing it; nil when the bytes end early. Numbers of one
    /// and two bytes (ids below 16,384: the usual ones) are read here.
    @inline(__always)
    static func read(_ bytes: UnsafeRawBufferPointer, _ offset: inout Int) -> UInt64? {
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

    /// Writes one varint into `buffer` at `count`, advancing it.
    @inline(__always)
    static func put(_ value: UInt64, into buffer: UnsafeMutableBufferPointer<UInt8>, at count: inout Int) {
        if value < 0x80 {
            buffer[count] = UInt8(value)
            count += 1
        } else if value < 0x4000 {
            buffer[count] = UInt8(truncatingIfNeeded: value) | 0x80
            buffer[count + 1] = UInt8(truncatingIfNeeded: value >> 7)
            count += 2
        } else {
            PropertyCodec.putVarint(value, into: buffer, at: &count)
        }
    }

}
