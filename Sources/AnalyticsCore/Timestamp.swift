import Foundation

/// Parses and formats instants as milliseconds since the Unix epoch, UTC.
///
/// Accepted forms (see docs/ingest.md):
/// - ISO-8601 with `T` or a space, optional fractional seconds (any number of
///   digits, truncated to milliseconds), and a zone: `Z`, ` UTC`, `+02:00`,
///   `+0200` or `+02`: `2024-03-01T12:34:56.789Z`, `2019-10-01 00:00:00 UTC`;
/// - a date alone, `2024-03-01` (midnight);
/// - Unix epoch numbers, by magnitude: below 1e11 seconds (fractions allowed;
///   every date up to the year 5138), below 1e14 milliseconds (from March
///   1973), below 1e17 microseconds (GA4's `event_timestamp`; from March 1973),
///   otherwise nanoseconds (from March 1973); finer units are floored to the
///   millisecond.
/// A date or time without a zone needs `assumedZone`, else it is rejected.
package struct TimestampParser: Sendable {
    /// Why a text is not a timestamp.
    package enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        case empty
        case malformed
        case missingZone
        case outOfRange

        package var description: String {
            switch self {
            case .empty: return "empty timestamp"
            case .malformed: return "unparsable timestamp"
            case .missingZone: return "timestamp has no time zone (use --assume-timezone ZONE)"
            case .outOfRange: return "timestamp out of range"
            }
        }
    }

    /// The zone for local times without an offset; nil rejects them.
    package let assumedZone: TimeZone?
    /// The unit of epoch numbers when a mapping names it (`timestamp_unit`); nil: told by magnitude.
    package let epochUnit: EpochUnit?

    /// The units an epoch number may be given in.
    package enum EpochUnit: String, CaseIterable, Sendable {
        case s, ms, us, ns
    }

    package init(assumedZone: TimeZone? = nil, epochUnit: EpochUnit? = nil) {
        self.assumedZone = assumedZone
        self.epochUnit = epochUnit
    }

    /// Parses a text; see the type's documentation for the forms.
    package func parse(_ text: String) -> Result<Int64, Failure> {
        var copy = text
        return copy.withUTF8 { parse(UnsafeRawBufferPointer($0)) }
    }

    /// Parses UTF-8 bytes without making a `String`.
    package func parse(_ bytes: UnsafeRawBufferPointer) -> Result<Int64, Failure> {
        if let instant = Self.parseUsualUTC(bytes) { return .success(instant) }
        return parseAnyForm(bytes)
    }

    /// The usual forms of exports, `2024-03-01T12:34:56Z` and `2024-03-01T12:34:56.789Z` (or a space
    /// for the `T`), read at their fixed places; nil for any other text, and for a field out of range,
    /// which `parseAnyForm` reads (or rejects) as it reads every form. Reading every timestamp the
    /// general way took about 740 instructions, a seventh of a row's parse.
    @inline(__always)
    static func parseUsualUTC(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        let count = bytes.count
        guard count == 20 || count == 24, bytes[count - 1] == UInt8(ascii: "Z"), bytes[4] == UInt8(ascii: "-"),
              bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: " "),
              bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
              count == 20 || bytes[19] == UInt8(ascii: ".") else { return nil }
        // Each digit's value; a byte that is no digit gives a value above 9, noticed once for all.
        let base = bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)
        let zero = UInt8(ascii: "0")
        let d0 = base[0] &- zero, d1 = base[1] &- zero, d2 = base[2] &- zero, d3 = base[3] &- zero
        let d5 = base[5] &- zero, d6 = base[6] &- zero, d8 = base[8] &- zero, d9 = base[9] &- zero
        let d11 = base[11] &- zero, d12 = base[12] &- zero, d14 = base[14] &- zero, d15 = base[15] &- zero
        let d17 = base[17] &- zero, d18 = base[18] &- zero
        let (d20, d21, d22) = count == 24 ? (base[20] &- zero, base[21] &- zero, base[22] &- zero) : (0, 0, 0)
        let largest = max(max(max(d0, d1), max(d2, d3)), max(max(d5, d6), max(d8, d9)), max(max(d11, d12), max(d14, d15)),
                          max(max(d17, d18), max(d20, max(d21, d22))))
        let year = Int64(d0) * 1000 + Int64(d1) * 100 + Int64(d2) * 10 + Int64(d3)
        let month = Int64(d5) * 10 + Int64(d6), day = Int64(d8) * 10 + Int64(d9)
        let hour = Int64(d11) * 10 + Int64(d12), minute = Int64(d14) * 10 + Int64(d15), second = Int64(d17) * 10 + Int64(d18)
        let fraction = Int64(d20) * 100 + Int64(d21) * 10 + Int64(d22)
        guard largest <= 9, month >= 1, month <= 12, day >= 1, day <= Calendar.daysIn(month: month, year: year),
              hour < 24, minute < 60, second < 61 else { return nil }
        return (Calendar.daysFromCivil(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second)
            * 1000 + fraction
    }

    /// Parses any accepted form (`parse` reads the usual ones faster).
    func parseAnyForm(_ bytes: UnsafeRawBufferPointer) -> Result<Int64, Failure> {
        var start = 0, end = bytes.count
        while start < end, bytes[start] == 0x20 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 { end -= 1 }
        if start == end { return .failure(.empty) }
        var cursor = Cursor(bytes: bytes, position: start, end: end)
        if end - start < 10 || bytes[start + 4] != UInt8(ascii: "-") { return parseEpoch(&cursor) }
        return parseCalendar(&cursor)
    }

    private func parseEpoch(_ cursor: inout Cursor) -> Result<Int64, Failure> {
        let negative = cursor.consume(UInt8(ascii: "-"))
        guard let (whole, wholeDigits) = cursor.digits(max: 19), wholeDigits > 0 else { return .failure(.malformed) }
        var milliseconds: Int64
        var divisor: Int64 = 1
        if let unit = epochUnit, unit != .s {
            milliseconds = whole
            divisor = unit == .ms ? 1 : unit == .us ? 1000 : 1_000_000
        } else if whole < 100_000_000_000 || epochUnit == .s {
            guard whole < 100_000_000_000_000 else { return .failure(.outOfRange) }
            milliseconds = whole * 1000
            if cursor.consume(UInt8(ascii: ".")) {
                guard let fraction = cursor.fractionMilliseconds() else { return .failure(.malformed) }
                milliseconds += fraction
            }
        } else {
            milliseconds = whole
            if whole >= 100_000_000_000_000_000 {
                divisor = 1_000_000 // nanoseconds
            } else if whole >= 100_000_000_000_000 {
                divisor = 1000 // microseconds
            }
        }
        guard cursor.atEnd else { return .failure(.malformed) }
        if divisor > 1 { return .success(Timestamp.floorDivide(negative ? -milliseconds : milliseconds, divisor).quotient) }
        return .success(negative ? -milliseconds : milliseconds)
    }

    private func parseCalendar(_ cursor: inout Cursor) -> Result<Int64, Failure> {
        guard let year = cursor.fixed(4), cursor.consume(UInt8(ascii: "-")),
              let month = cursor.fixed(2), cursor.consume(UInt8(ascii: "-")),
              let day = cursor.fixed(2) else { return .failure(.malformed) }
        guard (1...12).contains(month), day >= 1, day <= Calendar.daysIn(month: month, year: year) else {
            return .failure(.outOfRange)
        }
        var hour: Int64 = 0, minute: Int64 = 0, second: Int64 = 0, fraction: Int64 = 0
        if cursor.consume(UInt8(ascii: "T")) || cursor.consume(UInt8(ascii: " ")) {
            guard let h = cursor.fixed(2), cursor.consume(UInt8(ascii: ":")), let m = cursor.fixed(2) else {
                return .failure(.malformed)
            }
            hour = h
            minute = m
            if cursor.consume(UInt8(ascii: ":")) {
                guard let s = cursor.fixed(2) else { return .failure(.malformed) }
                second = s
                if cursor.consume(UInt8(ascii: ".")) || cursor.consume(UInt8(ascii: ",")) {
                    guard let f = cursor.fractionMilliseconds() else { return .failure(.malformed) }
                    fraction = f
                }
            }
            guard hour < 24, minute < 60, second < 61 else { return .failure(.outOfRange) }
        }
        let local = (Calendar.daysFromCivil(year: year, month: month, day: day) * 86_400
            + hour * 3600 + minute * 60 + second) * 1000 + fraction
        // The zone.
        _ = cursor.consume(UInt8(ascii: " "))
        if cursor.atEnd {
            guard let assumedZone else { return .failure(.missingZone) }
            return .success(Self.utc(fromLocal: local, in: assumedZone))
        }
        if cursor.consume(UInt8(ascii: "Z")) || cursor.consume(UInt8(ascii: "z")) || cursor.consumeUTC() {
            return cursor.atEnd ? .success(local) : .failure(.malformed)
        }
        let sign: Int64
        if cursor.consume(UInt8(ascii: "+")) { sign = 1 } else if cursor.consume(UInt8(ascii: "-")) { sign = -1 } else {
            return .failure(.malformed)
        }
        guard let offsetHours = cursor.fixed(2) else { return .failure(.malformed) }
        var offsetMinutes: Int64 = 0
        if !cursor.atEnd {
            _ = cursor.consume(UInt8(ascii: ":"))
            guard let m = cursor.fixed(2) else { return .failure(.malformed) }
            offsetMinutes = m
        }
        guard cursor.atEnd, offsetHours <= 18, offsetMinutes < 60 else { return .failure(.malformed) }
        return .success(local - sign * (offsetHours * 3600 + offsetMinutes * 60) * 1000)
    }

    /// Converts a wall-clock time in `zone` to UTC milliseconds. For a time that
    /// a daylight-saving change skips or repeats, the offset in force before the
    /// change is used (a skipped 02:30 in New York is 02:30 EST, 07:30Z).
    static func utc(fromLocal local: Int64, in zone: TimeZone) -> Int64 {
        func offset(at instant: Int64) -> Int64 {
            Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(instant) / 1000))) * 1000
        }
        // Zones change offsets at most a few hours at a time; a day either side
        // gives the offsets before and after any change near this time.
        let before = offset(at: local - 86_400_000), after = offset(at: local + 86_400_000)
        if offset(at: local - before) == before { return local - before }
        if offset(at: local - after) == after { return local - after }
        return local - before
    }
}

