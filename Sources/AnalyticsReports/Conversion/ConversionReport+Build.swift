import AnalyticsCore
import AnalyticsIngest
import AnalyticsQueries
import AnalyticsSessions
import AnalyticsStorage

extension ConversionReport {
    /// Computes a report from the store.
    /// - Throws: `SQLiteError` on database failures.
    package static func build(_ database: Database, options: Options) throws -> ConversionReport {
        let period = try resolvedPeriod(database, options.range)
        var comparisonPeriod: TimeRange?
        switch options.comparison {
        case .previousPeriod:
            if let from = period.from, let to = period.to { comparisonPeriod = TimeRange(from: from - (to - from), to: from) }
        case .period(let range): comparisonPeriod = range
        default: break
        }

        // The funnel and every breakdown the report needs, in one pass over the timelines.
        var wanted: [FunnelBreakdown] = [.channel, .device, .campaign, .landingPage, options.interval]
        if case let .segments(dimension, _, _) = options.comparison { wanted.append(FunnelBreakdown(dimension)) }
        wanted.append(FunnelBreakdown(options.matrixDimension))
        var unique: [FunnelBreakdown] = []
        for breakdown in wanted where !unique.contains(breakdown) { unique.append(breakdown) }
        var query = FunnelQuery(journey: options.journey)
        query.range = period
        query.filters = options.filters
        query.timeToConvertBins = options.timeToConvertBins
        let reports = try FunnelEngine.run(database, query, breakdowns: unique)
        var breakdowns: [FunnelBreakdown: FunnelReport] = [:]
        for (breakdown, report) in zip(unique, reports) { breakdowns[breakdown] = report }
        var funnel = reports[0]
        funnel.breakdown = nil
        funnel.groups = []
        let touchpoints = try TouchpointReport.compute(database, by: [.channel, .device], range: period,
                                                       filters: options.filters)
        let kpis = touchpoints[0], devices = touchpoints[1]
        var previousFunnel: FunnelReport?
        var previousKPIs: TouchpointReport?
        if let comparisonPeriod {
            previousFunnel = try self.funnel(database, options.journey, comparisonPeriod, options.filters)
            previousKPIs = try TouchpointReport.compute(database, by: .channel, range: comparisonPeriod,
                                                        filters: options.filters)
        }

        let headline = headlines(funnel: funnel, kpis: kpis.total, previousFunnel: previousFunnel,
                                 previousKPIs: previousKPIs?.total)

        // Pain points: the stages losing the most users, tested per touchpoint group.
        // Optional stages lose nobody (users may skip them): only required stages are ranked.
        let ranked = funnel.stages.indices.dropFirst().filter { !funnel.stages[$0].optional }.sorted {
            (funnel.stages[$0].dropped, -$0) > (funnel.stages[$1].dropped, -$1)
        }
        let examined = ranked.prefix(options.painPointStages).filter { funnel.stages[$0].dropped > 0 }
        var leaks = ranked.map { index in
            LeakingStage(stageIndex: index, stage: funnel.stages[index].stage, lost: funnel.stages[index].dropped,
                         rate: funnel.stages[index].conversionFromPrevious, tested: [])
        }
        for (position, index) in ranked.enumerated() where examined.contains(index) {
            leaks[position].tested = testGroups(stage: index, funnel: funnel, breakdowns: breakdowns,
                                                revenue: kpis.total.revenue, minimum: options.minimumGroupSize)
        }
        // Holm's correction over every test in the report.
        let pValues = leaks.flatMap { $0.tested.map(\.p) }
        var adjusted = Statistics.holm(pValues)[...]
        for position in leaks.indices {
            for test in leaks[position].tested.indices {
                let p = adjusted.removeFirst()
                leaks[position].tested[test].adjustedP = p
                leaks[position].tested[test].significant = p < options.alpha
                    && leaks[position].tested[test].rate < leaks[position].tested[test].restRate
            }
            leaks[position].tested.sort { ($0.significant ? 0 : 1, -$0.usersLost) < ($1.significant ? 0 : 1, -$1.usersLost) }
        }

        var comparison: ComparisonResult?
        switch options.comparison {
        case .previousPeriod, .period:
            if let previousFunnel, let comparisonPeriod {
                comparison = compare(a: previousFunnel.stages, b: funnel.stages, labelA: label(comparisonPeriod),
                                     labelB: label(period), alpha: options.alpha)
            }
        case let .segments(dimension, a, b):
            let split = breakdowns[FunnelBreakdown(dimension)] ?? funnel
            let empty = funnel.stages.map { StageResult.empty($0.stage) }
            comparison = compare(a: split.groups.first { $0.value == a }?.stages ?? empty,
                                 b: split.groups.first { $0.value == b }?.stages ?? empty,
                                 labelA: "\(dimension.rawValue)=\(a)", labelB: "\(dimension.rawValue)=\(b)",
                                 alpha: options.alpha)
        case nil:
            break
        }

        let stages = options.journey.stages
        // Paths after the entry stage and, when the worst stage is later, after the stage before it: one read.
        var anchored = Array(stages.prefix(1))
        if let worst = funnel.worstStageIndex, worst > 1, worst - 1 < stages.count { anchored.append(stages[worst - 1]) }
        let span = try SessionStore(database: database).timeSpan()
        let pathReports = try paths(database, after: anchored, period, options.filters)
        let entryPaths = pathReports.first ?? nil
        let dropOffPaths = pathReports.count > 1 ? pathReports[1] : nil

        return ConversionReport(
            options: options, period: period, comparisonPeriod: comparisonPeriod, headline: headline, funnel: funnel,
            leaks: leaks, testsRun: pValues.count, kpisByChannel: kpis, kpisByDevice: devices,
            matrix: breakdowns[FunnelBreakdown(options.matrixDimension)] ?? funnel,
            trend: breakdowns[options.interval] ?? funnel,
            comparison: comparison,
            entryPaths: entryPaths, dropOffPaths: dropOffPaths,
            retention: try retention(database, period, interval: options.interval, options.filters),
            attribution: try attribution(database, period),
            currencies: try CurrencyTotal.totals(database, period),
            dataFirst: span.first, dataLast: span.last,
            sessionTimeoutMilliseconds: try SessionStore(database: database).timeoutMilliseconds(),
            engineVersion: EngineVersion.current,
            imports: try ImportLedger.entries(database).filter { $0.status == "completed" })
    }

