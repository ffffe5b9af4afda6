import AnalyticsCore
import AnalyticsSessions
import AnalyticsStorage

/// One user's timeline decoded into columns, restricted to a time range.
struct TimelineScan {
    private typealias Field = TimelineRecord.Offset
    let matcher: StageMatcher
    let range: TimeRange
    /// Only events meeting it are kept (`--where`).
    let filter: EventFilter
    /// Stages whose events must also meet conditions of their own.
    let stageFilters: [(bit: UInt32, filter: EventFilter)]
    /// Whether the records' property pairs are decoded (filters or breakdowns read them).
    let readsProperties: Bool
    /// The current timeline's records in range: time, stage mask, session index,
    /// and where the record is in `bytes` (for its touchpoint fields).
    private(set) var timestamps: [Int64] = []
    private(set) var masks: [UInt32] = []
    /// Per kept record, the journey's exclusions it is an X event of (empty without exclusions).
    private(set) var exclusionMasks: [UInt32] = []
    private(set) var sessions: [Int32] = []
    private var offsets: [Int] = []
    /// The properties whose values breakdowns read, and per kept record those
    /// values (record i's at i x count ..< (i + 1) x count; 0: absent).
    private let keptProperties: [Int64]
    private var keptValues: [Int64] = []
    /// The property values of the record being decoded: every property when conditions read
    /// properties, else only `keptProperties` (in their order).
    private var columns: PropertyColumns
    /// Whether conditions read properties.
    private let conditionsReadProperties: Bool
    /// A copy of the current blob (SQLite's buffer is only valid until the next step).
    private var bytes: [UInt8] = []
    /// The last event time seen in range over all timelines.
    private(set) var lastTime: Int64?
    /// The last event or order time over all timelines read, whatever the range and filter.
    private(set) var latestStored: Int64?

    /// - Parameter keptProperties: the properties breakdowns read on kept records.
    init(matcher: StageMatcher, range: TimeRange, filter: EventFilter = EventFilter(),
         stageFilters: [(bit: UInt32, filter: EventFilter)] = [], readsProperties: Bool = false,
         keptProperties: [Int64] = []) {
        self.matcher = matcher
        self.range = range
        self.filter = filter
        self.stageFilters = stageFilters
        self.readsProperties = readsProperties || !keptProperties.isEmpty
        self.keptProperties = keptProperties
        conditionsReadProperties = readsProperties
        columns = PropertyColumns(wanted: readsProperties ? nil : keptProperties)
    }

    var count: Int { timestamps.count }

    /// The timelines of a range of users in user order, for `loadNext`.
    func timelines(_ database: Database, users: ClosedRange<Int64>) throws -> Statement {
        let statement = try database.prepare("""
            SELECT records, \(readsProperties ? "props" : "NULL") FROM timelines WHERE user_id BETWEEN ? AND ?
            ORDER BY user_id
            """)
        try statement.bind([.integer(users.lowerBound), .integer(users.upperBound)])
        return statement
    }

    /// Loads the next timeline of `timelines` (see `load`); false after the last.
    mutating func loadNext(_ timelines: Statement) throws -> Bool {
        guard let row = try timelines.step() else { return false }
        row.withBlob(0) { records in row.withBlob(1) { props in load(records, props: props) } }
        return true
    }

