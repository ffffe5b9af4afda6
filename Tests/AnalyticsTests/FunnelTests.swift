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

/// Exhaustive reference: every chain of distinct events with strictly
/// increasing times matching stages 1...k within the window.
func bruteForceFunnel(timestamps: [Int64], masks: [UInt32], stageCount: Int, window: Int64) -> ActorFunnel {
    var bestDepth = 0
    var chains: [[Int64]] = []
    var chainStarts: [Int] = []
    func extend(_ chain: [Int]) {
        let depth = chain.count
        if depth > bestDepth { bestDepth = depth; chains = []; chainStarts = [] }
        if depth == bestDepth && depth > 0 {
            chains.append(chain.map { timestamps[$0] })
            chainStarts.append(chain[0])
        }
        guard depth < stageCount else { return }
        for next in timestamps.indices where masks[next] & (1 << UInt32(depth)) != 0 && !chain.contains(next) {
            if let last = chain.last {
                guard timestamps[next] > timestamps[last], timestamps[next] - timestamps[chain[0]] <= window else { continue }
            }
            extend(chain + [next])
        }
    }
    extend([])
    var times: [Int64] = []
    var startIndex: Int?
    if bestDepth > 0 {
        let start = chains.map { $0[0] }.min() ?? 0
        let fromStart = chains.filter { $0[0] == start }
        times = (0..<bestDepth).map { stage in fromStart.map { $0[stage] }.min() ?? 0 }
        // The counted stage-1 event: the first event at that earliest start time.
        startIndex = chainStarts.filter { timestamps[$0] == start }.min()
    }
    let starts = timestamps.indices.filter { masks[$0] & 1 != 0 }.map { timestamps[$0] }
    return ActorFunnel(depth: bestDepth, lastStart: starts.max(), stageTimes: times, startIndex: startIndex)
}

@Suite("Funnels")
struct FunnelTests {
    // MARK: The per-actor algorithm

    @Test("matches the exhaustive reference on many random small actors")
    func randomActors() {
        var random = SplitMix64(seed: 2024)
        for round in 0..<3000 {
            let stageCount = 1 + random.int(0...3)
            let count = random.int(0...7)
            let window = Int64(random.int(1...6))
            let timestamps = (0..<count).map { _ in Int64(random.int(0...8)) }.sorted()
            let masks = (0..<count).map { _ in UInt32(random.int(0...(1 << stageCount) - 1)) }
            var evaluator = ActorFunnelEvaluator(stageCount: stageCount, window: window)
            let engine = evaluator.evaluate(timestamps: timestamps, masks: masks)
            let reference = bruteForceFunnel(timestamps: timestamps, masks: masks, stageCount: stageCount, window: window)
            #expect(engine == reference, "round \(round): \(timestamps) \(masks) stages \(stageCount) window \(window)")
            if engine != reference { break }
        }
    }

    @Test("one event matching two stages counts once; a second event is needed")
    func oneEventTwoStages() {
        var evaluator = ActorFunnelEvaluator(stageCount: 2, window: 100)
        #expect(evaluator.evaluate(timestamps: [10], masks: [0b11]).depth == 1)
        #expect(evaluator.evaluate(timestamps: [10, 20], masks: [0b11, 0b11]).depth == 2)
    }

    @Test("ties in time do not advance")
    func ties() {
        var evaluator = ActorFunnelEvaluator(stageCount: 2, window: 100)
        #expect(evaluator.evaluate(timestamps: [10, 10], masks: [0b01, 0b10]).depth == 1)
        #expect(evaluator.evaluate(timestamps: [10, 10, 11], masks: [0b01, 0b10, 0b10]).depth == 2)
    }

    @Test("the window is inclusive; a later chain start can go deeper than the first")
    func windows() {
        var evaluator = ActorFunnelEvaluator(stageCount: 3, window: 10)
        #expect(evaluator.evaluate(timestamps: [0, 10], masks: [0b001, 0b010]).depth == 2)
        #expect(evaluator.evaluate(timestamps: [0, 11], masks: [0b001, 0b010]).depth == 1)
        // Chain from 0 reaches stage 2 at 5 but stage 3 at 15 is out of its window;
        // the chain starting at 8 reaches all three.
        let later = evaluator.evaluate(timestamps: [0, 5, 8, 9, 15], masks: [0b001, 0b010, 0b001, 0b010, 0b100])
        #expect(later.depth == 3)
        #expect(later.stageTimes == [8, 9, 15])
        #expect(later.lastStart == 8)
    }

