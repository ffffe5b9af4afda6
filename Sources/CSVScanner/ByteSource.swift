import CZlib
import Foundation

/// A stream of bytes read in chunks: a plain file or a gzip-compressed one.
/// Memory stays flat whatever the file size.
package protocol ByteSource: AnyObject {
    /// Fills `buffer` from its start; returns the number of bytes read, 0 at the end.
    /// - Throws: `ByteSourceError` on read or decompression errors.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
    /// Compressed or plain bytes consumed from the file so far (for progress).
    var bytesConsumed: Int64 { get }
}

/// Why a file could not be read: missing, a folder, an I/O error or broken compression.
package struct ByteSourceError: Error, Equatable, CustomStringConvertible {
    package let path: String
    package let reason: String

    package var description: String { "\(path): cannot read the file: \(reason)" }
}

/// Opens a file as a byte source, decompressing `.gz` files (or any file that
/// starts with the gzip magic bytes) on the fly.
package func openByteSource(path: String) throws -> ByteSource {
    let file = try PlainFileSource(path: path)
    var magic = [UInt8](repeating: 0, count: 2)
    let count = magic.withUnsafeMutableBytes { pread(file.descriptor, $0.baseAddress, 2, 0) }
    if count == 2 && magic == [0x1F, 0x8B] { return try GzipSource(file: file) }
    return file
}

/// Reads a file with plain `read(2)` calls.
package final class PlainFileSource: ByteSource {
    let descriptor: Int32
    let path: String
    package private(set) var bytesConsumed: Int64 = 0
    /// The file's size when it was opened.
    package let size: Int64

    /// - Parameter offset: where reading starts (`bytesConsumed` counts from there).
    package init(path: String, offset: Int64 = 0) throws {
        self.path = path
        // Non-blocking, so that opening a FIFO does not wait for a writer; only regular
        // files are read (a FIFO or /dev/zero would hang or never end).
        descriptor = open(path, O_RDONLY | O_NONBLOCK)
        guard descriptor >= 0 else {
            throw ByteSourceError(path: path, reason: String(cString: strerror(errno)))
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw ByteSourceError(path: path, reason: reason)
        }
        let type = info.st_mode & S_IFMT
        guard type == S_IFREG else {
            close(descriptor)
            throw ByteSourceError(path: path, reason: type == S_IFDIR ? "is a directory"
                : "is not a regular file (a FIFO, device or socket); only regular files are imported")
        }
        size = Int64(info.st_size)
        if offset > 0, lseek(descriptor, off_t(offset), SEEK_SET) < 0 {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw ByteSourceError(path: path, reason: reason)
        }
    }

    deinit { close(descriptor) }

    package func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let count = Foundation.read(descriptor, buffer.baseAddress, buffer.count)
            if count >= 0 {
                bytesConsumed += Int64(count)
                return count
            }
            if errno == EINTR { continue }
            throw ByteSourceError(path: path, reason: String(cString: strerror(errno)))
        }
    }
}

/// Inflates a gzip file (several concatenated members allowed) with the system zlib.
package final class GzipSource: ByteSource {
    private let file: PlainFileSource
    private var stream = z_stream()
    private var input: UnsafeMutableRawBufferPointer
    private var inputEnded = false
    private var finished = false

    package var bytesConsumed: Int64 { file.bytesConsumed }

    init(file: PlainFileSource) throws {
        self.file = file
        input = .allocate(byteCount: 1 << 18, alignment: 16)
        guard czlib_inflate_init_gzip(&stream) == Z_OK else {
            input.deallocate()
            throw ByteSourceError(path: file.path, reason: "zlib could not start")
        }
    }

    deinit {
        inflateEnd(&stream)
        input.deallocate()
    }

    package func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard !finished, let out = buffer.baseAddress else { return 0 }
        stream.next_out = out.assumingMemoryBound(to: Bytef.self)
        stream.avail_out = UInt32(buffer.count)
        while stream.avail_out > 0 {
            if stream.avail_in == 0 && !inputEnded {
                let count = try file.read(into: input)
                if count == 0 { inputEnded = true }
                stream.next_in = input.baseAddress?.assumingMemoryBound(to: Bytef.self)
                stream.avail_in = UInt32(count)
            }
            let result = inflate(&stream, Z_NO_FLUSH)
            if result == Z_STREAM_END {
                // Another gzip member may follow.
                if stream.avail_in == 0 && inputEnded { finished = true; break }
                if stream.avail_in == 0 {
                    let count = try file.read(into: input)
                    if count == 0 { inputEnded = true; finished = true; break }
                    stream.next_in = input.baseAddress?.assumingMemoryBound(to: Bytef.self)
                    stream.avail_in = UInt32(count)
                }
                inflateReset(&stream)
                continue
            }
            if result == Z_BUF_ERROR && inputEnded && stream.avail_in == 0 {
                throw ByteSourceError(path: file.path, reason: "the gzip data ends early (truncated file)")
            }
            guard result == Z_OK || result == Z_BUF_ERROR else {
                let message = stream.msg.map { String(cString: $0) } ?? "code \(result)"
                throw ByteSourceError(path: file.path, reason: "invalid gzip data: \(message)")
            }
        }
        return buffer.count - Int(stream.avail_out)
    }
}
