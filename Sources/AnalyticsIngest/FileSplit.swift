import Foundation

/// Where a large file is cut into parts that threads read at once.
///
/// Each cut is just after the first line break at or after its share of the
/// file (1/n, 2/n, ...), and the part after it starts on line `line`. That is a
/// record start only if the line break is not inside a quoted field, which only
/// reading the part before can tell: its reader checks that a record starts on
/// `line` exactly (`EventReading.read(_:stopLine:)`), else the file is read
/// again by one thread. Line ends may be LF or CRLF (Windows exports, Python's
/// `csv` module); a file with a lone CR before its last cut is not cut (a lone
/// CR ends a record but not a line, so lines could not be counted ahead).
struct FileSplit {
    /// The byte offset where the part starts.
    let offset: Int64
    /// The line number of the part's first byte.
    let line: Int

    /// Files smaller than this are read by one thread: 16 MiB, or `ANALYTICS_SPLIT_BYTES` (for tests).
    static var minimumBytes: Int64 {
        ProcessInfo.processInfo.environment["ANALYTICS_SPLIT_BYTES"].flatMap { Int64($0) } ?? 16 << 20
    }

    /// The most parts a file is cut into. Many more parts than threads even out the threads' work
    /// (the first rows of a file bring more new users, which cost more): with two halves, one thread
    /// read alone for the last 0.3 s of a 1M-row file's 1.1 s; the last part is the most one waits.
    static let maximumParts = 32

    /// How many parts a file of `size` bytes is cut into: one per quarter of `minimumBytes`, 2 to `maximumParts`.
    static func parts(size: Int64, minimumBytes: Int64 = minimumBytes) -> Int {
        Int(min(Int64(maximumParts), max(2, 4 * size / max(1, minimumBytes))))
    }

    /// The cuts for the plain file at `path` of `size` bytes (the starts of parts 2, 3, ...), in file
    /// order, or nil when it should not be cut.
    static func cuts(path: String, size: Int64, minimumBytes: Int64 = minimumBytes) throws -> [FileSplit]? {
        guard size >= minimumBytes else { return nil }
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        // A file with quotes may have line breaks inside fields, and then a cut may fall inside one (the
        // file is read again by one thread): such files are cut once, as risky as before; others in many parts.
        guard let cuts = try cuts(descriptor, size: size, parts: parts(size: size, minimumBytes: minimumBytes)) else { return nil }
        return cuts.quoted ? try Self.cuts(descriptor, size: size, parts: 2)?.cuts : cuts.cuts
    }

    private static func cuts(_ descriptor: Int32, size: Int64, parts: Int) throws -> (cuts: [FileSplit], quoted: Bool)? {
        var quoted = false
        var cuts: [FileSplit] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var lineBreaks = 0
        var offset: Int64 = 0
        // A CR that ended the previous buffer: this one must start with its LF.
        var pendingReturn = false
        while offset < size, cuts.count < parts - 1 {
            let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(offset)) }
            guard count > 0 else { return nil }
            // memchr finds line breaks many bytes at a time (a byte loop took 0.6 s for a 829 MB file).
            let loneReturn: Bool = buffer.withUnsafeBytes { bytes in
                let base = bytes.baseAddress!
                if pendingReturn && bytes[0] != 0x0A { return true }
                pendingReturn = false
                var search = 0
                while search < count, let hit = memchr(base + search, 0x0D, count - search) {
                    let at = base.distance(to: UnsafeRawPointer(hit))
                    if at + 1 == count { pendingReturn = true } else if bytes[at + 1] != 0x0A { return true }
                    search = at + 1
                }
                if !quoted, memchr(base, 0x22, count) != nil { quoted = true }
                var index = 0
                while index < count, cuts.count < parts - 1, let hit = memchr(base + index, 0x0A, count - index) {
                    index = base.distance(to: UnsafeRawPointer(hit)) + 1
                    lineBreaks += 1
                    let next = offset + Int64(index)
                    // Not before the part's share, and not at a blank line (a skipped record has no line of its own).
                    if next >= size * Int64(cuts.count + 1) / Int64(parts), next < size,
                       index >= count || (bytes[index] != 0x0A && bytes[index] != 0x0D) {
                        cuts.append(FileSplit(offset: next, line: lineBreaks + 1))
                    }
                }
                return false
            }
            if loneReturn { return nil }
            offset += Int64(count)
        }
        return cuts.isEmpty ? nil : (cuts, quoted)
    }
}