/// A read position over ASCII bytes.
private struct Cursor {
    let bytes: UnsafeRawBufferPointer
    var position: Int
    let end: Int

    var atEnd: Bool { position >= end }

    mutating func consume(_ byte: UInt8) -> Bool {
        guard position < end, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    mutating func consumeUTC() -> Bool {
        guard end - position >= 3 else { return false }
        let u = bytes[position] | 0x20, t = bytes[position + 1] | 0x20, c = bytes[position + 2] | 0x20
        guard u == UInt8(ascii: "u"), t == UInt8(ascii: "t"), c == UInt8(ascii: "c") else { return false }
        position += 3
        return true
    }

    /// Exactly `count` digits.
    mutating func fixed(_ count: Int) -> Int64? {
        guard end - position >= count else { return nil }
        var value: Int64 = 0
        for offset in 0..<count {
            let digit = bytes[position + offset] &- 0x30
            guard digit < 10 else { return nil }
            value = value * 10 + Int64(digit)
        }
        position += count
        return value
    }

    /// One to `max` digits, with how many were read.
    mutating func digits(max: Int) -> (Int64, Int)? {
        var value: Int64 = 0, count = 0
        while position < end, bytes[position] &- 0x30 < 10 {
            guard count < max else { return nil }
            let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, carry) = shifted.addingReportingOverflow(Int64(bytes[position] &- 0x30))
            guard !overflow, !carry else { return nil }
            value = sum
            position += 1
            count += 1
        }
        return (value, count)
    }

