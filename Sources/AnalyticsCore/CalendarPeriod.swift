import Foundation

/// Calendar periods (days, ISO weeks from Monday 00:00, months) in a time zone:
/// which period an instant falls in, and where a period starts and ends. Periods
/// are numbered so that consecutive periods differ by 1, whatever their length in
/// hours (a day with a daylight-saving change is still one day).
public struct CalendarPeriod: Sendable, Equatable {
    public enum Unit: String, CaseIterable, Sendable {
        case day, week, month
    }

    public let unit: Unit
    public let zone: TimeZone
    /// The zone's offset in milliseconds when it never changes (UTC, fixed-offset zones), else nil.
    private let fixedOffset: Int64?

    public init(_ unit: Unit, zone: TimeZone = TimeZone(identifier: "UTC")!) {
        self.unit = unit
        self.zone = zone
        fixedOffset = zone.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: -2_208_988_800)) == nil
            ? Int64(zone.secondsFromGMT()) * 1000 : nil
    }

    /// The zone's name; `UTC` for UTC (which Foundation may call GMT).
    public var zoneName: String { fixedOffset == 0 && ["GMT", "UTC"].contains(zone.identifier) ? "UTC" : zone.identifier }

    /// The zone's offset from UTC at an instant, in milliseconds.
    @inline(__always)
    private func offset(at instant: Int64) -> Int64 {
        fixedOffset ?? Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(instant) / 1000))) * 1000
    }

    /// The wall-clock time of an instant in the zone, as milliseconds of a UTC-like local timeline.
    @inline(__always)
    private func local(_ instant: Int64) -> Int64 { instant + offset(at: instant) }

    /// The number of the period an instant falls in (local calendar).
    public func index(of instant: Int64) -> Int64 { index(localDay: Timestamp.dayNumber(local(instant))) }

    private func index(localDay day: Int64) -> Int64 {
        switch unit {
        case .day: return day
        case .week: return Timestamp.floorDivide(day + 3, 7).quotient // 1970-01-01 was a Thursday.
        case .month:
            let date = Timestamp.civil(dayNumber: day)
            return date.year * 12 + date.month - 1
        }
    }

    /// The local day number period `index` starts on.
    private func firstDay(_ index: Int64) -> Int64 {
        switch unit {
        case .day: return index
        case .week: return index * 7 - 3
        case .month:
            let (year, month) = Timestamp.floorDivide(index, 12)
            return Timestamp.dayNumber(Timestamp.milliseconds(year: year, month: month + 1, day: 1))
        }
    }

    /// The instant period `index` starts at (local midnight of its first day).
    public func start(of index: Int64) -> Int64 {
        let midnight = firstDay(index) * 86_400_000
        if let fixedOffset { return midnight - fixedOffset }
        return TimestampParser.utc(fromLocal: midnight, in: zone)
    }

    /// The instant period `index` ends at (exclusive): the start of the next one.
    public func end(of index: Int64) -> Int64 { start(of: index + 1) }

    /// The period's label: its first day (`2024-02-26`; months `2024-02`).
    public func label(of index: Int64) -> String {
        let date = Timestamp.civil(dayNumber: firstDay(index))
        return unit == .month ? String(format: "%04lld-%02lld", date.year, date.month)
            : String(format: "%04lld-%02lld-%02lld", date.year, date.month, date.day)
    }

    /// Period numbers of many instants: the zone's offset is looked up once per UTC day
    /// (and per instant only on days when the offset changes).
    public struct Indexer {
        public let period: CalendarPeriod
        private var offsets: [Int64: Int64?] = [:]

        public init(_ period: CalendarPeriod) { self.period = period }

        public mutating func index(of instant: Int64) -> Int64 {
            if let fixed = period.fixedOffset { return period.index(localDay: Timestamp.dayNumber(instant + fixed)) }
            let zone = period.zone
            let day = Timestamp.dayNumber(instant)
            let offset: Int64?
            if let known = offsets[day] {
                offset = known
            } else {
                func at(_ ms: Int64) -> Int64 { Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(ms) / 1000))) * 1000 }
                let first = at(day * 86_400_000), last = at(day * 86_400_000 + 86_399_999)
                offset = first == last ? first : nil
                offsets[day] = .some(offset)
            }
            guard let offset else { return period.index(of: instant) }
            return period.index(localDay: Timestamp.dayNumber(instant + offset))
        }
    }
}
