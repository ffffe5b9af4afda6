import Foundation
import AnalyticsCore
import AnalyticsSessions
import AnalyticsStorage

/// Computes funnels from the per-user timelines: one sequential read of
/// `timelines`, stage matching on integer codes, one ordered pass per actor.
/// Large databases are read by two workers, each over half of the users with
/// its own connection; their sums are merged, so results are the same.
package enum FunnelEngine {
    /// Runs a funnel query.
    /// - Throws: `SQLiteError` on database failures.
    package static func run(_ database: Database, _ query: FunnelQuery) throws -> FunnelReport {
        try run(database, query, breakdowns: query.breakdown.map { [$0] } ?? [])[0]
    }

    /// Runs one funnel and several breakdowns of it in the same pass.
    /// - Returns: one report per breakdown, in order (the total alone when `breakdowns` is empty).
    package static func run(_ database: Database, _ query: FunnelQuery,
                           breakdowns: [FunnelBreakdown]) throws -> [FunnelReport] {
        let names = try LabelNames(database: database)
        let roles = try EventRoles(database: database)
        let matcher = StageMatcher(journey: query.journey, names: names, roles: roles)
        let catalog = try FieldCatalog(database: database)
        let filter = try EventFilter(query.filters, catalog: catalog, names: names)
        // A stage's own `where:` conditions narrow what matches that stage only.
        let stageFilters = try query.journey.stages.enumerated().filter { !$0.element.filters.isEmpty }.map {
            (bit: UInt32(1) << UInt32($0.offset), filter: try EventFilter($0.element.filters, catalog: catalog, names: names))
        }
        // A property breakdown reads the field's value on the counted stage-1 event.
        let fields = try breakdowns.map { breakdown -> FieldCatalog.Source? in
            guard case .property(let name) = breakdown else { return nil }
            return try catalog.resolve(name)
        }
        var asOf = query.asOf
        if query.matureOnly && asOf == nil {
            asOf = try lastEventTime(
                database, FunnelPass(query: query, matcher: matcher, breakdowns: [], fields: [], filter: filter, stageFilters: [],
                                     asOf: nil))
        }
        let pass = FunnelPass(query: query, matcher: matcher, breakdowns: breakdowns, fields: fields, filter: filter,
                              stageFilters: stageFilters, asOf: asOf)
        let partial = try Self.scan(database, pass)

        let stageCount = query.journey.stages.count
        let window = query.window
        var total = partial.total
        var groups = partial.groups
        let judgedAt = asOf ?? partial.lastTime
        if let judgedAt, !query.matureOnly {
            for (position, actor) in partial.stopped.enumerated() where actor.lastStart + window > judgedAt {
                total.addInWindow(depth: actor.depth)
                for index in breakdowns.indices {
                    groups[index][partial.stoppedGroups[position * breakdowns.count + index]]?.addInWindow(depth: actor.depth)
                }
            }
        }
        let stageNames = query.journey.stages.map(\.name)
        let stages = total.results(names: stageNames)
        func report(_ breakdown: FunnelBreakdown?, _ named: [(value: String, accumulator: FunnelAccumulator)]) -> FunnelReport {
            FunnelReport(journey: query.journey.name, actor: query.actor, windowMilliseconds: window, range: query.range,
                         asOf: judgedAt, matureOnly: query.matureOnly, stages: stages, breakdown: breakdown,
                         groups: named.map { FunnelReport.Group(value: $0.value, stages: $0.accumulator.results(names: stageNames)) })
        }
        guard !breakdowns.isEmpty else { return [report(nil, [])] }
        return breakdowns.enumerated().map { index, breakdown in
            var byName: [String: FunnelAccumulator] = [:]
            for (id, accumulator) in groups[index] {
                let name = breakdown.isCohort ? Timestamp.date(id * 86_400_000) : names.name(id > 0 ? id : nil)
                byName[name, default: FunnelAccumulator(stageCount: stageCount)].merge(accumulator)
            }
            // Touchpoints: largest first; cohorts: in time order.
            var named = byName.map { (value: $0.key, accumulator: $0.value) }.sorted {
                breakdown.isCohort ? $0.value < $1.value
                    : ($0.accumulator.entering, $1.value) > ($1.accumulator.entering, $0.value)
            }
            if let top = query.top, named.count > top, !breakdown.isCohort {
                var other = FunnelAccumulator(stageCount: stageCount)
                for group in named[top...] { other.merge(group.accumulator) }
                named = Array(named[..<top]) + [(value: "(other)", accumulator: other)]
            }
            return report(breakdown, named)
        }
    }

    /// Reads every timeline, in two workers when the database is a large file.
    private static func scan(_ database: Database, _ pass: FunnelPass) throws -> FunnelPartial {
        try TimelineHalves.run(database, parallelAbove: pass.query.parallelAbove, pass: pass.run) { $0.merge($1) }
    }

    /// The last time of an event meeting the filter, in range (for judging windows).
    private static func lastEventTime(_ database: Database, _ pass: FunnelPass) throws -> Int64? {
        try pass.run(database, users: Int64.min...Int64.max).lastTime
    }
}