    /// One or more fraction digits as milliseconds (extra digits truncated).
    mutating func fractionMilliseconds() -> Int64? {
        var value: Int64 = 0, count = 0
        while position < end, bytes[position] &- 0x30 < 10 {
            if count < 3 { value = value * 10 + Int64(bytes[position] &- 0x30) }
            position += 1
            count += 1
        }
        guard count > 0 else { return nil }
        for _ in count..<max(count, 3) { value *= 10 }
        return value
    }
}

/// Proleptic Gregorian calendar arithmetic in UTC.
enum Calendar {
    /// Days since 1970-01-01 (Howard Hinnant's days_from_civil).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The civil date of a day number (Hinnant's civil_from_days).
    static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}

/// Formatting of UTC milliseconds.
public enum Timestamp {
    /// `2024-03-01T12:34:56.789Z` (milliseconds shown only when not zero).
    public static func iso8601(_ milliseconds: Int64) -> String {
        let (days, msOfDay) = floorDivide(milliseconds, 86_400_000)
        let date = Calendar.civil(fromDays: days)
        let seconds = msOfDay / 1000, ms = msOfDay % 1000
        var text = String(format: "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld",
                          date.year, date.month, date.day, seconds / 3600, seconds % 3600 / 60, seconds % 60)
        if ms != 0 { text += String(format: ".%03lld", ms) }
        return text + "Z"
    }

    /// `2024-03-01`, the UTC date of an instant.
    public static func date(_ milliseconds: Int64) -> String {
        let date = Calendar.civil(fromDays: floorDivide(milliseconds, 86_400_000).quotient)
        return String(format: "%04lld-%02lld-%02lld", date.year, date.month, date.day)
    }

    /// The UTC day number (days since 1970-01-01) of an instant.
    package static func dayNumber(_ milliseconds: Int64) -> Int64 { floorDivide(milliseconds, 86_400_000).quotient }

    /// Midnight UTC of a civil date, in milliseconds.
    package static func milliseconds(year: Int64, month: Int64, day: Int64) -> Int64 {
        Calendar.daysFromCivil(year: year, month: month, day: day) * 86_400_000
    }

    /// The civil (year, month, day) of a UTC day number.
    package static func civil(dayNumber: Int64) -> (year: Int64, month: Int64, day: Int64) {
        Calendar.civil(fromDays: dayNumber)
    }

    static func floorDivide(_ a: Int64, _ b: Int64) -> (quotient: Int64, remainder: Int64) {
        let q = a / b, r = a % b
        return r < 0 ? (q - 1, r + b) : (q, r)
    }
}