    /// Decodes one timeline (and its property pairs, when read), keeping the
    /// records in range that meet the filter.
    mutating func load(_ blob: UnsafeRawBufferPointer, props: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)) {
        timestamps.removeAll(keepingCapacity: true)
        masks.removeAll(keepingCapacity: true)
        exclusionMasks.removeAll(keepingCapacity: true)
        sessions.removeAll(keepingCapacity: true)
        offsets.removeAll(keepingCapacity: true)
        keptValues.removeAll(keepingCapacity: true)
        bytes.removeAll(keepingCapacity: true)
        bytes.append(contentsOf: blob)
        let size = TimelineRecord.size
        let lower = range.lower, upper = range.upper
        var latest = lastTime ?? .min
        if readsProperties { columns.start(props) }
        for offset in stride(from: 0, to: blob.count - size + 1, by: size) {
            if readsProperties { columns.next(props) }
            let time = Int64(littleEndian: blob.loadUnaligned(fromByteOffset: offset + Field.timestamp, as: Int64.self))
            guard time >= lower && time < upper else { continue }
            let eventType = Self.int32(blob, offset + Field.eventType), page = Self.int32(blob, offset + Field.page)
            let channel = Self.int32(blob, offset + Field.channel), device = Self.int32(blob, offset + Field.device)
            let campaign = Self.int32(blob, offset + Field.campaign)
            // The record's values, for conditions: its own type, page and properties, its session's touchpoint.
            func passes(_ conditions: EventFilter) -> Bool {
                conditions.passes(eventType: Int64(eventType), page: Int64(page), channel: Int64(channel),
                                  device: Int64(device), campaign: Int64(campaign)) { columns.value(of: $0) }
            }
            if !filter.isEmpty, !passes(filter) { continue }
            var mask = matcher.mask(eventType: eventType, page: page, channel: channel, device: device, campaign: campaign)
            for stage in stageFilters where mask & stage.bit != 0 && !passes(stage.filter) { mask &= ~stage.bit }
            timestamps.append(time)
            masks.append(mask)
            if matcher.hasExclusions { exclusionMasks.append(matcher.exclusionMask(eventType: eventType)) }
            sessions.append(Self.int32(blob, offset + Field.session))
            offsets.append(offset)
            if conditionsReadProperties {
                for property in keptProperties { keptValues.append(columns.value(of: property) ?? 0) }
            } else {
                keptValues.append(contentsOf: columns.values)
            }
            if time > latest { latest = time }
        }
        if !timestamps.isEmpty { lastTime = latest }
        if blob.count >= size {
            // Records are in journey order: the last one is the latest.
            let last = Int64(littleEndian: blob.loadUnaligned(fromByteOffset: (blob.count / size - 1) * size, as: Int64.self))
            latestStored = max(latestStored ?? last, last)
        }
    }

    /// The value id of a field on the kept record at `index` (0: absent).
    func value(of source: FieldCatalog.Source, at index: Int) -> Int64 {
        func field(_ position: Int) -> Int64 {
            bytes.withUnsafeBytes { Int64(Self.int32($0, offsets[index] + position)) }
        }
        switch source {
        case .eventType: return field(Field.eventType)
        case .page: return field(Field.page)
        case .channel: return field(Field.channel)
        case .device: return field(Field.device)
        case .campaign: return field(Field.campaign)
        case .property(let property, _):
            guard let position = keptProperties.firstIndex(of: property) else { return 0 }
            return keptValues[index * keptProperties.count + position]
        }
    }

    @inline(__always)
    private static func int32(_ blob: UnsafeRawBufferPointer, _ offset: Int) -> Int32 {
        Int32(littleEndian: blob.loadUnaligned(fromByteOffset: offset, as: Int32.self))
    }

    /// The breakdown group of the record at `index`: a label id (0 for none),
    /// or for cohorts the day number the cohort starts on.
    func group(_ breakdown: FunnelBreakdown?, at index: Int) -> Int64 {
        switch breakdown {
        case .channel: return value(of: .channel, at: index)
        case .device: return value(of: .device, at: index)
        case .campaign: return value(of: .campaign, at: index)
        case .landingPage: return value(of: .page, at: index)
        case .day, .week, .month: return breakdown?.cohortStart(of: timestamps[index]) ?? 0
        case .property, nil: return 0 // Properties are read with `value(of:at:)`.
        }
    }

    /// Index ranges of each session's records; reorders the records by
    /// session first when sessions interleave in time (explicit session ids).
    mutating func sessionRanges() -> [Range<Int>] {
        var ordered = true
        for index in sessions.indices.dropFirst() where sessions[index] < sessions[index - 1] {
            ordered = false
            break
        }
        if !ordered {
            let order = sessions.indices.sorted { (sessions[$0], $0) < (sessions[$1], $1) }
            timestamps = order.map { timestamps[$0] }
            masks = order.map { masks[$0] }
            if !exclusionMasks.isEmpty { exclusionMasks = order.map { exclusionMasks[$0] } }
            sessions = order.map { sessions[$0] }
            offsets = order.map { offsets[$0] }
            if !keptProperties.isEmpty {
                let width = keptProperties.count
                keptValues = order.flatMap { keptValues[$0 * width..<($0 + 1) * width] }
            }
        }
        var ranges: [Range<Int>] = []
        var start = 0
        for index in 1...sessions.count where index == sessions.count || sessions[index] != sessions[start] {
            ranges.append(start..<index)
            start = index
        }
        return ranges
    }

    /// Evaluates the records in `range` as one actor (outcomes in `evaluator.outcomes`).
    func evaluate(with evaluator: inout FunnelEvaluator, range: Range<Int>) {
        timestamps.withUnsafeBufferPointer { times in
            masks.withUnsafeBufferPointer { masks in
                exclusionMasks.withUnsafeBufferPointer { exclusions in
                    evaluator.evaluate(timestamps: UnsafeBufferPointer(rebasing: times[range]),
                                       masks: UnsafeBufferPointer(rebasing: masks[range]),
                                       exclusionMasks: exclusions.isEmpty ? exclusions : UnsafeBufferPointer(rebasing: exclusions[range]))
                }
            }
        }
    }
}
