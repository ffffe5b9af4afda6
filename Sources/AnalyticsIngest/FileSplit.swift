import Foundation

/// Where a large file is cut so that two threads read its halves at once.
///
/// The cut is just after the first line break at or after the middle, and the
/// second half's first record is on line `line`. That is a record start only
/// if the line break is not inside a quoted field, which only reading the
/// first half can tell: the first reader checks that a record starts on
/// `line` exactly (`EventReading.read(_:stopLine:)`), else the file is read
/// again by one thread. Files with carriage returns are not cut (a lone CR
/// ends a record but not a quoted line, so lines could not be counted ahead).
struct FileSplit {
    /// The byte offset where the second half starts.
    let offset: Int64
    /// The line number of the second half's first byte.
    let line: Int

    /// Files smaller than this are read by one thread: 16 MiB, or `ANALYTICS_SPLIT_BYTES` (for tests).
    static var minimumBytes: Int64 {
        ProcessInfo.processInfo.environment["ANALYTICS_SPLIT_BYTES"].flatMap { Int64($0) } ?? 16 << 20
    }

    /// The cut for the plain file at `path` of `size` bytes, or nil when it should not be cut.
    static func find(path: String, size: Int64) throws -> FileSplit? {
        guard size >= minimumBytes else { return nil }
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var lineBreaks = 0
        var offset: Int64 = 0
        let middle = size / 2
        while offset < size {
            let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(offset)) }
            guard count > 0 else { return nil }
            for index in 0..<count {
                let byte = buffer[index]
                if byte == 0x0D { return nil }
                guard byte == 0x0A else { continue }
                lineBreaks += 1
                let next = offset + Int64(index) + 1
                // Not before the middle, and not at a blank line (a skipped record has no line of its own).
                if next >= middle, next < size, index + 1 >= count || buffer[index + 1] != 0x0A {
                    return FileSplit(offset: next, line: lineBreaks + 1)
                }
            }
            offset += Int64(count)
        }
        return nil
    }
}
