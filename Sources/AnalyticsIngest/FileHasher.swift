import Crypto
import Foundation
import CSVScanner

/// SHA-256 of a file's bytes as stored on disk (compressed files hash compressed), and where a plain
/// file large enough is cut for two reading threads (`FileSplit`), found in the same pass.
enum FileHasher {
    /// - Throws: `ByteSourceError`.
    static func sha256(path: String) throws -> FileHash {
        let file = try PlainFileSource(path: path)
        var hasher = SHA256()
        var finder: FileSplit.Finder? = file.size >= FileSplit.minimumBytes ? FileSplit.Finder(size: file.size) : nil
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        var size: Int64 = 0
        while true {
            let count = try file.read(into: buffer)
            if count == 0 { break }
            let bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            hasher.update(bufferPointer: bytes)
            // A gzip file is read by one thread: no cuts to look for.
            if size == 0, count >= 2, bytes[0] == 0x1F, bytes[1] == 0x8B { finder = nil }
            finder?.scan(bytes)
            size += Int64(count)
        }
        return (hasher.finalize().hexString, size, finder?.cuts)
    }
}

/// A file's SHA-256 (hex), its size, and its cuts for two reading threads (nil: read by one).
typealias FileHash = (hex: String, size: Int64, cuts: [FileSplit]?)

/// What identifies a file's content without reading it: device, inode, size and modification time.
/// A file hashed ahead whose stamp differs when its turn comes is hashed again.
struct FileStamp: Equatable {
    let device: UInt64
    let inode: UInt64
    let size: Int64
    let modifiedSeconds: Int
    let modifiedNanoseconds: Int

    /// Nil when the file cannot be looked at.
    init?(path: String) {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        device = UInt64(status.st_dev)
        inode = UInt64(status.st_ino)
        size = Int64(status.st_size)
        modifiedSeconds = status.st_mtim.tv_sec
        modifiedNanoseconds = status.st_mtim.tv_nsec
    }
}