    // MARK: End to end over imported files

    func journey(_ stages: [[String]], window: String = "30d") throws -> JourneyDefinition {
        let yaml = "name: test\nwindow: \(window)\nstages:\n" + stages.enumerated().map { index, events in
            "  - name: s\(index + 1)\n    events: [\(events.joined(separator: ", "))]\n"
        }.joined()
        return try JourneyDefinition.parse(yaml)
    }

    func funnel(_ fixture: Fixture, _ journey: JourneyDefinition, configure: (inout FunnelQuery) -> Void = { _ in })
        throws -> FunnelReport {
        var query = FunnelQuery(journey: journey)
        configure(&query)
        return try FunnelEngine.run(fixture.database, query)
    }

    @Test("the default journey: a second order is needed for retention; events out of order in the files")
    func defaultJourney() throws {
        let fixture = try Fixture()
        // u1: all five stages, rows written newest first. u2: one order only -> purchase.
        // u3: product view before any page view -> awareness only.
        try fixture.events([
            "\(t(0, day: 5)),u1,review,/p/1", "\(t(1)),u1,product_view,/p/1", "\(t(0)),u1,page_view,/",
            "\(t(0)),u2,page_view,/", "\(t(2)),u2,product_view,/p/2",
            "\(t(0)),u3,product_view,/p/3", "\(t(1)),u3,page_view,/",
        ])
        try fixture.orders(["o2,\(t(0, day: 3)),u1,20", "o1,\(t(5)),u1,10", "o3,\(t(9)),u2,15"])
        let report = try funnel(fixture, .customerJourney)
        #expect(report.stages.map(\.reached) == [3, 2, 2, 1, 1])
        #expect(report.stages.map(\.dropped) == [0, 1, 0, 1, 0])
        #expect(report.stages[1].conversionFromPrevious == 2.0 / 3)
        #expect(report.stages[4].conversionFromFirst == 1.0 / 3)
        #expect(report.stages[3].dropOffRate == 0.5)
        // Medians over the actors reaching each stage, on their earliest chains:
        // consideration: u1 +60 s, u2 +120 s -> 90 s; purchase: u1 +4 min, u2 +7 min -> 330 s from previous.
        #expect(report.stages[1].medianSecondsFromPrevious == 90)
        #expect(report.stages[2].medianSecondsFromPrevious == 330)
        #expect(report.stages[2].medianSecondsFromFirst == 420)
        #expect(report.stages[4].medianSecondsFromFirst == Double(4 * 86_400))
        // Users lost: consideration 1, retention 1 (rates 1/3 and 1/2): the worst stage is the one losing
        // the most users, the earlier on a tie: consideration.
        #expect(report.worstStageIndex == 1)
    }

    @Test("chains longer than the window do not count; --window overrides the journey's")
    func windowOption() throws {
        let fixture = try Fixture()
        try fixture.events(["\(t(0)),u1,page_view", "\(t(0, day: 9)),u1,product_view"])
        let stages = try journey([["page_view"], ["product_view"]], window: "7d")
        #expect(try funnel(fixture, stages).stages.map(\.reached) == [1, 0])
        #expect(try funnel(fixture, stages) { $0.windowMilliseconds = 8 * 86_400_000 + 1 }.stages.map(\.reached) == [1, 1])
    }

    @Test("session actors: each session is its own actor")
    func sessionActors() throws {
        let fixture = try Fixture()
        try fixture.events(["\(t(0)),u1,page_view", "\(t(0, hour: 12)),u1,product_view",
                            "\(t(0, hour: 14)),u1,page_view", "\(t(1, hour: 14)),u1,product_view"])
        let stages = try journey([["page_view"], ["product_view"]])
        #expect(try funnel(fixture, stages).stages.map(\.reached) == [1, 1])
        let sessions = try funnel(fixture, stages) { $0.actor = .session }
        #expect(sessions.stages.map(\.reached) == [2, 1], "the first session has no product view of its own")
        #expect(sessions.actor == .session)
    }

