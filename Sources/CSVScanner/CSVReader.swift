/// Reads RFC 4180 CSV records from a byte source, one at a time, by scanning
/// bytes (never `Character`s): `,` `"` CR and LF never occur inside a
/// multi-byte UTF-8 sequence, so a byte scanner is safe.
///
/// Handles quoted fields with doubled quotes, line breaks inside quotes, LF,
/// CRLF or CR endings, a UTF-8 byte-order mark, and any one-byte delimiter.
/// Blank lines are skipped. A record that breaks the format is still returned,
/// with `problem` set, so the caller can reject it and go on.
///
/// Memory is bounded whatever the input: a record keeps at most
/// `maximumFields` fields and `maximumRecordBytes` bytes (the rest is scanned
/// and dropped, and the record has a problem). A quote that is not closed
/// within `maximumQuotedLineBreaks` line breaks (or the record's byte limit,
/// or the end of the file) makes its record the first line alone, rejected,
/// and scanning goes on at the next line: one stray quote never swallows the rest.
///
/// Public, with `field` and `fieldCount`, so that the importer's call per field is inlined: a
/// `package` declaration is never inlined into another module (swiftlang/swift#70100).
public final class CSVReader {
    /// What is wrong with a record as a whole.
    package enum Problem: Equatable, Sendable {
        /// The file ends inside a quoted field.
        case unterminatedQuote
        /// A field is longer than the limit.
        case fieldTooLong
        /// Text follows a closing quote before the delimiter.
        case textAfterClosingQuote
        /// The record has more fields than the limit.
        case tooManyFields
        /// The record is longer than the limit.
        case recordTooLong
    }

    /// The most fields a record keeps.
    package static let maximumFields = 4096
    /// The most bytes of field data a record keeps (give or take one field).
    package static let maximumRecordBytes = 1 << 20
    /// The most line breaks a quoted field may span before its quote counts as unterminated.
    package static let maximumQuotedLineBreaks = 1000

    /// The longest field accepted, in bytes.
    package static let maximumFieldLength = 64 * 1024
    /// How much of a record's raw text is kept for reporting.
    package static let rawTextLimit = 1024

    private let source: ByteSource
    private let delimiter: UInt8
    private var buffer: UnsafeMutableRawBufferPointer
    private var position = 0
    private var filled = 0
    private var sourceEnded = false
    private var atFileStart = true

    // The current record.
    // Read by the inlinable `field(_:)` in the importer's per-field loop (another module).
    @usableFromInline private(set) var fieldData: UnsafeMutablePointer<UInt8>
    private var fieldDataCapacity: Int
    @usableFromInline private(set) var fieldEnds: [Int] = []
    private var rawCarry: [UInt8] = []
    private var nextLine = 1
    /// In a quoted field that spans lines: where the record's first line ends in
    /// the buffer (or `tail` holds what followed once the buffer was refilled),
    /// so scanning can go back there if the quote turns out to be unterminated.
    private var resyncStart: Int?
    private var tail: [UInt8] = []
    private var tailing = false
    /// Bytes to scan again before reading the source further.
    private var pending: [UInt8] = []
    private var pendingOffset = 0