/// What one scan over a range of users sums up.
struct FunnelPartial: Sendable {
    var total: FunnelAccumulator
    /// Per breakdown: group key -> sums.
    var groups: [[Int64: FunnelAccumulator]]
    /// Actors that stopped early, judged against the final as-of instant later.
    var stopped: [(depth: Int, lastStart: Int64)]
    /// Their group keys, one per breakdown, flat: actor i's start at i x breakdowns.
    var stoppedGroups: [Int64]
    var lastTime: Int64?

    mutating func merge(_ other: FunnelPartial) {
        total.merge(other.total)
        for index in groups.indices {
            for (key, accumulator) in other.groups[index] {
                if groups[index][key] == nil {
                    groups[index][key] = accumulator
                } else {
                    groups[index][key]?.merge(accumulator)
                }
            }
        }
        stopped += other.stopped
        stoppedGroups += other.stoppedGroups
        if let time = other.lastTime { lastTime = max(lastTime ?? time, time) }
    }
}

/// One funnel computation over a range of users.
struct FunnelPass: Sendable {
    let query: FunnelQuery
    let matcher: StageMatcher
    let breakdowns: [FunnelBreakdown]
    /// Per breakdown: the field read on the counted stage-1 event (property breakdowns), else nil.
    let fields: [FieldCatalog.Source?]
    let filter: EventFilter
    /// Stages with conditions of their own: the stage's bit and its conditions.
    let stageFilters: [(bit: UInt32, filter: EventFilter)]
    let asOf: Int64?

