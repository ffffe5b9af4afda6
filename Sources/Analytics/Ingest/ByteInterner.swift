import Foundation

/// Finds the id of a byte string without making a `String`: a hash table from
/// the bytes' hash to entries that keep the bytes for an exact comparison.
/// Lookups of values seen before allocate nothing.
struct ByteInterner {
    private struct Entry {
        var bytes: [UInt8]
        var id: Int64
        var next: Int32
    }

    private var heads: [UInt64: Int32] = [:]
    private var entries: [Entry] = []

    var count: Int { entries.count }

    /// The id stored for these bytes, if any.
    @inline(__always)
    func id(of bytes: UnsafeRawBufferPointer) -> Int64? {
        guard var index = heads[Self.hash(bytes)] else { return nil }
        while index >= 0 {
            let entry = entries[Int(index)]
            if entry.bytes.count == bytes.count, entry.bytes.withUnsafeBytes({ Self.equal($0, bytes) }) {
                return entry.id
            }
            index = entry.next
        }
        return nil
    }

    /// Stores an id for bytes not yet present.
    mutating func insert(_ bytes: UnsafeRawBufferPointer, id: Int64) {
        let hash = Self.hash(bytes)
        entries.append(Entry(bytes: Array(bytes), id: id, next: heads[hash] ?? -1))
        heads[hash] = Int32(entries.count - 1)
    }

    /// FNV-1a, 64 bit.
    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3
        }
        return hash
    }

    @inline(__always)
    private static func equal(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        guard let left = a.baseAddress, let right = b.baseAddress else { return a.count == 0 }
        return memcmp(left, right, a.count) == 0
    }
}

/// Whether bytes are valid UTF-8; pure ASCII is checked without Unicode work.
@inline(__always)
func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
    var ascii = true
    for byte in bytes where byte >= 0x80 {
        ascii = false
        break
    }
    return ascii || String(validating: bytes, as: UTF8.self) != nil
}
