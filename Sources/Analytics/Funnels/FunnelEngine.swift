import Foundation

/// Computes funnels from the per-user timelines: one sequential read of
/// `timelines`, stage matching on integer codes, one ordered pass per actor.
public enum FunnelEngine {
    /// Runs a funnel query.
    /// - Throws: `SQLiteError` on database failures.
    public static func run(_ database: Database, _ query: FunnelQuery) throws -> FunnelReport {
        let names = try LabelNames(database: database)
        let matcher = StageMatcher(journey: query.journey, names: names)
        let stageCount = query.journey.stages.count
        let window = query.window
        var asOf = query.asOf
        if query.matureOnly && asOf == nil { asOf = try lastEventTime(database, range: query.range) }

        var scan = TimelineScan(matcher: matcher, range: query.range)
        var evaluator = ActorFunnelEvaluator(stageCount: stageCount, window: window)
        var total = FunnelAccumulator(stageCount: stageCount)
        var groups: [Int64: FunnelAccumulator] = [:]
        // Actors that stopped early, to judge against the final as-of instant.
        var stopped: [(group: Int64, depth: Int, lastStart: Int64)] = []

        func record(_ actor: ActorFunnel, group: Int64) {
            guard actor.depth > 0 else { return }
            let open = actor.depth < stageCount && (actor.lastStart ?? .min) > (asOf ?? .max) - window
            if query.matureOnly && open { return }
            total.add(actor)
            if query.breakdown != nil { groups[group, default: FunnelAccumulator(stageCount: stageCount)].add(actor) }
            if !query.matureOnly && actor.depth < stageCount, let start = actor.lastStart {
                stopped.append((group, actor.depth, start))
            }
        }

        let statement = try database.prepare("SELECT records FROM timelines ORDER BY user_id")
        while let row = try statement.step() {
            row.withBlob(0) { scan.load($0) }
            guard scan.count > 0 else { continue }
            switch query.actor {
            case .user:
                let funnel = scan.evaluate(with: &evaluator, range: 0..<scan.count)
                record(funnel, group: scan.group(query.breakdown, at: 0))
            case .session:
                for range in scan.sessionRanges() {
                    let funnel = scan.evaluate(with: &evaluator, range: range)
                    record(funnel, group: scan.group(query.breakdown, at: range.lowerBound))
                }
            }
        }

        let judgedAt = asOf ?? scan.lastTime
        if let judgedAt, !query.matureOnly {
            for actor in stopped where actor.lastStart + window > judgedAt {
                total.addInWindow(depth: actor.depth)
                if query.breakdown != nil { groups[actor.group]?.addInWindow(depth: actor.depth) }
            }
        }

        let stageNames = query.journey.stages.map(\.name)
        var named: [(value: String, accumulator: FunnelAccumulator)] = []
        if query.breakdown != nil {
            var byName: [String: FunnelAccumulator] = [:]
            let cohorts = query.breakdown?.isCohort ?? false
            for (id, accumulator) in groups {
                let name = cohorts ? Timestamp.date(id * 86_400_000) : names.name(id > 0 ? id : nil)
                byName[name, default: FunnelAccumulator(stageCount: stageCount)].merge(accumulator)
            }
            // Touchpoints: largest first; cohorts: in time order.
            named = byName.map { ($0.key, $0.value) }.sorted {
                cohorts ? $0.value < $1.value
                    : ($0.accumulator.entering, $1.value) > ($1.accumulator.entering, $0.value)
            }
            if let top = query.top, named.count > top {
                var other = FunnelAccumulator(stageCount: stageCount)
                for group in named[top...] { other.merge(group.accumulator) }
                named = Array(named[..<top]) + [("(other)", other)]
            }
        }
        return FunnelReport(
            journey: query.journey.name, actor: query.actor, windowMilliseconds: window, range: query.range,
            asOf: judgedAt, matureOnly: query.matureOnly, stages: total.results(names: stageNames),
            breakdown: query.breakdown,
            groups: named.map { FunnelReport.Group(value: $0.value, stages: $0.accumulator.results(names: stageNames)) })
    }

