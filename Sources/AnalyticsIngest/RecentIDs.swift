import Foundation

/// A small cache of byte strings' ids that one thread met lately, without locks: a
/// direct-mapped table, one entry per slot, keys up to `maximumLength` bytes kept
/// inline. A time-ordered file meets the same users again within minutes, so most
/// rows find their user here instead of in the shared, locked registry (whose table
/// of millions of users also misses the CPU's caches).
struct RecentIDs {
    static let maximumLength = 30
    private static let slotBits = 14
    /// Per slot: length (0: empty), then `maximumLength` bytes.
    private var keys: [UInt8]
    private var ids: [Int64]
    private var hashes: [UInt64]

    init() {
        let slots = 1 << Self.slotBits
        keys = [UInt8](repeating: 0, count: slots * (Self.maximumLength + 1))
        ids = [Int64](repeating: 0, count: slots)
        hashes = [UInt64](repeating: 0, count: slots)
    }

    @inline(__always)
    private static func slot(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: hash >> (64 - UInt64(slotBits))) }

    /// The id cached for `bytes` (whose `ByteInterner.hash` is `hash`), if any.
    @inline(__always)
    func id(of bytes: UnsafeRawBufferPointer, hash: UInt64) -> Int64? {
        let slot = Self.slot(hash)
        guard hashes[slot] == hash, bytes.count <= Self.maximumLength else { return nil }
        return keys.withUnsafeBufferPointer { keys in
            let start = slot * (Self.maximumLength + 1)
            guard Int(keys[start]) == bytes.count,
                  bytes.count == 0 || memcmp(keys.baseAddress! + start + 1, bytes.baseAddress!, bytes.count) == 0 else { return nil }
            return ids[slot]
        }
    }

    /// Remembers an id, replacing whatever shared its slot.
    @inline(__always)
    mutating func insert(_ bytes: UnsafeRawBufferPointer, hash: UInt64, id: Int64) {
        guard bytes.count <= Self.maximumLength, bytes.count > 0 else { return }
        let slot = Self.slot(hash)
        hashes[slot] = hash
        ids[slot] = id
        keys.withUnsafeMutableBufferPointer { keys in
            let start = slot * (Self.maximumLength + 1)
            keys[start] = UInt8(bytes.count)
            UnsafeMutableRawPointer(keys.baseAddress! + start + 1).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        }
    }
}