    @Test("--from/--to cut events for every stage")
    func dateRange() throws {
        let fixture = try Fixture()
        try fixture.events(["\(t(0)),u1,page_view", "\(t(0, day: 2)),u1,product_view", "\(t(0, day: 2)),u2,page_view"])
        let stages = try journey([["page_view"], ["product_view"]])
        let cut = try funnel(fixture, stages) { $0.range = TimeRange(from: ms(0, day: 2)) }
        #expect(cut.stages.map(\.reached) == [1, 0], "u1's page view is before --from")
        let early = try funnel(fixture, stages) { $0.range = TimeRange(to: ms(0, day: 2)) }
        #expect(early.stages.map(\.reached) == [1, 0], "u1's product view is at --to, excluded")
    }

    @Test("breakdowns by the touchpoint of the first event in range, with --top folding")
    func breakdowns() throws {
        let fixture = try Fixture()
        try fixture.events([
            "\(t(0)),u1,page_view,/,email", "\(t(1)),u1,product_view,/p,social",
            "\(t(0)),u2,page_view,/,email", "\(t(0)),u3,page_view,/,social", "\(t(1)),u3,product_view,/p,social",
            "\(t(0)),u4,page_view,/,,mobile", "\(t(0)),u5,page_view,/,referral",
        ])
        let stages = try journey([["page_view"], ["product_view"]])
        let report = try funnel(fixture, stages) { $0.breakdown = .channel }
        #expect(report.groups.map(\.value) == ["email", "(none)", "referral", "social"])
        #expect(report.groups.map { $0.stages.map(\.reached) } == [[2, 1], [1, 0], [1, 0], [1, 1]])
        let top = try funnel(fixture, stages) { $0.breakdown = .channel; $0.top = 1 }
        #expect(top.groups.map(\.value) == ["email", "(other)"])
        #expect(top.groups[1].stages.map(\.reached) == [3, 1])
        let json = top.render(.json)
        #expect(json.contains("\"dimension\": \"channel\""))
    }

    @Test("stage filters on page globs and touchpoints")
    func stageFilters() throws {
        let fixture = try Fixture()
        try fixture.events(["\(t(0)),u1,page_view,/product/1,email", "\(t(1)),u1,page_view,/checkout/pay,email",
                            "\(t(0)),u2,page_view,/product/2,social", "\(t(1)),u2,page_view,/checkout,social"])
        let definition = try JourneyDefinition.parse("""
            name: checkout
            stages:
              - name: product
                events: [page_view]
                page: /product/*
              - name: checkout
                events: page_view
                page: /checkout*
                channel: email
            """)
        #expect(try funnel(fixture, definition).stages.map(\.reached) == [2, 1])
    }

    @Test("in_window counts actors still able to convert; --mature-only leaves them out")
    func maturity() throws {
        let fixture = try Fixture()
        // u1 converts; u2 stops at stage 1 on day 1; u3 stops at stage 1 on day 9.
        try fixture.events(["\(t(0)),u1,page_view", "\(t(1)),u1,product_view", "\(t(0)),u2,page_view",
                            "\(t(0, day: 9)),u3,page_view"])
        let stages = try journey([["page_view"], ["product_view"]], window: "7d")
        let report = try funnel(fixture, stages)
        #expect(report.asOf == ms(0, day: 9))
        #expect(report.stages[1].inWindow == 1, "only u3's window is still open at the last event")
        let mature = try funnel(fixture, stages) { $0.matureOnly = true }
        #expect(mature.stages.map(\.reached) == [2, 1])
        #expect(mature.stages[1].inWindow == 0)
        let later = try funnel(fixture, stages) { $0.asOf = ms(0, day: 30) }
        #expect(later.stages[1].inWindow == 0)
    }

    @Test("no actors: rates are null, not NaN, and the table says so")
    func empty() throws {
        let report = try funnel(try Fixture(), .customerJourney)
        #expect(report.stages.allSatisfy { $0.reached == 0 && $0.conversionFromPrevious == nil && $0.ciLow == nil })
        #expect(!report.render(.json).contains("NaN"))
        #expect(report.render(.table).contains("No user reached the first stage"))
    }