    /// The last event or order time in a range (for judging windows).
    static func lastEventTime(_ database: Database, range: TimeRange) throws -> Int64? {
        try database.scalarInt("""
            SELECT max(m) FROM (SELECT max(ts) AS m FROM events WHERE ts >= ?1 AND ts < ?2
                                UNION ALL SELECT max(ts) FROM orders WHERE ts >= ?1 AND ts < ?2)
            """, .integer(range.lower), .integer(range.upper))
    }
}

/// One user's timeline decoded into columns, restricted to a time range.
struct TimelineScan {
    let matcher: StageMatcher
    let range: TimeRange
    private(set) var timestamps: [Int64] = []
    private(set) var masks: [UInt32] = []
    private(set) var sessions: [Int32] = []
    private var channels: [Int32] = []
    private var devices: [Int32] = []
    private var campaigns: [Int32] = []
    private var pages: [Int32] = []
    /// The last event time seen in range over all timelines.
    private(set) var lastTime: Int64?

    init(matcher: StageMatcher, range: TimeRange) {
        self.matcher = matcher
        self.range = range
    }

    var count: Int { timestamps.count }

    mutating func load(_ blob: UnsafeRawBufferPointer) {
        timestamps.removeAll(keepingCapacity: true)
        masks.removeAll(keepingCapacity: true)
        sessions.removeAll(keepingCapacity: true)
        channels.removeAll(keepingCapacity: true)
        devices.removeAll(keepingCapacity: true)
        campaigns.removeAll(keepingCapacity: true)
        pages.removeAll(keepingCapacity: true)
        let size = TimelineRecord.size
        let lower = range.lower, upper = range.upper
        for offset in stride(from: 0, to: blob.count - size + 1, by: size) {
            let time = Int64(littleEndian: blob.loadUnaligned(fromByteOffset: offset, as: Int64.self))
            guard time >= lower && time < upper else { continue }
            let channel = Int32(littleEndian: blob.loadUnaligned(fromByteOffset: offset + 20, as: Int32.self))
            let device = Int32(littleEndian: blob.loadUnaligned(fromByteOffset: offset + 24, as: Int32.self))
            let campaign = Int32(littleEndian: blob.loadUnaligned(fromByteOffset: offset + 28, as: Int32.self))
            let page = Int32(littleEndian: blob.loadUnaligned(fromByteOffset: offset + 12, as: Int32.self))
            timestamps.append(time)
            masks.append(matcher.mask(
                eventType: Int32(littleEndian: blob.loadUnaligned(fromByteOffset: offset + 8, as: Int32.self)),
                page: page, channel: channel, device: device, campaign: campaign))
            pages.append(page)
            sessions.append(Int32(littleEndian: blob.loadUnaligned(fromByteOffset: offset + 16, as: Int32.self)))
            channels.append(channel)
            devices.append(device)
            campaigns.append(campaign)
            if time > (lastTime ?? .min) { lastTime = time }
        }
    }

    /// The breakdown group of the record at `index`: a label id (0 for none),
    /// or for cohorts the day number the cohort starts on.
    func group(_ breakdown: FunnelBreakdown?, at index: Int) -> Int64 {
        switch breakdown {
        case .channel: return Int64(channels[index])
        case .device: return Int64(devices[index])
        case .campaign: return Int64(campaigns[index])
        case .landingPage: return Int64(pages[index])
        case .day, .week, .month: return breakdown?.cohortStart(of: timestamps[index]) ?? 0
        case nil: return 0
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
            channels = order.map { channels[$0] }
            pages = order.map { pages[$0] }
            devices = order.map { devices[$0] }
            campaigns = order.map { campaigns[$0] }
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
