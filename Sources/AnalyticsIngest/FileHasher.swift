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