    /// The 1-based line on which the current record starts.
    package private(set) var line = 0
    /// Where the current record's first byte is, counted from the source's first byte; nil once a
    /// record was scanned again after an unterminated quote (bytes put back lose their place).
    package var recordOffset: Int64? { offsetsKnown ? recordByte : nil }
    private var recordByte: Int64 = 0
    /// The source offset of `buffer[0]`, and how many bytes the source gave so far.
    private var bufferOffset: Int64 = 0
    private var sourceBytes: Int64 = 0
    private var offsetsKnown = true
    /// The problem of the current record, if any.
    package private(set) var problem: Problem?
    /// The number of fields of the current record.
    @inlinable public var fieldCount: Int { fieldEnds.count }
    /// The raw text of the current record (cut to `rawTextLimit` bytes), made
    /// on demand: only rejected rows need it.
    package var rawText: [UInt8] {
        var text = rawCarry
        let room = Self.rawTextLimit - text.count
        if room > 0, rawStart < rawEnd {
            text.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[rawStart..<min(rawEnd, rawStart + room)]))
        }
        while let last = text.last, last == 0x0A || last == 0x0D { text.removeLast() }
        return text
    }
    /// Where the current record's bytes are in the buffer (after any carried part).
    private var rawStart = 0
    private var rawEnd = 0

    /// - Parameters:
    ///   - delimiter: the field separator, `,` by default.
    ///   - bufferSize: bytes read from the source at a time.
    ///   - firstLine: the line number of the source's first byte (a source that starts mid-file).
    package init(source: ByteSource, delimiter: UInt8 = UInt8(ascii: ","), bufferSize: Int = 1 << 20, firstLine: Int = 1) {
        self.source = source
        nextLine = firstLine
        atFileStart = firstLine == 1
        self.delimiter = delimiter
        buffer = .allocate(byteCount: max(bufferSize, 16), alignment: 16)
        fieldDataCapacity = 1 << 16
        fieldData = .allocate(capacity: fieldDataCapacity)
        fieldEnds.reserveCapacity(32)
    }

    deinit {
        buffer.deallocate()
        fieldData.deallocate()
    }

    /// The bytes of field `index` of the current record (unquoted, unescaped).
    /// Valid until the next call to `next()`.
    @inlinable @inline(__always)
    public func field(_ index: Int) -> UnsafeRawBufferPointer {
        let start = index == 0 ? 0 : fieldEnds[index - 1]
        return UnsafeRawBufferPointer(start: fieldData + start, count: fieldEnds[index] - start)
    }

    /// Field `index` as a string, replacing invalid UTF-8 (for headers and messages).
    package func fieldString(_ index: Int) -> String {
        String(decoding: field(index), as: UTF8.self)
    }

    /// Advances to the next record; false at the end of the file.
    /// - Throws: `ByteSourceError` when the source fails.
    package func next() throws -> Bool {
        while true {
            guard try readRecord() else { return false }
            // A blank line is one empty field; skip it.
            if fieldEnds.count == 1 && fieldEnds[0] == 0 && problem == nil { continue }
            return true
        }
    }

    private enum State { case fieldStart, unquoted, quoted, quoteInQuoted }

    /// Scans one record; false when nothing is left.
    private func readRecord() throws -> Bool {
        fieldEnds.removeAll(keepingCapacity: true)
        rawCarry.removeAll(keepingCapacity: true)
        problem = nil
        line = nextLine
        var used = 0
        var fieldLength = 0
        var state = State.fieldStart
        var recordStart = position
        var sawAnything = false

        resyncStart = nil
        tail.removeAll(keepingCapacity: true)
        tailing = false

        @inline(__always) func append(_ byte: UInt8) {
            guard fieldLength < Self.maximumFieldLength else {
                if problem == nil { problem = .fieldTooLong }
                return
            }
            if used == fieldDataCapacity { growFieldData() }
            fieldData[used] = byte
            used += 1
            fieldLength += 1
        }
        /// Appends the rest of an unquoted field that lies in the buffer (from `position` up to a
        /// delimiter or line break), as one copy: most bytes of most files are in such runs.
        @inline(__always) func appendUnquotedRun() {
            let bytes = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
            var end = position
            // Eight bytes at a time: a byte of the word is a delimiter, LF or CR where the word XOR that
            // byte repeated has a zero byte; the lowest such byte is the first (no false positives below it).
            let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
            let delimiters = ones &* UInt64(delimiter), lineFeeds = ones &* 0x0A, returns = ones &* 0x0D
            @inline(__always) func zeroBytes(_ value: UInt64) -> UInt64 { (value &- ones) & ~value & highs }
            while end + 8 <= filled {
                let word = UInt64(littleEndian: UnsafeRawPointer(bytes + end).loadUnaligned(as: UInt64.self))
                let hits = zeroBytes(word ^ delimiters) | zeroBytes(word ^ lineFeeds) | zeroBytes(word ^ returns)
                if hits != 0 {
                    end += hits.trailingZeroBitCount >> 3
                    break
                }
                end += 8
            }
            while end < filled {
                let byte = bytes[end]
                if byte == delimiter || byte == 0x0A || byte == 0x0D { break }
                end += 1
            }
            var count = end - position
            if fieldLength + count > Self.maximumFieldLength {
                if problem == nil { problem = .fieldTooLong }
                count = max(0, Self.maximumFieldLength - fieldLength)
            }
            while used + count > fieldDataCapacity { growFieldData() }
            if count <= 16, position + 16 <= filled, used + 16 <= fieldDataCapacity {
                // Most fields are short: two word copies (the bytes past the field are overwritten
                // later) cost less than a call to memmove per field.
                let from = UnsafeRawPointer(bytes + position), to = UnsafeMutableRawPointer(fieldData + used)
                to.storeBytes(of: from.loadUnaligned(as: UInt64.self), as: UInt64.self)
                (to + 8).storeBytes(of: from.loadUnaligned(fromByteOffset: 8, as: UInt64.self), as: UInt64.self)
            } else {
                (fieldData + used).update(from: bytes + position, count: count)
            }
            used += count
            fieldLength += count
            position = end
        }
        @inline(__always) func endField() {
            // Checked per field, not per byte: a record holds at most the byte limit plus one field.
            if used > Self.maximumRecordBytes {
                if problem == nil { problem = .recordTooLong }
                used = fieldEnds.last ?? 0
            }
            if fieldEnds.count < Self.maximumFields {
                fieldEnds.append(used)
            } else if problem == nil {
                problem = .tooManyFields
            }
            fieldLength = 0
        }

        while true {
            if position == filled {
                keepRaw(from: recordStart)
                if let start = resyncStart {
                    tail.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[(tailing ? 0 : start)..<filled]))
                    tailing = true
                }
                guard try refill() else {
                    // End of input.
                    if !sawAnything { return false }
                    if state == .quoted {
                        if resyncStart != nil { return resynchronize(recordStart: recordStart) }
                        problem = .unterminatedQuote
                    }
                    endField()
                    finishRaw(from: position)
                    return true
                }
                recordStart = position
            }
            let byte = buffer[position]
            if !sawAnything { recordByte = bufferOffset + Int64(position) }
            position += 1
            sawAnything = true
            switch state {
            case .fieldStart:
                if byte == UInt8(ascii: "\"") {
                    state = .quoted
                } else if byte == delimiter {
                    endField()
                } else if byte == 0x0A || byte == 0x0D {
                    endField()
                    return try finishRecord(lineBreak: byte, recordStart: recordStart)
                } else {
                    append(byte)
                    appendUnquotedRun()
                    state = .unquoted
                }
            case .unquoted:
                if byte == delimiter {
                    endField()
                    state = .fieldStart
                } else if byte == 0x0A || byte == 0x0D {
                    endField()
                    return try finishRecord(lineBreak: byte, recordStart: recordStart)
                } else {
                    append(byte)
                    appendUnquotedRun()
                }
            case .quoted:
                if byte == UInt8(ascii: "\"") {
                    state = .quoteInQuoted
                } else {
                    if byte == 0x0A {
                        nextLine += 1
                        if resyncStart == nil { resyncStart = position }
                        if nextLine - line > Self.maximumQuotedLineBreaks || tail.count > Self.maximumRecordBytes {
                            return resynchronize(recordStart: recordStart)
                        }
                    }
                    append(byte)
                }
            case .quoteInQuoted:
                if byte == UInt8(ascii: "\"") {
                    append(byte)
                    state = .quoted
                } else if byte == delimiter {
                    endField()
                    state = .fieldStart
                } else if byte == 0x0A || byte == 0x0D {
                    endField()
                    return try finishRecord(lineBreak: byte, recordStart: recordStart)
                } else {
                    if problem == nil { problem = .textAfterClosingQuote }
                    append(byte)
                    state = .unquoted
                }
            }
        }
    }

    /// Ends the current record at its first line, as an unterminated quote, and
    /// puts everything after that line back in front of the unread input.
    private func resynchronize(recordStart: Int) -> Bool {
        guard let start = resyncStart else { return true }
        var again = tailing ? tail : []
        again.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[(tailing ? 0 : start)..<filled]))
        pending = again + pending[pendingOffset...]
        pendingOffset = 0
        if tailing {
            // The record began in an earlier buffer: its kept text, cut at its first line.
            if let lineBreak = rawCarry.firstIndex(of: 0x0A) { rawCarry.removeSubrange(lineBreak...) }
            rawStart = 0
            rawEnd = 0
        } else {
            finishRaw(from: recordStart, end: start - 1)
        }
        position = filled
        problem = .unterminatedQuote
        fieldEnds.append(fieldEnds.last ?? 0)
        nextLine = line + 1
        resyncStart = nil
        tail.removeAll(keepingCapacity: true)
        tailing = false
        return true
    }

    private func finishRecord(lineBreak: UInt8, recordStart: Int) throws -> Bool {
        finishRaw(from: recordStart, end: position - 1)
        nextLine += 1
        // CRLF is one line break.
        if lineBreak == 0x0D {
            if position == filled {
                // Keep the record's text before the buffer is refilled.
                keepRaw(from: rawStart)
                rawStart = 0
                rawEnd = 0
                _ = try refill()
            }
            if position < filled && buffer[position] == 0x0A { position += 1 }
        }
        return true
    }

    /// Keeps the part of the current record that is about to leave the buffer.
    private func keepRaw(from start: Int) {
        let room = Self.rawTextLimit - rawCarry.count
        guard room > 0, start < filled else { return }
        let end = min(filled, start + room)
        rawCarry.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[start..<end]))
    }

    private func finishRaw(from start: Int, end: Int? = nil) {
        rawStart = start
        rawEnd = min(end ?? position, filled)
    }

    private func refill() throws -> Bool {
        if pendingOffset < pending.count {
            // Bytes put back by a resynchronisation come first.
            offsetsKnown = false
            let count = min(buffer.count, pending.count - pendingOffset)
            pending.withUnsafeBytes { bytes in
                buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[pendingOffset..<pendingOffset + count]))
            }
            pendingOffset += count
            if pendingOffset == pending.count {
                pending.removeAll(keepingCapacity: true)
                pendingOffset = 0
            }
            position = 0
            filled = count
            return true
        }
        guard !sourceEnded else {
            // Nothing left: the buffer holds no unread bytes (a resynchronisation must not see old ones).
            position = 0
            filled = 0
            return false
        }
        position = 0
        filled = try source.read(into: buffer)
        bufferOffset = sourceBytes
        sourceBytes += Int64(filled)
        if filled == 0 {
            sourceEnded = true
            return false
        }
        if atFileStart {
            atFileStart = false
            // A UTF-8 byte-order mark; a source may hand over fewer than 3 bytes at a time.
            while filled < 3 {
                let more = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
                if more == 0 { break }
                filled += more
                sourceBytes += Int64(more)
            }
            if filled >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF { position = 3 }
        }
        if position < filled { return true }
        return try refill()
    }

    private func growFieldData() {
        let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: fieldDataCapacity * 2)
        bigger.update(from: fieldData, count: fieldDataCapacity)
        fieldData.deallocate()
        fieldData = bigger
        fieldDataCapacity *= 2
    }
}
