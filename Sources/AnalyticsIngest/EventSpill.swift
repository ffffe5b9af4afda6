import AnalyticsCore
import AnalyticsStorage
import Foundation

/// The events of a file being imported, grouped by user in bounded memory.
///
/// Files come in time order, but events are stored per user (`EventBlock`), so
/// the rows are bucketed by user id on the way in (4,096 consecutive ids per
/// bucket) and written out user by user at the end. Buckets live in memory
/// up to `memoryBudget` bytes; beyond it, every bucket is appended to one
/// unlinked temporary file and memory starts again, so a 10M-row file needs
/// about the budget, not the file's size. Within a bucket, rows keep their
/// file order.
package struct EventSpill {
    /// Users per bucket, as a shift: ids `b << shift ..< (b + 1) << shift` share bucket `b`.
    static let bucketShift = 12
    /// Encoded bytes kept in memory before a spill to disk, by default.
    package static let defaultMemoryBudget = 24 << 20
    /// Encoded bytes kept in memory before a spill to disk.
    private let memoryBudget: Int

    /// Each bucket's rows not yet spilled: varint user id, varint length, then the event (`EventBlock.append`).
    private var buckets: [[UInt8]] = []
    private var bufferedBytes = 0
    /// Each bucket's users that have rows: one bit per user of the bucket.
    private var present: [[UInt64]] = []
    /// Each bucket's extents in the spill file, in file order.
    private var spilled: [[(offset: Int64, count: Int)]] = []
    /// The temporary file, once rows were spilled; closed when the last copy of the spill goes.
    private var file: SpillFile?
    private var fileSize: Int64 = 0
    /// Rows added.
    package private(set) var count = 0
    /// One event's encoding, reused.
    private var scratch: [UInt8] = []

    package init(memoryBudget: Int = EventSpill.defaultMemoryBudget) { self.memoryBudget = memoryBudget }

    /// Adds a row of `user`.
    package mutating func add(user: Int64, _ event: EventBlock.Parts) throws {
        let bucket = Int(user >> Self.bucketShift)
        if bucket >= buckets.count {
            buckets.append(contentsOf: repeatElement([], count: bucket + 1 - buckets.count))
        }
        if bucket >= present.count {
            present.append(contentsOf: repeatElement([UInt64](repeating: 0, count: Self.usersPerBucket / 64),
                                                     count: bucket + 1 - present.count))
        }
        let slot = Int(user) & (Self.usersPerBucket - 1)
        present[bucket][slot >> 6] |= 1 << UInt64(slot & 63)
        scratch.removeAll(keepingCapacity: true)
        EventBlock.appendFirst(event, to: &scratch)
        // The row's user and length, then the row, each appended at once.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { header in
            var count = 0
            PropertyCodec.putVarint(UInt64(user), into: header, at: &count)
            PropertyCodec.putVarint(UInt64(scratch.count), into: header, at: &count)
            buckets[bucket].append(contentsOf: UnsafeBufferPointer(rebasing: header[..<count]))
            bufferedBytes += count + scratch.count
        }
        buckets[bucket] += scratch
        count += 1
        if bufferedBytes >= memoryBudget { try spill() }
    }

    static let usersPerBucket = 1 << bucketShift

    /// The users of one bucket that have rows in any of `spills`, ascending.
    package static func users(in spills: [EventSpill], bucket: Int) -> [Int64] {
        var users: [Int64] = []
        do {
            for word in 0..<(usersPerBucket / 64) {
                var bits: UInt64 = 0
                for spill in spills where bucket < spill.present.count { bits |= spill.present[bucket][word] }
                while bits != 0 {
                    let bit = bits.trailingZeroBitCount
                    users.append(Int64(bucket << bucketShift + word * 64 + bit))
                    bits &= bits - 1
                }
            }
        }
        return users
    }

    /// The rows of one bucket, as encoded byte runs in the order they were added.
    func parts(ofBucket bucket: Int) throws -> [[UInt8]] {
        var parts: [[UInt8]] = bucket < spilled.count ? try spilled[bucket].map(read) : []
        if bucket < buckets.count, !buckets[bucket].isEmpty { parts.append(buckets[bucket]) }
        return parts
    }

    /// The buckets that hold rows in any of `spills`, in increasing user order.
    package static func bucketIndices(_ spills: [EventSpill]) -> [Int] {
        let count = spills.map { max($0.buckets.count, $0.spilled.count) }.max() ?? 0
        return (0..<count).filter { bucket in
            spills.contains {
                (bucket < $0.buckets.count && !$0.buckets[bucket].isEmpty)
                    || (bucket < $0.spilled.count && !$0.spilled[bucket].isEmpty)
            }
        }
    }

    /// Calls `body` once per user of one bucket, users ascending, with the user's rows: those of
    /// the first spill first (the first part of the file), each spill's in the order they were
    /// added. Safe to call from several threads at once.
    package static func forEachUser(in spills: [EventSpill], bucket: Int, _ body: (Int64, [StoredEvent]) throws -> Void) throws {
        do {
            let parts = try spills.flatMap { try $0.parts(ofBucket: bucket) }
            guard !parts.isEmpty else { return }
            // Where each row is (part, offset, length) and whose it is; rows are found by their lengths alone.
            var rows: [(user: Int64, part: Int32, offset: Int32, count: Int32)] = []
            for (index, part) in parts.enumerated() {
                try part.withUnsafeBytes { bytes in
                    var reader = EventBlock.Reader(bytes: bytes)
                    while !reader.atEnd {
                        let user = Int64(try reader.varint())
                        let length = try reader.count()
                        rows.append((user, Int32(index), Int32(reader.offset), Int32(length)))
                        reader.offset += length
                    }
                }
            }
            // Counting sort by user (a bucket holds 2^bucketShift consecutive ids): a user's rows stay
            // in file order (parts are in file order, and so are rows within a part).
            let base = Int64(bucket) << Self.bucketShift
            var starts = [Int32](repeating: 0, count: (1 << Self.bucketShift) + 1)
            for row in rows { starts[Int(row.user - base) + 1] += 1 }
            for index in 1..<starts.count { starts[index] += starts[index - 1] }
            var order = [Int32](repeating: 0, count: rows.count)
            var next = starts
            for (index, row) in rows.enumerated() {
                let slot = Int(row.user - base)
                order[Int(next[slot])] = Int32(index)
                next[slot] += 1
            }
            var events: [StoredEvent] = []
            for slot in 0..<(1 << Self.bucketShift) where starts[slot + 1] > starts[slot] {
                events.removeAll(keepingCapacity: true)
                for position in Int(starts[slot])..<Int(starts[slot + 1]) {
                    let row = rows[Int(order[position])]
                    try parts[Int(row.part)].withUnsafeBytes { bytes in
                        var reader = EventBlock.Reader(bytes: UnsafeRawBufferPointer(
                            rebasing: bytes[Int(row.offset)..<Int(row.offset + row.count)]))
                        events.append(try reader.event(after: nil))
                    }
                }
                try body(base + Int64(slot), events)
            }
        }
    }

    /// Whether rows went to the temporary file.
    package var spilledToDisk: Bool { file != nil }

    /// Gives the temporary file's space back now (it was unlinked when created; it is closed anyway
    /// when the last copy of this spill goes, also when an import fails).
    package mutating func close() {
        file?.close()
        file = nil
    }

    private mutating func spill() throws {
        if file == nil { file = SpillFile(descriptor: try Self.temporaryFile()) }
        guard let descriptor = file?.descriptor else { return }
        if spilled.count < buckets.count {
            spilled.append(contentsOf: repeatElement([], count: buckets.count - spilled.count))
        }
        for bucket in buckets.indices where !buckets[bucket].isEmpty {
            try buckets[bucket].withUnsafeBytes { bytes in
                var written = 0
                while written < bytes.count {
                    let result = pwrite(descriptor, bytes.baseAddress! + written, bytes.count - written, off_t(fileSize) + off_t(written))
                    guard result > 0 else { throw Self.failure("write", errno) }
                    written += result
                }
            }
            spilled[bucket].append((fileSize, buckets[bucket].count))
            fileSize += Int64(buckets[bucket].count)
            buckets[bucket] = []
        }
        bufferedBytes = 0
    }

    private func read(_ extent: (offset: Int64, count: Int)) throws -> [UInt8] {
        guard let descriptor = file?.descriptor else { throw Self.failure("read", EBADF) }
        var bytes = [UInt8](repeating: 0, count: extent.count)
        try bytes.withUnsafeMutableBytes { buffer in
            var done = 0
            while done < extent.count {
                let result = pread(descriptor, buffer.baseAddress! + done, extent.count - done, off_t(extent.offset) + off_t(done))
                guard result > 0 else { throw Self.failure("read", errno) }
                done += result
            }
        }
        return bytes
    }

    /// A new file in the temporary directory (`TMPDIR`), unlinked at once so nothing is left behind.
    private static func temporaryFile() throws -> Int32 {
        let directory = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array((directory + "/analytics-import-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw failure("create a temporary file in \(directory) for", errno) }
        _ = template.withUnsafeBufferPointer { unlink($0.baseAddress!) }
        return descriptor
    }

    private static func failure(_ action: String, _ code: Int32) -> IngestError {
        .unreadable(path: "temporary import file", reason: "cannot \(action) it: \(String(cString: strerror(code))); "
            + "set TMPDIR to a folder with free space")
    }
}

/// An open, unlinked temporary file, closed when released.
private final class SpillFile: @unchecked Sendable {
    // @unchecked: the descriptor is written once (and by `close`, after the workers are done).
    private(set) var descriptor: Int32

    init(descriptor: Int32) { self.descriptor = descriptor }

    func close() {
        if descriptor >= 0 { Foundation.close(descriptor) }
        descriptor = -1
    }

    deinit { close() }
}