    @Test("JSON has exactly the documented keys")
    func jsonKeys() throws {
        let fixture = try Fixture()
        try fixture.events(["\(t(0)),u1,page_view"])
        let report = try funnel(fixture, .customerJourney)
        let object = try JSONSerialization.jsonObject(with: Data(report.render(.json).utf8)) as? [String: Any]
        #expect(Set(object?.keys.map { $0 } ?? []) == ["journey", "actor", "window_seconds", "from", "to", "order", "count", "exclusions",
                                                         "exclude_mode", "excluded_actors", "stages", "breakdown"])
        #expect(object?["window_seconds"] as? Int == 2_592_000)
        #expect(object?["breakdown"] is NSNull)
        let stage = (object?["stages"] as? [[String: Any]])?.first
        #expect(Set(stage?.keys.map { $0 } ?? []) == Set(FunnelReport.stageColumns + ["time_to_convert"]))
    }

    // MARK: Journey files

    @Test("invalid journeys name the line and the problem")
    func invalidJourneys() {
        let cases: [(String, Int?, String)] = [
            ("name: x\nstages: []\n", 2, "no stages"),
            ("name: x\n", 1, "no stages"),
            ("name: x\nwindow: soon\nstages:\n  - name: a\n    events: [page_view]\n", 2, "bad window 'soon'"),
            ("name: x\nstages:\n  - name: a\n    events: [page_view]\n    colour: red\n", 5, "unknown stage key 'colour'"),
            ("name: x\nwindo: 7d\nstages:\n  - name: a\n    events: [x]\n", 2, "unknown key 'windo'"),
            ("name: x\nstages:\n  - name: a\n", 3, "needs events"),
            ("name: [unclosed\n", nil, "not valid YAML"),
            // Funnel language v2: every combination that cannot be computed is refused, with the reason.
            ("name: x\norder: sideways\nstages:\n  - {name: a, events: [x]}\n", 2, "bad order 'sideways' (known: ordered, strict, any)"),
            ("name: x\ncount: people\nstages:\n  - {name: a, events: [x]}\n", 2, "bad count 'people'"),
            ("name: x\nexclude_mode: skip\nstages:\n  - {name: a, events: [x]}\n", 2, "bad exclude_mode 'skip'"),
            ("name: x\nstages:\n  - {name: a, events: [x]}\n  - {name: a, events: [y]}\n", 4, "two stages are named 'a'"),
            ("name: x\nstages:\n  - {name: a, events: [x], optional: true}\n  - {name: b, events: [y]}\n", nil,
             "the first stage ('a') cannot be optional"),
            ("name: x\nstages:\n  - {name: a, events: [x], optional: yes please}\n", 3, "optional must be true or false"),
            ("name: x\nstages:\n  - {name: a, events: [x]}\n  - {name: b, events: [y]}\nexclude:\n  - {events: [z], between: [b, a]}\n",
             nil, "exclusion between [b, a]: name two different stages, the earlier first"),
            ("name: x\nstages:\n  - {name: a, events: [x]}\n  - {name: b, events: [y]}\nexclude:\n  - {events: [z], between: [a, a]}\n",
             nil, "name two different stages"),
            ("name: x\nstages:\n  - {name: a, events: [x]}\n  - {name: b, events: [y]}\nexclude:\n  - {events: [z], between: [a, c]}\n",
             6, "between names 'c', which is not a stage (stages: a, b)"),
            ("name: x\nstages:\n  - {name: a, events: [x]}\n  - {name: b, events: [y], optional: true}\nexclude:\n  - {events: [z], between: [a, b]}\n",
             nil, "'b' is optional; exclusions name required stages"),
            ("name: x\nstages:\n  - {name: a, events: [x]}\nexclude:\n  - {between: [a, a]}\n", 5, "an exclusion needs events"),
            ("name: x\norder: any\nstages:\n  - {name: a, events: [x]}\n  - {name: b, events: [y], optional: true}\n", nil,
             "order: any cannot have optional stages"),
            ("name: x\norder: any\nstages:\n  - {name: a, events: [x]}\n  - {name: b, events: [y]}\nexclude:\n  - {events: [z]}\n",
             nil, "order: any cannot have exclusions"),
            ("name: x\norder: strict\ncount: conversions\nstages:\n  - {name: a, events: [x]}\n", nil,
             "count: conversions needs order: ordered"),
            ("name: x\ncount: conversions\nstages:\n  - {name: a, events: [x]}\n  - {name: b, events: [y], optional: true}\n", nil,
             "count: conversions cannot have optional stages"),
        ]
        for (text, line, problem) in cases {
            do {
                _ = try JourneyDefinition.parse(text, source: "j.yaml")
                Issue.record("accepted: \(text)")
            } catch let error as JourneyDefinition.Invalid {
                if let line { #expect(error.line == line, "\(text)") }
                #expect(error.description.contains(problem), "\(error)")
                #expect(error.description.hasPrefix("j.yaml"))
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
    }

    @Test("the funnel language's keys: order, count, optional, exclude with default span, exclude_mode with a dash")
    func journeyLanguage() throws {
        let journey = try JourneyDefinition.parse("""
            name: checkout
            window: 1d
            order: strict
            exclude_mode: drop-actor
            stages:
              - {name: product, events: [product_view]}
              - {name: cart, events: [add_to_cart]}
              - {name: coupon, events: [apply_coupon], optional: true}
              - {name: order, events: order}
            exclude:
              - {events: [support_chat], between: [cart, order]}
              - {event: refund}
            """)
        #expect(journey.order == .strict && journey.count == .actors && journey.excludeMode == .dropActor)
        #expect(journey.stages.map(\.optional) == [false, false, true, false])
        #expect(journey.exclusions == [ExclusionDefinition(events: ["support_chat"], fromStage: 1, toStage: 3),
                                       ExclusionDefinition(events: ["refund"], fromStage: 0, toStage: 3)])
        #expect(journey.problem == nil)
        // The ClickHouse SQL of a funnel exists for the ordered mode only.
        let fixture = try Fixture()
        try fixture.events(["\(t(0)),u1,product_view"])
        let result = try CLI.run(["funnel", "--db", fixture.directory.path("fixture.sqlite"), "--order", "any", "--emit-sql", "clickhouse"])
        #expect(result.status == 64)
    }

    @Test("the shipped journey files parse; the default one equals the built-in journey")
    func shippedJourneys() throws {
        let folder = sampleData.appending(path: "journeys")
        #expect(try JourneyDefinition.load(path: folder.appending(path: "customer-journey.yaml").path) == .customerJourney)
        let checkout = try JourneyDefinition.load(path: folder.appending(path: "checkout.yaml").path)
        #expect(checkout.stages.map(\.name) == ["product", "cart", "checkout", "order"])
        #expect(try JourneyDefinition.load(path: folder.appending(path: "checkout.json").path).stages == checkout.stages)
    }
}

