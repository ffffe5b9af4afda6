import Foundation

/// Finds the id of a byte string without making a `String`: an open-addressing
/// hash table over one byte arena, so a value seen before costs one hash and
/// one comparison and allocates nothing, and each stored value costs about
/// 40 bytes (millions of user ids stay small).
struct ByteInterner {
    private struct Entry {
        var offset: Int
        var length: Int32
        var hash: UInt32
        var id: Int64
    }

    private var arena: [UInt8] = []
    private var entries: [Entry] = []
    /// Slot -> entry index + 1 (0: empty). Its size is a power of two.
    private var slots = [Int32](repeating: 0, count: 64)

    var count: Int { entries.count }

    /// The id stored for these bytes, if any.
    @inline(__always)
    func id(of bytes: UnsafeRawBufferPointer) -> Int64? {
        let hash = Self.hash(bytes)
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let index = Int(slots[slot]) - 1
            if index < 0 { return nil }
            let entry = entries[index]
            if entry.hash == UInt32(truncatingIfNeeded: hash) && Int(entry.length) == bytes.count && matches(entry, bytes) {
                return entry.id
            }
            slot = (slot + 1) & mask
        }
    }

    /// Stores an id for bytes not yet present.
    mutating func insert(_ bytes: UnsafeRawBufferPointer, id: Int64) {
        if (entries.count + 1) * 2 > slots.count { grow() }
        let hash = Self.hash(bytes)
        entries.append(Entry(offset: arena.count, length: Int32(bytes.count), hash: UInt32(truncatingIfNeeded: hash), id: id))
        arena.append(contentsOf: bytes)
        place(entries.count - 1, hash: hash)
    }

    private mutating func place(_ index: Int, hash: UInt64) {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = Int32(index + 1)
    }

    private mutating func grow() {
        slots = [Int32](repeating: 0, count: slots.count * 2)
        for index in entries.indices {
            let entry = entries[index]
            let hash = arena.withUnsafeBytes {
                Self.hash(UnsafeRawBufferPointer(rebasing: $0[entry.offset..<entry.offset + Int(entry.length)]))
            }
            place(index, hash: hash)
        }
    }

    @inline(__always)
    private func matches(_ entry: Entry, _ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let incoming = bytes.baseAddress, entry.length > 0 else { return true }
        return arena.withUnsafeBytes { stored in
            stored.baseAddress.map { memcmp($0 + entry.offset, incoming, bytes.count) == 0 } ?? false
        }
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
