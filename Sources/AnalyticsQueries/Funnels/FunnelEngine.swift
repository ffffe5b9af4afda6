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
        if let problem = query.journey.problem {
            throw JourneyDefinition.Invalid(source: query.journey.name, line: nil, problem: problem)
        }
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
        let template = pass.template
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
        let journey = query.journey
        let stageNames = journey.order == .any
            ? (1...stageCount).map { $0 == 1 ? "1 step" : "\($0) steps" } : journey.stages.map(\.name)
        let bins = query.timeToConvertBins
        let stages = total.results(names: stageNames, bins: bins)
        func report(_ breakdown: FunnelBreakdown?, _ named: [(value: String, accumulator: FunnelAccumulator)]) -> FunnelReport {
            var report = FunnelReport(
                journey: journey.name, actor: query.actor, windowMilliseconds: window, range: query.range,
                asOf: judgedAt, matureOnly: query.matureOnly, stages: stages, breakdown: breakdown,
                groups: named.map { FunnelReport.Group(value: $0.value, stages: $0.accumulator.results(names: stageNames, bins: bins)) })
            report.order = journey.order
            report.count = journey.count
            report.exclusions = journey.exclusions.map {
                FunnelReport.Exclusion(events: $0.events, from: journey.stages[$0.fromStage].name, to: journey.stages[$0.toStage].name)
            }
            report.excludeMode = journey.excludeMode
            if !journey.exclusions.isEmpty && journey.excludeMode == .dropActor { report.excludedActors = total.excludedActors }
            return report
        }
        guard !breakdowns.isEmpty else { return [report(nil, [])] }
        return breakdowns.enumerated().map { index, breakdown in
            var byName: [String: FunnelAccumulator] = [:]
            for (id, accumulator) in groups[index] {
                let name = breakdown.isCohort ? Timestamp.date(id * 86_400_000) : names.name(id > 0 ? id : nil)
                byName[name, default: template.empty].merge(accumulator)
            }
            // Touchpoints: largest first; cohorts: in time order.
            var named = byName.map { (value: $0.key, accumulator: $0.value) }.sorted {
                breakdown.isCohort ? $0.value < $1.value
                    : ($0.accumulator.entering, $1.value) > ($1.accumulator.entering, $0.value)
            }
            if let top = query.top, named.count > top, !breakdown.isCohort {
                var other = template.empty
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

    /// The chain rules of the query's journey.
    var rules: ChainRules {
        let journey = query.journey
        return ChainRules(
            stageCount: journey.stages.count, window: query.window, strict: journey.order == .strict,
            optional: journey.stages.indices.reduce(0) { $0 | (journey.stages[$1].optional ? UInt32(1) << UInt32($1) : 0) },
            exclusions: journey.exclusions.map { ChainRules.Exclusion(from: $0.fromStage, to: $0.toStage) })
    }

    /// An empty accumulator of the journey's shape.
    var template: FunnelAccumulator {
        FunnelAccumulator(stageCount: query.journey.stages.count, optional: rules.optional)
    }

    func run(_ database: Database, users: ClosedRange<Int64>) throws -> FunnelPartial {
        let rules = rules
        let requiredCount = rules.requiredStages.count
        let window = query.window
        let dropsActors = !rules.exclusions.isEmpty && query.journey.excludeMode == .dropActor
        var scan = TimelineScan(matcher: matcher, range: query.range, filter: filter, stageFilters: stageFilters,
                                readsProperties: filter.readsProperties || stageFilters.contains { $0.filter.readsProperties },
                                keptProperties: fields.compactMap { field -> Int64? in
                                    if case .property(let id, _)? = field { return id } else { return nil }
                                })
        var evaluator = FunnelEvaluator(journey: query.journey, rules: rules)
        let template = template
        var partial = FunnelPartial(total: template, groups: Array(repeating: [:], count: breakdowns.count), stopped: [],
                                    stoppedGroups: [], lastTime: nil)

        /// Counts one actor (or entry) whose records start at `index`.
        func record(_ actor: FunnelEvaluator.Outcome, at index: Int) {
            func key(_ position: Int) -> Int64 {
                if let field = fields[position] { return scan.value(of: field, at: index + (actor.startIndex ?? 0)) }
                return scan.group(breakdowns[position], at: index)
            }
            if dropsActors && actor.excluded {
                partial.total.addExcluded()
                for position in breakdowns.indices { partial.groups[position][key(position), default: template].addExcluded() }
                return
            }
            guard actor.depth > 0 else { return }
            let open = actor.depth < requiredCount && (actor.lastStart ?? .min) > (asOf ?? .max) - window
            if query.matureOnly && open { return }
            partial.total.add(depth: actor.depth, optionalReached: actor.optionalReached, stageTimes: actor.stageTimes)
            let stopped = !query.matureOnly && actor.depth < requiredCount
            for position in breakdowns.indices {
                let group = key(position)
                partial.groups[position][group, default: template]
                    .add(depth: actor.depth, optionalReached: actor.optionalReached, stageTimes: actor.stageTimes)
                if stopped { partial.stoppedGroups.append(group) }
            }
            if stopped { partial.stopped.append((actor.depth, actor.lastStart ?? .min)) }
        }

        let timelines = try scan.timelines(database, users: users)
        while try scan.loadNext(timelines) {
            guard scan.count > 0 else { continue }
            // Outcomes are read after the evaluation: a closure or nested function that used `scan`
            // while evaluating would copy it per actor.
            switch query.actor {
            case .user:
                scan.evaluate(with: &evaluator, range: 0..<scan.count)
                for outcome in evaluator.outcomes { record(outcome, at: 0) }
            case .session:
                for range in scan.sessionRanges() {
                    scan.evaluate(with: &evaluator, range: range)
                    for outcome in evaluator.outcomes { record(outcome, at: range.lowerBound) }
                }
            }
        }
        partial.lastTime = scan.lastTime
        return partial
    }
}