    private static func funnel(_ database: Database, _ journey: JourneyDefinition, _ range: TimeRange,
                               _ filters: [FieldFilter]) throws -> FunnelReport {
        var query = FunnelQuery(journey: journey)
        query.range = range
        query.filters = filters
        return try FunnelEngine.run(database, query)
    }

    /// Each user's path from their first event matching each stage in the period (events meeting the
    /// filters, repeats collapsed), in one read; nil for a stage no user has an event of.
    private static func paths(_ database: Database, after stages: [StageDefinition], _ range: TimeRange,
                              _ filters: [FieldFilter]) throws -> [PathReport?] {
        guard !stages.isEmpty else { return [] }
        var query = PathQuery()
        query.steps = pathSteps
        query.collapse = true
        query.range = range
        query.filters = filters
        return try PathEngine.run(database, query, anchors: stages.map { .startStage($0) }).map {
            $0.actorsWithAnchor > 0 ? $0 : nil
        }
    }

    /// Cohorts by the trend's interval (a week when the interval is not a calendar period): entry on
    /// any event in the period, return on any later event or order; nil when nobody entered.
    private static func retention(_ database: Database, _ range: TimeRange, interval: FunnelBreakdown,
                                  _ filters: [FieldFilter]) throws -> RetentionReport? {
        var query = RetentionQuery()
        switch interval {
        case .day: query.period = .day
        case .month: query.period = .month
        default: query.period = .week
        }
        query.periods = retentionPeriods
        query.range = range
        query.filters = filters
        let report = try RetentionEngine.run(database, query)
        return report.total.cohorts.isEmpty ? nil : report
    }

    /// Every model side by side, by channel, for the orders in the period; nil without orders.
    /// The engine takes no `--where` conditions: every order of the period counts.
    private static func attribution(_ database: Database, _ range: TimeRange) throws -> AttributionReport? {
        var query = AttributionQuery()
        query.lookbackMilliseconds = attributionLookbackMilliseconds
        query.dimension = .channel
        query.range = range
        let report = try AttributionEngine.run(database, query, models: AttributionModel.allCases)
        return report.orders > 0 ? report : nil
    }

    /// Fills open ends of the period with the first and last day that has sessions.
    static func resolvedPeriod(_ database: Database, _ range: TimeRange) throws -> TimeRange {
        guard range.from == nil || range.to == nil else { return range }
        let bounds = try SessionStore(database: database).timeSpan()
        let first = bounds.first.map { Timestamp.dayNumber($0) * 86_400_000 }
        let last = bounds.last.map { (Timestamp.dayNumber($0) + 1) * 86_400_000 }
        return TimeRange(from: range.from ?? first, to: range.to ?? last)
    }

    static func label(_ range: TimeRange) -> String {
        let from = range.from.map(Timestamp.date) ?? "start"
        let to = range.to.map { Timestamp.date($0 - 1) } ?? "end"
        return "\(from) to \(to)"
    }

