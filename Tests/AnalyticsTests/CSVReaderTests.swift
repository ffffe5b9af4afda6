import Foundation
import Testing
@testable import Analytics
@testable import AnalyticsCore
@testable import AnalyticsIngest
@testable import AnalyticsQueries
@testable import AnalyticsReports
@testable import AnalyticsSessions
@testable import AnalyticsStorage
@testable import CSVScanner

/// Serves bytes from memory in chunks of a fixed size, to exercise records
/// that span buffer refills.
final class MemorySource: ByteSource {
    private let bytes: [UInt8]
    private var offset = 0
    private let chunk: Int
    var bytesConsumed: Int64 { Int64(offset) }

    init(_ bytes: [UInt8], chunk: Int = 1 << 20) {
        self.bytes = bytes
        self.chunk = chunk
    }

    convenience init(_ text: String, chunk: Int = 1 << 20) { self.init(Array(text.utf8), chunk: chunk) }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = min(buffer.count, chunk, bytes.count - offset)
        for index in 0..<count { buffer[index] = bytes[offset + index] }
        offset += count
        return count
    }
}

struct ReadRecord: Equatable {
    var line: Int
    var fields: [String]
    var problem: CSVReader.Problem?
}

func readAll(_ source: ByteSource, delimiter: UInt8 = UInt8(ascii: ","), bufferSize: Int = 1 << 20) throws -> [ReadRecord] {
    let reader = CSVReader(source: source, delimiter: delimiter, bufferSize: bufferSize)
    var records: [ReadRecord] = []
    while try reader.next() {
        records.append(ReadRecord(line: reader.line, fields: (0..<reader.fieldCount).map(reader.fieldString),
                                  problem: reader.problem))
    }
    return records
}

@Suite("CSV reader")
struct CSVReaderTests {
    static let bufferSizes = [16, 17, 64, 1 << 20]

