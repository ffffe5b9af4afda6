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

@Suite("Timestamps")
struct TimestampTests {
    let parser = TimestampParser()
    /// 2024-03-01T12:34:56Z in milliseconds, computed independently: 19783 days after 1970-01-01.
    let reference: Int64 = (19_783 * 86_400 + 12 * 3600 + 34 * 60 + 56) * 1000

    @Test("ISO-8601 with Z, offsets, fractions, T or space, and the UTC suffix")
    func iso() {
        let cases: [(String, Int64)] = [
            ("2024-03-01T12:34:56Z", reference),
            ("2024-03-01T12:34:56.789Z", reference + 789),
            ("2024-03-01T12:34:56.7Z", reference + 700),
            ("2024-03-01T12:34:56.123456Z", reference + 123),
            ("2024-03-01 12:34:56Z", reference),
            ("2024-03-01 14:34:56+02:00", reference),
            ("2024-03-01 14:34:56+0200", reference),
            ("2024-03-01T14:34:56+02", reference),
            ("2024-03-01T07:04:56-05:30", reference),
            ("2024-03-01 12:34:56 UTC", reference),
            ("2024-03-01T12:34Z", reference - 56_000),
            ("1970-01-01T00:00:00Z", 0),
            ("1969-12-31T23:59:59.999Z", -1),
            ("2024-02-29T00:00:00Z", Int64(19_782) * 86_400_000),
            ("2019-10-01 00:00:00 UTC", Int64(18_170) * 86_400_000),
        ]
        for (text, expected) in cases {
            #expect(parser.parse(text) == .success(expected), "\(text)")
        }
    }

    @Test("epoch numbers: seconds below 100,000,000,000, milliseconds from there")
    func epoch() {
        #expect(parser.parse("1709296496") == .success(reference))
        #expect(parser.parse("1709296496.5") == .success(reference + 500))
        #expect(parser.parse("1709296496000") == .success(reference))
        #expect(parser.parse("99999999999") == .success(99_999_999_999_000))
        #expect(parser.parse("100000000000") == .success(100_000_000_000))
        #expect(parser.parse("0") == .success(0))
    }

    @Test("epoch numbers: milliseconds below 1e14, microseconds below 1e17, nanoseconds above, floored")
    func fineEpochs() {
        #expect(parser.parse("99999999999999") == .success(99_999_999_999_999))
        #expect(parser.parse("100000000000000") == .success(100_000_000_000))
        // GA4's event_timestamp, in microseconds.
        #expect(parser.parse("1709296496000000") == .success(reference))
        #expect(parser.parse("1709296496123999") == .success(reference + 123))
        #expect(parser.parse("99999999999999999") == .success(99_999_999_999_999))
        #expect(parser.parse("100000000000000000") == .success(100_000_000_000))
        #expect(parser.parse("1709296496123999999") == .success(reference + 123))
        #expect(parser.parse("-1500") == .success(-1_500_000))
        #expect(parser.parse("-100000000000001") == .success(-100_000_000_001))
    }

    @Test("a time without a zone needs an assumed zone, with daylight saving applied")
    func assumedZone() throws {
        #expect(parser.parse("2024-03-01 12:34:56") == .failure(.missingZone))
        #expect(parser.parse("2024-03-01") == .failure(.missingZone))
        let berlin = TimestampParser(assumedZone: TimeZone(identifier: "Europe/Berlin"))
        // Winter: UTC+1; summer: UTC+2.
        #expect(berlin.parse("2024-03-01 13:34:56") == .success(reference))
        #expect(berlin.parse("2024-07-01 02:00:00") == .success(Timestamp.milliseconds(year: 2024, month: 7, day: 1)))
        // An explicit zone wins over the assumed one.
        #expect(berlin.parse("2024-03-01T12:34:56Z") == .success(reference))
        let utc = TimestampParser(assumedZone: TimeZone(identifier: "UTC"))
        #expect(utc.parse("2024-03-01") == .success(Timestamp.milliseconds(year: 2024, month: 3, day: 1)))
    }

