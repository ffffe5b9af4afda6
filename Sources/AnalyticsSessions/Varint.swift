import AnalyticsCore

/// Varints (`PropertyCodec`'s format) read and written in this module: the codec's functions, in
/// another module, stay a call per number even when marked inlinable, and most numbers are one byte.
enum Varint {
    /// Reads one varint at `offset`, advancing it; nil when the bytes end early.
    @inline(__always)
    static func read(_ bytes: UnsafeRawBufferPointer, _ offset: inout Int) -> UInt64? {
        if offset < bytes.count, bytes[offset] < 0x80 {
            offset += 1
            return UInt64(bytes[offset - 1])
        }
        return PropertyCodec.readVarint(bytes, &offset)
    }

    /// Writes one varint into `buffer` at `count`, advancing it.
    @inline(__always)
    static func put(_ value: UInt64, into buffer: UnsafeMutableBufferPointer<UInt8>, at count: inout Int) {
        if value < 0x80 {
            buffer[count] = UInt8(value)
            count += 1
        } else {
            PropertyCodec.putVarint(value, into: buffer, at: &count)
        }
    }

    /// The bytes a varint takes.
    @inline(__always)
    static func size(_ value: UInt64) -> Int { value < 0x80 ? 1 : (64 - value.leadingZeroBitCount + 6) / 7 }
}
