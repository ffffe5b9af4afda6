import Foundation
import Testing
@testable import Analytics
@testable import AnalyticsCore
@testable import AnalyticsIngest
@testable import CSVScanner

/// Random inputs for the CSV scanner, the timestamp parser and the import. Each
/// test runs for `FUZZ_SECONDS` (default 1 s, and at least a fixed number of
/// rounds) from `FUZZ_SEED` (default 1); CI runs the default, a longer hunt is
/// `FUZZ_SECONDS=600 swift test --filter Fuzz`.
@Suite("Fuzz")
struct FuzzTests {
    static let environment = ProcessInfo.processInfo.environment
    static let seconds = Double(environment["FUZZ_SECONDS"] ?? "") ?? 1
    static let seed = UInt64(environment["FUZZ_SEED"] ?? "") ?? 1

    /// Runs `body` for the configured time, and at least `minimum` rounds.
    static func rounds(minimum: Int, _ body: (Int, inout SplitMix64) throws -> Void) rethrows {
        var random = SplitMix64(seed: seed)
        let deadline = Date().addingTimeInterval(seconds)
        var round = 0
        while round < minimum || Date() < deadline {
            try body(round, &random)
            round += 1
        }
    }

    /// Bytes that exercise the scanner: delimiters, quotes, CR, LF, UTF-8, invalid bytes.
    static func randomBytes(_ random: inout SplitMix64, count: Int) -> [UInt8] {
        let pieces: [[UInt8]] = [[0x61], [0x62], [0x2C], [0x22], [0x22, 0x22], [0x0A], [0x0D], [0x0D, 0x0A], [0x20],
                                 Array("é".utf8), [0xFF], [0x00], [0xEF, 0xBB, 0xBF], [0x3B], [0x09]]
        var bytes: [UInt8] = []
        while bytes.count < count { bytes += pieces[random.int(0...pieces.count - 1)] }
        return bytes
    }

    @Test("the scanner reads any bytes to the end, the same way whatever the buffer and read sizes")
    func scannerConsistency() throws {
        try Self.rounds(minimum: 300) { round, random in
            let bytes = Self.randomBytes(&random, count: random.int(0...400))
            let reference = try readAll(MemorySource(bytes), bufferSize: 1 << 20)
            for (chunk, buffer) in [(1, 16), (3, 17), (7, 64), (64, 1 << 20)] {
                let records = try readAll(MemorySource(bytes, chunk: chunk), bufferSize: buffer)
                #expect(records == reference, "round \(round), chunk \(chunk), buffer \(buffer): \(bytes)")
                if records != reference { return }
            }
            // Line numbers never go backwards.
            #expect(zip(reference, reference.dropFirst()).allSatisfy { $0.line < $1.line }, "round \(round): \(bytes)")
        }
    }

    @Test("the timestamp parser answers every input without crashing, and round-trips what it accepts")
    func timestampParser() {
        let parser = TimestampParser(assumedZone: TimeZone(identifier: "Europe/Berlin"))
        let pieces = ["2024", "-", "03", "01", "T", " ", ":", "12", "59", "60", ".", "999999", "Z", "+", "02", "00", "UTC",
                      "9", "99999999999999999999", "1e5", "-", "x", ""]
        Self.rounds(minimum: 2000) { round, random in
            let text = (0..<random.int(1...8)).map { _ in pieces[random.int(0...pieces.count - 1)] }.joined()
            // Anything accepted within years 0000-9999 prints as ISO text that parses back to the same instant.
            if case .success(let instant) = parser.parse(text), instant >= -62_167_219_200_000, instant < 253_402_300_800_000 {
                #expect(parser.parse(Timestamp.iso8601(instant)) == .success(instant), "round \(round): '\(text)'")
            }
        }
    }

    @Test("every row of a random file is imported, rejected or a duplicate; nothing is lost or counted twice")
    func importAccounting() throws {
        let directory = TemporaryDirectory()
        let workspace = try Workspace.open(path: directory.path("fuzz.sqlite"))
        let fields = ["2024-03-01T10:00:00Z", "2024-03-01 10:00:00", "1709287200", "yesterday", "u1", "u2", "", "page_view",
                      "\"a,b\"", "\"open", "x\"y", "12.5", "abc", "e1", "e2", "é", "\"\"\"\""]
        try Self.rounds(minimum: 20) { round, random in
            var lines = ["timestamp,user_id,event_type,revenue,event_id"]
            for _ in 0..<random.int(0...40) {
                lines.append((0..<random.int(3...6)).map { _ in fields[random.int(0...fields.count - 1)] }.joined(separator: ","))
            }
            let path = try directory.write("round\(round).csv", lines.joined(separator: random.int(0...1) == 0 ? "\n" : "\r\n"))
            let result = try workspace.importFiles([path]).results[0]
            if result.status == .imported {
                #expect(result.rowsRead == result.rowsImported + result.rowsRejected + result.rowsDuplicate,
                        "round \(round): \(result)")
            } else {
                #expect(result.rowsImported == 0, "round \(round): \(result)")
            }
        }
        let info = try workspace.info()
        let imported = try workspace.imports(format: .csv).rows.reduce(Int64(0)) { total, row in
            if case .text("completed") = row[3], case .integer(let count) = row[7] { return total + count }
            return total
        }
        #expect(info.tables.first { $0.table == "events" }?.rows == imported)
    }
}