    @Test("daylight-saving changes: a skipped or repeated wall time takes the offset in force before the change")
    func daylightSavingChanges() throws {
        let newYork = TimestampParser(assumedZone: TimeZone(identifier: "America/New_York"))
        let cases: [(String, String)] = [
            // Spring forward on 2024-03-10 at 02:00 EST: 02:00-02:59 do not exist, EST applies.
            ("2024-03-10 01:59:00", "2024-03-10T06:59:00Z"), ("2024-03-10 02:00:00", "2024-03-10T07:00:00Z"),
            ("2024-03-10 02:30:00", "2024-03-10T07:30:00Z"), ("2024-03-10 03:00:00", "2024-03-10T07:00:00Z"),
            // Fall back on 2024-11-03 at 02:00 EDT: 01:00-01:59 happen twice, EDT applies.
            ("2024-11-03 00:30:00", "2024-11-03T04:30:00Z"), ("2024-11-03 01:00:00", "2024-11-03T05:00:00Z"),
            ("2024-11-03 01:30:00", "2024-11-03T05:30:00Z"), ("2024-11-03 02:00:00", "2024-11-03T07:00:00Z"),
        ]
        for (local, expected) in cases {
            guard case .success(let instant) = newYork.parse(local) else { Issue.record("\(local) did not parse"); continue }
            #expect(Timestamp.iso8601(instant) == expected, "\(local)")
        }
    }

    @Test("malformed and out-of-range texts are rejected")
    func rejects() {
        for text in ["yesterday", "2024-13-01T00:00:00Z", "2024-02-30T00:00:00Z", "2024-03-01T25:00:00Z",
                     "2024-03-01T12:34:56+2", "2024-03-01T12:34:56Zjunk", "12.5.2024", "1e9", "2024-03-01T12:34:56 PST"] {
            #expect(parser.parse(text).isFailure, "\(text)")
        }
        #expect(parser.parse("") == .failure(.empty))
        #expect(parser.parse("   ") == .failure(.empty))
    }

    @Test("the usual forms, read at fixed places, give what the general reading gives, and nothing else")
    func usualForms() {
        // Valid and near-valid texts of the two usual lengths: digits, separators and stray bytes at
        // every place, dates and times at and past their limits (leap days, second 60, hour 24).
        var generator = SystemRandomNumberGenerator()
        let templates = ["2024-02-29T23:59:60.999Z", "1970-01-01 00:00:00Z", "2023-02-28T24:00:00.000Z", "0001-12-31T00:00:00Z",
                         "2100-02-29T12:34:56.789Z", "9999-12-31T23:59:59Z"]
        let bytes = Array("0123456789-T :.Zz+x".utf8)
        var fast = 0
        for round in 0..<10_000 {
            var text = Array(templates[round % templates.count].utf8)
            if round % 4 != 0 {
                for _ in 0..<Int.random(in: 1...2, using: &generator) {
                    text[Int.random(in: 0..<text.count, using: &generator)] = bytes.randomElement(using: &generator)!
                }
            }
            text.withUnsafeBytes { raw in
                let general = parser.parseAnyForm(raw)
                if let instant = TimestampParser.parseUsualUTC(raw) {
                    fast += 1
                    #expect(general == .success(instant), "\(String(decoding: text, as: UTF8.self))")
                }
                #expect(parser.parse(raw) == general)
            }
        }
        #expect(fast > 1500)
        // Worked examples: the reference instant, its milliseconds, a leap day.
        #expect(parser.parse("2024-03-01T12:34:56Z") == .success(reference))
        #expect(parser.parse("2024-03-01 12:34:56.789Z") == .success(reference + 789))
        #expect(parser.parse("2024-02-29T00:00:00Z") == .success((19_782 * 86_400) * 1000))
        #expect(parser.parse("2023-02-29T00:00:00Z") == .failure(.outOfRange))
    }

    @Test("formatting round-trips")
    func formatting() {
        #expect(Timestamp.iso8601(reference + 789) == "2024-03-01T12:34:56.789Z")
        #expect(Timestamp.iso8601(reference) == "2024-03-01T12:34:56Z")
        #expect(Timestamp.iso8601(-1) == "1969-12-31T23:59:59.999Z")
        #expect(Timestamp.date(reference) == "2024-03-01")
        for value: Int64 in [0, -1, reference, 4_102_444_800_000, -2_208_988_800_000] {
            #expect(parser.parse(Timestamp.iso8601(value)) == .success(value))
        }
    }
}

extension Result {
    var isFailure: Bool {
        if case .failure = self { return true }
        return false
    }
}