    func run(_ database: Database, users: ClosedRange<Int64>) throws -> FunnelPartial {
        let stageCount = query.journey.stages.count
        let window = query.window
        var scan = TimelineScan(matcher: matcher, range: query.range, filter: filter, stageFilters: stageFilters,
                                readsProperties: filter.readsProperties || stageFilters.contains { $0.filter.readsProperties },
                                keptProperties: fields.compactMap { field -> Int64? in
                                    if case .property(let id, _)? = field { return id } else { return nil }
                                })
        var evaluator = ActorFunnelEvaluator(stageCount: stageCount, window: window)
        var partial = FunnelPartial(total: FunnelAccumulator(stageCount: stageCount),
                                    groups: Array(repeating: [:], count: breakdowns.count), stopped: [],
                                    stoppedGroups: [], lastTime: nil)

        func record(_ actor: ActorFunnel, at index: Int) {
            guard actor.depth > 0 else { return }
            let open = actor.depth < stageCount && (actor.lastStart ?? .min) > (asOf ?? .max) - window
            if query.matureOnly && open { return }
            partial.total.add(actor)
            let stopped = !query.matureOnly && actor.depth < stageCount
            for (position, breakdown) in breakdowns.enumerated() {
                let key = fields[position].map { scan.value(of: $0, at: index + (actor.startIndex ?? 0)) }
                    ?? scan.group(breakdown, at: index)
                partial.groups[position][key, default: FunnelAccumulator(stageCount: stageCount)].add(actor)
                if stopped { partial.stoppedGroups.append(key) }
            }
            if stopped { partial.stopped.append((actor.depth, actor.lastStart ?? .min)) }
        }

        let statement = try database.prepare("""
            SELECT records, \(scan.readsProperties ? "props" : "NULL") FROM timelines WHERE user_id BETWEEN ? AND ?
            ORDER BY user_id
            """)
        try statement.bind([.integer(users.lowerBound), .integer(users.upperBound)])
        while let row = try statement.step() {
            row.withBlob(0) { records in row.withBlob(1) { props in scan.load(records, props: props) } }
            guard scan.count > 0 else { continue }
            switch query.actor {
            case .user:
                record(scan.evaluate(with: &evaluator, range: 0..<scan.count), at: 0)
            case .session:
                for range in scan.sessionRanges() {
                    record(scan.evaluate(with: &evaluator, range: range), at: range.lowerBound)
                }
            }
        }
        partial.lastTime = scan.lastTime
        return partial
    }
}

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
    private(set) var sessions: [Int32] = []
    private var offsets: [Int] = []
    /// The properties whose values breakdowns read, and per kept record those
    /// values (record i's at i x count ..< (i + 1) x count; 0: absent).
    private let keptProperties: [Int64]
    private var keptValues: [Int64] = []
    /// The property pairs of the record being decoded.
    private var recordPairs: [(property: Int64, value: Int64)] = []
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
    }

    var count: Int { timestamps.count }

    /// Decodes one timeline (and its property pairs, when read), keeping the
    /// records in range that meet the filter.
    mutating func load(_ blob: UnsafeRawBufferPointer, props: UnsafeRawBufferPointer = UnsafeRawBufferPointer(start: nil, count: 0)) {
        timestamps.removeAll(keepingCapacity: true)
        masks.removeAll(keepingCapacity: true)
        sessions.removeAll(keepingCapacity: true)
        offsets.removeAll(keepingCapacity: true)
        keptValues.removeAll(keepingCapacity: true)
        bytes.removeAll(keepingCapacity: true)
        bytes.append(contentsOf: blob)
        let size = TimelineRecord.size
        let lower = range.lower, upper = range.upper
        var latest = lastTime ?? .min
        var propsOffset = 0
        for offset in stride(from: 0, to: blob.count - size + 1, by: size) {
            if readsProperties { readPairs(props, &propsOffset) }
            let time = Int64(littleEndian: blob.loadUnaligned(fromByteOffset: offset + Field.timestamp, as: Int64.self))
            guard time >= lower && time < upper else { continue }
            let eventType = Self.int32(blob, offset + Field.eventType), page = Self.int32(blob, offset + Field.page)
            let channel = Self.int32(blob, offset + Field.channel), device = Self.int32(blob, offset + Field.device)
            let campaign = Self.int32(blob, offset + Field.campaign)
            // The record's values, for conditions: its own type, page and properties, its session's touchpoint.
            let properties = recordPairs
            func passes(_ conditions: EventFilter) -> Bool {
                conditions.passes(eventType: Int64(eventType), page: Int64(page), channel: Int64(channel),
                                  device: Int64(device), campaign: Int64(campaign)) { id in
                    properties.first { $0.property == id }?.value
                }
            }
            if !filter.isEmpty, !passes(filter) { continue }
            var mask = matcher.mask(eventType: eventType, page: page, channel: channel, device: device, campaign: campaign)
            for stage in stageFilters where mask & stage.bit != 0 && !passes(stage.filter) { mask &= ~stage.bit }
            timestamps.append(time)
            masks.append(mask)
            sessions.append(Self.int32(blob, offset + Field.session))
            offsets.append(offset)
            for property in keptProperties {
                keptValues.append(recordPairs.first { $0.property == property }?.value ?? 0)
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

    /// Reads the next record's pairs into `recordPairs` (none when the blob has ended).
    @inline(__always)
    private mutating func readPairs(_ props: UnsafeRawBufferPointer, _ offset: inout Int) {
        recordPairs.removeAll(keepingCapacity: true)
        guard offset < props.count, let count = PropertyCodec.readVarint(props, &offset) else { return }
        for _ in 0..<count {
            guard let property = PropertyCodec.readVarint(props, &offset),
                  let value = PropertyCodec.readVarint(props, &offset) else { return }
            recordPairs.append((Int64(property), Int64(value)))
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

    func evaluate(with evaluator: inout ActorFunnelEvaluator, range: Range<Int>) -> ActorFunnel {
        timestamps.withUnsafeBufferPointer { times in
            masks.withUnsafeBufferPointer { masks in
                evaluator.evaluate(timestamps: UnsafeBufferPointer(rebasing: times[range]),
                                   masks: UnsafeBufferPointer(rebasing: masks[range]))
            }
        }
    }
}