@Suite("Funnels against plain SQL")
struct FunnelSQLReferenceTests {
    @Test("the engine's reach per stage equals the plain-SQL funnel on generated data", arguments: [UInt64(5), 17])
    func matchesSQL(seed: UInt64) throws {
        let fixture = try Fixture()
        var generator = DataGenerator(events: 6000, seed: seed)
        generator.days = 40
        let output = try generator.write(to: fixture.directory.path("gen"))
        try fixture.load(try String(contentsOfFile: output.eventsPath, encoding: .utf8))
        try fixture.load(try String(contentsOfFile: output.ordersPath, encoding: .utf8))
        let sql = try String(contentsOf: packageRoot.appending(path: "scripts/sql/funnel_customer_journey.sql"), encoding: .utf8)
        try EventBlock.createEventsView(in: fixture.database)
        let reference = try fixture.database.query(sql) { ($0.string(0), $0.int(1)) }
        let report = try FunnelEngine.run(fixture.database, FunnelQuery(journey: .customerJourney))
        #expect(reference.map(\.0) == report.stages.map(\.stage))
        #expect(reference.map(\.1) == report.stages.map(\.reached))
        #expect(report.stages[3].reached > 0, "the data should exercise repeat orders")

        // Two workers over halves of the users give exactly the same report, breakdowns included.
        for actor in FunnelActor.allCases {
            var single = FunnelQuery(journey: .customerJourney)
            single.actor = actor
            var parallel = single
            parallel.parallelAbove = 1
            let breakdowns: [FunnelBreakdown] = [.channel, .week, .landingPage]
            #expect(try FunnelEngine.run(fixture.database, parallel, breakdowns: breakdowns)
                    == FunnelEngine.run(fixture.database, single.withoutParallelism, breakdowns: breakdowns))
        }
    }
}

extension FunnelQuery {
    var withoutParallelism: FunnelQuery {
        var copy = self
        copy.parallelAbove = .max
        return copy
    }
}
