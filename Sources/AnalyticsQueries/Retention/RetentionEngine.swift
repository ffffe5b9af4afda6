import AnalyticsCore
import AnalyticsSessions
import AnalyticsStorage

/// Computes retention cohorts from the per-user timelines in one sequential read.
package enum RetentionEngine {
    /// - Throws: `UnknownField` for a breakdown or `--where` field the database does not know; `SQLiteError`.
    package static func run(_ database: Database, _ query: RetentionQuery) throws -> RetentionReport {
        let names = try LabelNames(database: database)
        let catalog = try FieldCatalog(database: database)
        let filter = try EventFilter(query.filters, catalog: catalog, names: names)
        let field: RetentionPass.Field? = try query.breakdown.map {
            $0 == "landing-page" ? .landingPage : .value(try catalog.resolve($0))
        }
        let journey = JourneyDefinition(name: "retention", windowMilliseconds: 1, stages: [
            StageDefinition(name: "start", events: query.start.map { [$0] } ?? []),
            StageDefinition(name: "return", events: query.returnEvent.map { [$0] } ?? []),
        ])
        let matcher = StageMatcher(journey: journey, names: names, roles: try EventRoles(database: database))
        let periods = max(1, query.periods)
        let pass = RetentionPass(query: query, matcher: matcher, filter: filter, field: field)
        let partial = try TimelineHalves.run(database, pass: pass.run) { merged, part in
            for (key, cohorts) in part.sums {
                for (index, sums) in cohorts { merged.sums[key, default: [:]][index, default: CohortSums(periods: periods)].add(sums) }
            }
            if let time = part.latestStored { merged.latestStored = max(merged.latestStored ?? time, time) }
        }
        let sums = partial.sums
        let calendar = CalendarPeriod(query.period, zone: query.zone)
        let asOf = query.asOf ?? partial.latestStored
        func group(_ value: String, _ cohorts: [Int64: CohortSums]) -> RetentionReport.Group {
            var meanReturned = [Int](repeating: 0, count: periods), meanBase = [Int](repeating: 0, count: periods)
            let rows = cohorts.keys.sorted().map { index -> RetentionReport.Cohort in
                let sums = cohorts[index]!
                let cells = (0..<periods).map { offset -> RetentionReport.Cell in
                    let period = index + Int64(offset)
                    // Without any stored time (no cohorts either) nothing is open.
                    let limit = asOf ?? .max
                    guard calendar.start(of: period) <= limit else {
                        return RetentionReport.Cell(returned: nil, rate: nil, open: false)
                    }
                    let open = calendar.end(of: period) > limit
                    if !open {
                        meanReturned[offset] += sums.returned[offset]
                        meanBase[offset] += sums.size
                    }
                    return RetentionReport.Cell(returned: sums.returned[offset],
                                                rate: Double(sums.returned[offset]) / Double(sums.size), open: open)
                }
                return RetentionReport.Cohort(label: calendar.label(of: index), start: calendar.start(of: index),
                                              size: sums.size, cells: cells)
            }
            return RetentionReport.Group(value: value, cohorts: rows,
                                         meanRates: (0..<periods).map {
                                             meanBase[$0] == 0 ? nil : Double(meanReturned[$0]) / Double(meanBase[$0])
                                         },
                                         meanBase: meanBase)
        }

        var everyone: [Int64: CohortSums] = [:]
        for cohorts in sums.values {
            for (index, part) in cohorts { everyone[index, default: CohortSums(periods: periods)].add(part) }
        }
        var groups: [RetentionReport.Group] = []
        if field != nil {
            var byName: [String: [Int64: CohortSums]] = [:]
            for (key, cohorts) in sums {
                let name = names.name(key > 0 ? key : nil)
                for (index, part) in cohorts { byName[name, default: [:]][index, default: CohortSums(periods: periods)].add(part) }
            }
            groups = byName.map { (size: $0.value.values.reduce(0) { $0 + $1.size }, group: group($0.key, $0.value)) }
                .sorted { a, b in a.size != b.size ? a.size > b.size : ByteOrder.precedes(a.group.value, b.group.value) }
                .map(\.group)
        }
        return RetentionReport(start: query.start, returnEvent: query.returnEvent, period: query.period, periods: periods,
                               zone: calendar.zoneName, range: query.range, asOf: asOf, filters: query.filters,
                               breakdown: query.breakdown, total: group("(all)", everyone), groups: groups)
    }
}

/// Sums of one cohort: its size and, per period, the users who returned.
struct CohortSums: Sendable {
    var size = 0
    var returned: [Int]

    init(periods: Int) { returned = Array(repeating: 0, count: periods) }

    mutating func add(_ other: CohortSums) {
        size += other.size
        for index in returned.indices { returned[index] += other.returned[index] }
    }
}

/// The cohorts of a range of users: per breakdown value id, per cohort period number, the sums.
struct RetentionPartial: Sendable {
    var sums: [Int64: [Int64: CohortSums]] = [:]
    var latestStored: Int64?
}

/// One retention computation over a range of users.
struct RetentionPass: Sendable {
    /// What a breakdown reads on the entry event.
    enum Field: Sendable {
        case value(FieldCatalog.Source)
        /// The page of the first event of the entry's session.
        case landingPage
    }

    let query: RetentionQuery
    /// Stage 1 (bit 0): the start event; stage 2 (bit 1): the return event.
    let matcher: StageMatcher
    let filter: EventFilter
    let field: Field?

    func run(_ database: Database, users: ClosedRange<Int64>) throws -> RetentionPartial {
        var kept: [Int64] = []
        if case .value(.property(let id, _))? = field { kept = [id] }
        var scan = TimelineScan(matcher: matcher, range: .all, filter: filter, readsProperties: filter.readsProperties,
                                keptProperties: kept)
        let anyStart = query.start == nil, anyReturn = query.returnEvent == nil
        let periods = max(1, query.periods)
        var indexer = CalendarPeriod.Indexer(CalendarPeriod(query.period, zone: query.zone))
        var partial = RetentionPartial()
        var returned = [Bool](repeating: false, count: periods)

        let timelines = try scan.timelines(database, users: users)
        while try scan.loadNext(timelines) {
            let times = scan.timestamps, masks = scan.masks
            guard let entry = times.indices.first(where: {
                (anyStart || masks[$0] & 1 != 0) && query.range.contains(times[$0])
            }) else { continue }
            let cohort = indexer.index(of: times[entry])
            for index in returned.indices { returned[index] = false }
            for index in (entry + 1)..<times.count where times[index] > times[entry] && (anyReturn || masks[index] & 2 != 0) {
                let offset = indexer.index(of: times[index]) - cohort
                if offset >= Int64(periods) { break }
                returned[Int(offset)] = true
            }
            let key: Int64
            switch field {
            case nil: key = 0
            case .value(let source)?: key = scan.value(of: source, at: entry)
            case .landingPage?:
                let session = scan.sessions[entry]
                key = scan.value(of: .page, at: scan.sessions.firstIndex(of: session) ?? entry)
            }
            var sums = partial.sums[key, default: [:]][cohort] ?? CohortSums(periods: periods)
            sums.size += 1
            for index in returned.indices where returned[index] { sums.returned[index] += 1 }
            partial.sums[key, default: [:]][cohort] = sums
        }
        partial.latestStored = scan.latestStored
        return partial
    }
}