    private static func headlines(funnel: FunnelReport, kpis: TouchpointKPI, previousFunnel: FunnelReport?,
                                  previousKPIs: TouchpointKPI?) -> [Headline] {
        func completion(_ funnel: FunnelReport?) -> Double? {
            guard let funnel, let last = funnel.stages.last else { return nil }
            return last.conversionFromFirst
        }
        let previous = previousKPIs
        return [
            Headline(name: "Users", kind: .count, value: Double(kpis.users), previous: previous.map { Double($0.users) }),
            Headline(name: "Sessions", kind: .count, value: Double(kpis.sessions), previous: previous.map { Double($0.sessions) }),
            Headline(name: "Orders", kind: .count, value: Double(kpis.orders), previous: previous.map { Double($0.orders) }),
            Headline(name: "Revenue", kind: .money, value: kpis.revenue, previous: previous?.revenue),
            Headline(name: "Session conversion rate", kind: .rate, value: kpis.conversionRate,
                     previous: previous?.conversionRate),
            Headline(name: "Journey completion (\(funnel.stages.last?.stage ?? "last stage") / \(funnel.stages.first?.stage ?? "first"))",
                     kind: .rate, value: completion(funnel), previous: completion(previousFunnel)),
        ]
    }

    /// Tests each group against the rest at `stage` (conversion from the previous stage).
    private static func testGroups(stage: Int, funnel: FunnelReport, breakdowns: [FunnelBreakdown: FunnelReport],
                                   revenue: Double, minimum: Int) -> [PainPoint] {
        let previous = FunnelReport.previousRequired(funnel.stages, before: stage)
        let totalTrials = funnel.stages[previous].reached
        let totalSuccesses = funnel.stages[stage].reached
        guard totalTrials > 0 else { return [] }
        let overall = Double(totalSuccesses) / Double(totalTrials)
        let valuePerUser = funnel.stages[stage].reached > 0 ? revenue / Double(funnel.stages[stage].reached) : 0
        var tests: [PainPoint] = []
        for dimension in TouchpointDimension.allCases {
            for group in breakdowns[FunnelBreakdown(dimension)]?.groups ?? [] {
                let trials = group.stages[previous].reached, successes = group.stages[stage].reached
                let restTrials = totalTrials - trials, restSuccesses = totalSuccesses - successes
                guard trials >= minimum, restTrials >= minimum,
                      let test = Statistics.twoProportionZTest(successes1: successes, trials1: trials,
                                                               successes2: restSuccesses, trials2: restTrials) else { continue }
                let rate = Double(successes) / Double(trials)
                let lost = max(0, (overall - rate) * Double(trials))
                tests.append(PainPoint(dimension: dimension, value: group.value, trials: trials, successes: successes,
                                       rate: rate, restRate: Double(restSuccesses) / Double(restTrials), z: test.z,
                                       p: test.p, adjustedP: test.p, usersLost: lost, revenueLost: lost * valuePerUser,
                                       significant: false))
            }
        }
        return tests
    }

    /// Compares conversion from the previous stage, B against A.
    static func compare(a: [StageResult], b: [StageResult], labelA: String, labelB: String,
                        alpha: Double) -> ComparisonResult {
        let stages = a.indices.dropFirst().map { index -> ComparedStage in
            let trialsA = a[index - 1].reached, successesA = a[index].reached
            let trialsB = b[index - 1].reached, successesB = b[index].reached
            let rateA = Statistics.ratio(Double(successesA), Double(trialsA))
            let rateB = Statistics.ratio(Double(successesB), Double(trialsB))
            let interval = Statistics.differenceInterval(successes1: successesB, trials1: trialsB,
                                                         successes2: successesA, trials2: trialsA)
            let test = Statistics.twoProportionZTest(successes1: successesB, trials1: trialsB,
                                                     successes2: successesA, trials2: trialsA)
            var verdict = ComparedStage.Verdict.noSignificantDifference
            if let test, test.p < alpha { verdict = test.z > 0 ? .better : .worse }
            return ComparedStage(stage: a[index].stage, trialsA: trialsA, successesA: successesA, trialsB: trialsB,
                                 successesB: successesB, rateA: rateA, rateB: rateB,
                                 difference: rateA.flatMap { ra in rateB.map { $0 - ra } },
                                 ciLow: interval?.low, ciHigh: interval?.high, p: test?.p, verdict: verdict)
        }
        return ComparisonResult(labelA: labelA, labelB: labelB, stages: stages)
    }
}

extension StageResult {
    static func empty(_ stage: String) -> StageResult {
        StageResult(stage: stage, reached: 0, conversionFromPrevious: nil, conversionFromFirst: nil, dropped: 0,
                    dropOffRate: nil, ciLow: nil, ciHigh: nil, inWindow: 0, medianSecondsFromPrevious: nil,
                    medianSecondsFromFirst: nil)
    }
}