    @Test("plain records with LF, CRLF and CR endings", arguments: bufferSizes)
    func lineEndings(bufferSize: Int) throws {
        for ending in ["\n", "\r\n", "\r"] {
            let text = "a,b,c" + ending + "1,2,3" + ending + "x,,z" + ending
            let records = try readAll(MemorySource(text, chunk: 5), bufferSize: bufferSize)
            #expect(records == [ReadRecord(line: 1, fields: ["a", "b", "c"]), ReadRecord(line: 2, fields: ["1", "2", "3"]),
                                ReadRecord(line: 3, fields: ["x", "", "z"])], "ending \(ending.debugDescription)")
        }
    }

    @Test("quoted fields: delimiters, doubled quotes, line breaks, empty", arguments: bufferSizes)
    func quoting(bufferSize: Int) throws {
        let text = "id,text\r\n1,\"a,b\"\r\n2,\"say \"\"hi\"\"\"\r\n3,\"two\r\nlines\nthree\"\r\n4,\"\"\r\n5,last"
        let records = try readAll(MemorySource(text, chunk: 3), bufferSize: bufferSize)
        #expect(records == [
            ReadRecord(line: 1, fields: ["id", "text"]),
            ReadRecord(line: 2, fields: ["1", "a,b"]),
            ReadRecord(line: 3, fields: ["2", "say \"hi\""]),
            ReadRecord(line: 4, fields: ["3", "two\r\nlines\nthree"]),
            // The quoted field above spans lines 4 to 6, so the next record starts on line 7.
            ReadRecord(line: 7, fields: ["4", ""]),
            ReadRecord(line: 8, fields: ["5", "last"]),
        ])
    }

    @Test("each record's byte offset is where its first byte is: after a BOM, CRLF, blank lines, quoted line breaks", arguments: bufferSizes)
    func recordOffsets(bufferSize: Int) throws {
        let pieces = ["\u{FEFF}", "a,b\r\n", "\n", "1,\"x\ny\",2\n", "\r\n", "\"q\"\"\",3\r\n", "last,4"]
        // The records' starts, counted on the bytes: the BOM, blank lines and line ends are no record.
        var expected: [Int64] = []
        var offset = 0
        for piece in pieces {
            let bytes = Array(piece.utf8)
            if piece != "\u{FEFF}" && piece != "\n" && piece != "\r\n" { expected.append(Int64(offset)) }
            offset += bytes.count
        }
        let reader = CSVReader(source: MemorySource(pieces.joined(), chunk: 5), bufferSize: bufferSize)
        var found: [Int64?] = []
        while try reader.next() { found.append(reader.recordOffset) }
        #expect(found == expected.map { $0 })
    }

    @Test("a UTF-8 byte-order mark is skipped; multi-byte text is kept")
    func byteOrderMark() throws {
        let records = try readAll(MemorySource([0xEF, 0xBB, 0xBF] + Array("name,city\nJosé,東京\n".utf8), chunk: 2))
        #expect(records.map(\.fields) == [["name", "city"], ["José", "東京"]])
    }

    @Test("semicolon and tab delimiters")
    func delimiters() throws {
        #expect(try readAll(MemorySource("a;b\n\"x;y\";2\n"), delimiter: UInt8(ascii: ";")).map(\.fields)
                == [["a", "b"], ["x;y", "2"]])
        #expect(try readAll(MemorySource("a\tb\nx,y\t2\n"), delimiter: 0x09).map(\.fields) == [["a", "b"], ["x,y", "2"]])
    }

    @Test("blank lines are skipped and do not shift line numbers")
    func blankLines() throws {
        let records = try readAll(MemorySource("a,b\n\n1,2\r\n\r\n3,4\n\n"))
        #expect(records == [ReadRecord(line: 1, fields: ["a", "b"]), ReadRecord(line: 3, fields: ["1", "2"]),
                            ReadRecord(line: 5, fields: ["3", "4"])])
    }

    @Test("no trailing newline, empty input, a header alone")
    func edges() throws {
        #expect(try readAll(MemorySource("a,b\n1,2")).map(\.fields) == [["a", "b"], ["1", "2"]])
        #expect(try readAll(MemorySource("")).isEmpty)
        #expect(try readAll(MemorySource("a,b\n")).map(\.fields) == [["a", "b"]])
        #expect(try readAll(MemorySource("a,\n")).map(\.fields) == [["a", ""]])
    }

    @Test("an unterminated quote rejects its first line only; reading goes on at the next line", arguments: bufferSizes)
    func unterminated(bufferSize: Int) throws {
        let records = try readAll(MemorySource("a,b\n1,2\n3,\"open\nmore\nlines\n", chunk: 4), bufferSize: bufferSize)
        #expect(records.count == 5)
        #expect(records[2].line == 3)
        #expect(records[2].problem == .unterminatedQuote)
        #expect(records[3] == ReadRecord(line: 4, fields: ["more"]))
        #expect(records[4] == ReadRecord(line: 5, fields: ["lines"]))
    }

    @Test("a quote open for more than the line limit is cut there; the rows after it are read", arguments: bufferSizes)
    func runawayQuote(bufferSize: Int) throws {
        var text = "a,b\n1,\"stray\n"
        for row in 0..<(CSVReader.maximumQuotedLineBreaks + 50) { text += "\(row),x\n" }
        let records = try readAll(MemorySource(text, chunk: 7), bufferSize: bufferSize)
        #expect(records.count == 2 + CSVReader.maximumQuotedLineBreaks + 50)
        #expect(records[1].line == 2)
        #expect(records[1].problem == .unterminatedQuote)
        #expect(records[2] == ReadRecord(line: 3, fields: ["0", "x"]))
        #expect(records.last == ReadRecord(line: 2 + CSVReader.maximumQuotedLineBreaks + 50,
                                           fields: ["\(CSVReader.maximumQuotedLineBreaks + 49)", "x"]))
    }

    @Test("records keep at most the field and byte limits; the reader stays in step")
    func recordLimits() throws {
        let wide = String(repeating: ",", count: CSVReader.maximumFields + 10)
        let long = Array(repeating: String(repeating: "y", count: 60_000), count: 20).joined(separator: ",")
        let records = try readAll(MemorySource("a\n" + wide + "\n" + long + "\nlast\n", chunk: 4096), bufferSize: 1 << 16)
        #expect(records.count == 4)
        #expect(records[1].problem == .tooManyFields)
        #expect(records[2].problem == .recordTooLong)
        #expect(records[3] == ReadRecord(line: 4, fields: ["last"]))
    }

    @Test("text after a closing quote is a problem; the next record is fine")
    func textAfterQuote() throws {
        let records = try readAll(MemorySource("\"a\"b,c\nd,e\n"))
        #expect(records[0].problem == .textAfterClosingQuote)
        #expect(records[1] == ReadRecord(line: 2, fields: ["d", "e"]))
    }

    @Test("a field over 64 KiB is a problem and the reader stays in step", arguments: [64, 1 << 20])
    func longField(bufferSize: Int) throws {
        let long = String(repeating: "x", count: CSVReader.maximumFieldLength + 1)
        let exact = String(repeating: "y", count: CSVReader.maximumFieldLength)
        let records = try readAll(MemorySource("a,b\n1,\(long)\n2,\(exact)\n3,z\n", chunk: 1000), bufferSize: bufferSize)
        #expect(records.map(\.problem) == [nil, .fieldTooLong, nil, nil])
        #expect(records[2].fields[1].count == CSVReader.maximumFieldLength)
        #expect(records[3] == ReadRecord(line: 4, fields: ["3", "z"]))
    }

    @Test("raw text of a record is kept for reports, across refills and without its line break")
    func rawText() throws {
        let reader = CSVReader(source: MemorySource("a,b\r\n\"x\ny\",2\r\nlast,1", chunk: 3), bufferSize: 16)
        #expect(try reader.next())
        #expect(String(decoding: reader.rawText, as: UTF8.self) == "a,b")
        #expect(try reader.next())
        #expect(String(decoding: reader.rawText, as: UTF8.self) == "\"x\ny\",2")
        #expect(try reader.next())
        #expect(String(decoding: reader.rawText, as: UTF8.self) == "last,1")
        #expect(try !reader.next())
    }

    @Test("gzip files are read directly, also as several members")
    func gzip() throws {
        let directory = TemporaryDirectory()
        let plain = try directory.write("data.csv", "a,b\n1,2\n")
        let second = try directory.write("more.csv", "3,4\n")
        for path in [plain, second] {
            let gzip = Process()
            gzip.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            gzip.arguments = ["gzip", "-kf", path]
            try gzip.run()
            gzip.waitUntilExit()
            #expect(gzip.terminationStatus == 0)
        }
        let one = try readAll(try openByteSource(path: plain + ".gz"))
        #expect(one.map(\.fields) == [["a", "b"], ["1", "2"]])
        // Two gzip members back to back form one stream.
        let joined = try Data(contentsOf: URL(fileURLWithPath: plain + ".gz")) + Data(contentsOf: URL(fileURLWithPath: second + ".gz"))
        let joinedPath = directory.path("joined.csv.gz")
        try joined.write(to: URL(fileURLWithPath: joinedPath))
        #expect(try readAll(try openByteSource(path: joinedPath)).map(\.fields) == [["a", "b"], ["1", "2"], ["3", "4"]])
        // A truncated file is an error, not silently short data.
        let truncatedPath = directory.path("truncated.csv.gz")
        try joined.prefix(joined.count / 2 - 4).write(to: URL(fileURLWithPath: truncatedPath))
        let error = #expect(throws: ByteSourceError.self) { _ = try readAll(try openByteSource(path: truncatedPath)) }
        #expect(error?.reason == "the gzip data ends early (truncated file)")
    }
}
