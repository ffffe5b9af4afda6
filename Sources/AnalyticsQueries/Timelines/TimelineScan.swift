import AnalyticsCore
import AnalyticsSessions
import AnalyticsStorage

/// One user's timeline decoded into columns, restricted to a time range.
struct TimelineScan {
    let matcher: StageMatcher
    let range: TimeRange
    /// Only events meeting it are kept (`--where`).
    let filter: EventFilter
    /// Stages whose events must also meet conditions of their own.
    let stageFilters: [(bit: UInt32, filter: EventFilter)]
    /// Whether the records' property pairs are decoded (filters or breakdowns read them).
    let readsProperties: Bool
    /// The current timeline's records in range: time, stage mask, session index,
    /// event type and page (the touchpoint is the session's, in `cursor`).
    private(set) var timestamps: [Int64] = []
    private(set) var masks: [UInt32] = []
    /// Per kept record, the journey's exclusions it is an X event of (empty without exclusions).
    private(set) var exclusionMasks: [UInt32] = []
    private(set) var sessions: [Int32] = []
    private var eventTypes: [Int32] = []
    private var pages: [Int32] = []
    /// The properties whose values breakdowns read, and per kept record those
    /// values (record i's at i x count ..< (i + 1) x count; 0: absent).
    private let keptProperties: [Int64]
    private var keptValues: [Int64] = []
    /// The property values of the record being decoded: every property when conditions read
    /// properties, else only `keptProperties` (in their order).
    private var columns: PropertyColumns
    /// Whether conditions read properties.
    private let conditionsReadProperties: Bool
    /// Reads the current timeline; keeps its sessions' touchpoints after the blob is gone.
    private var cursor = TimelineCursor()
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
        eventTypes.removeAll(keepingCapacity: true)
        pages.removeAll(keepingCapacity: true)
        keptValues.removeAll(keepingCapacity: true)
        cursor.start(blob)
        let lower = range.lower, upper = range.upper
        var latest = lastTime ?? .min
        if readsProperties { columns.start(props) }
        while cursor.next() {
            if readsProperties { columns.next(props) }
            let time = cursor.timestamp
            guard time >= lower && time < upper else { continue }
            let eventType = cursor.eventTypeID, page = cursor.pageID, touchpoint = cursor.touchpoint
            let channel = touchpoint.channel, device = touchpoint.device, campaign = touchpoint.campaign
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
            sessions.append(cursor.sessionIndex)
            eventTypes.append(eventType)
            pages.append(page)
            if conditionsReadProperties {
                for property in keptProperties { keptValues.append(columns.value(of: property) ?? 0) }
            } else {
                keptValues.append(contentsOf: columns.values)
            }
            if time > latest { latest = time }
        }
        if !timestamps.isEmpty { lastTime = latest }
        // Records are in journey order: the last one read is the latest.
        if cursor.count > 0 { latestStored = max(latestStored ?? cursor.timestamp, cursor.timestamp) }
    }

    /// The value id of a field on the kept record at `index` (0: absent).
    func value(of source: FieldCatalog.Source, at index: Int) -> Int64 {
        switch source {
        case .eventType: return Int64(eventTypes[index])
        case .page: return Int64(pages[index])
        case .channel: return Int64(touchpoint(at: index).channel)
        case .device: return Int64(touchpoint(at: index).device)
        case .campaign: return Int64(touchpoint(at: index).campaign)
        case .property(let property, _):
            guard let position = keptProperties.firstIndex(of: property) else { return 0 }
            return keptValues[index * keptProperties.count + position]
        }
    }

    /// The touchpoint of the kept record at `index`: its session's.
    private func touchpoint(at index: Int) -> TimelineCursor.Touchpoint { cursor.touchpoints[Int(sessions[index])] }

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
            eventTypes = order.map { eventTypes[$0] }
            pages = order.map { pages[$0] }
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
