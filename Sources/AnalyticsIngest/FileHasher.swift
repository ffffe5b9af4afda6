import Crypto
import Foundation
import CSVScanner

/// SHA-256 of a file's bytes as stored on disk (compressed files hash compressed).
enum FileHasher {
    /// - Throws: `ByteSourceError`.
    static func sha256(path: String) throws -> (hex: String, size: Int64) {
        let file = try PlainFileSource(path: path)
        var hasher = SHA256()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        var size: Int64 = 0
        while true {
            let count = try file.read(into: buffer)
            if count == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            size += Int64(count)
        }
        return (hasher.finalize().hexString, size)
    }
}

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
