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

// End-to-end checks of the funnel modes (strict order, optional stages, exclusions with `cut` and
// `drop_actor`, any order, conversion counting): random CSV files go through the real importer into
// a real SQLite database, `FunnelEngine.run` computes the funnel, and the result is compared with
// `FunnelModesReference` (the exhaustive per-actor brute force of FunnelModesReferenceTests.swift)
// applied to the generated rows directly, never to anything read back from the database.
//
// What the oracle does itself, from docs/metrics.md ("Sessions", "Filters", "Funnels"):
// - journey order: time, then events before orders, then the event type name, then file order
//   (no row has an `event_id`; orders come from an orders file, with ids sorting as they were written);
// - sessions: per user, in journey order, a new session when the gap to the previous row is
//   strictly greater than 30 minutes (orders take part); a session's `device` is the value of its
//   first row that has one (orders have none, so a session of orders only has none);
// - `--from/--to` and `--where` remove rows before anything else: removed rows match no stage,
//   break no strict chain and are no exclusion event; an event's `device` is its session's;
// - per actor (user, or session) the brute force gives depth, reached stages, the excluded flag,
//   the latest start, the stage times and the counted stage-1 event; per stage, `reached` counts
//   the actors (entries, when counting conversions) with depth >= the stage's required rank (for an
//   optional stage: whose clean chains reach it; for any order, stage k is "k steps"); `in_window`
//   counts, at the first required stage it did not reach, each actor with depth >= 1 that stopped
//   before the last required stage and whose latest start + window is after the as-of instant
//   (`asOf`, else the last row kept); under `drop_actor` an actor with an excluded chain is left out
//   of every stage and counted in `excludedActors`;
// - breakdowns: `device` is the session touchpoint of the actor's first kept row; `event_type` and
//   the property `plan` are read on the counted stage-1 event. Groups are sorted by actors entering
//   (descending), then name.

// MARK: - Generated data

/// One generated row: an event (events file) or an order (orders file, type `order`).
private struct GeneratedRow: Sendable {
    var user: Int
    var time: Int64
    var type: String
    /// The `plan` property (events only; nil: empty cell).
    var plan: String?
    /// Position in its file: the last tie-breaker of journey order.
    var position = 0
    /// The user's session index and that session's device (filled by `Dataset.sessionize`).
    var session = 0
    var sessionDevice: String?

    var isOrder: Bool { type == "order" }
}

/// A random dataset: per user, the rows in journey order.
private struct Dataset {
    static let types = ["page_view", "product_view", "add_to_cart", "apply_coupon", "support_chat", "order"]
    static let typeWeights: [Double] = [3, 3, 2, 1, 1, 1.5]
    /// A user's rows come in one or two bursts; a burst starts at one of these offsets (seconds) and
    /// its rows are `steps` after its start: many ties, exact window edges (multiples of 30 s), and
    /// gaps between consecutive rows of exactly 30 min (rows at +0 and +1800: one session), of
    /// 30 min + 1 s (+0 and +1801, +1800 and +3601: two sessions), more, or a day.
    static let burstStarts: [Int64] = [0, 0, 1800, 1801, 2400, 3601, 86_400, 86_400 + 1800]
    static let steps: [Int64] = [0, 0, 30, 60, 60, 90, 120, 180, 300, 600]
    static let base = ms(0)
    static let day: Int64 = 86_400_000

    var users: [[GeneratedRow]]
    var devices: [String?]

    static func generate(_ random: inout SplitMix64) -> Dataset {
        var rows: [GeneratedRow] = []
        var devices: [String?] = []
        for user in 0..<random.int(30...60) {
            let deviceChoices: [String?] = [nil, "mobile", "desktop", "tablet"]
            devices.append(deviceChoices[random.int(0...3)])
            let day = Int64(random.int(0...2))
            let bursts = (0..<random.int(1...2)).map { _ in burstStarts[random.int(0...burstStarts.count - 1)] }
            for _ in 0..<random.int(0...10) {
                let offset = (bursts[random.int(0...bursts.count - 1)] + steps[random.int(0...steps.count - 1)]) * 1000
                let type = types[random.pick(typeWeights)]
                let planChoices: [String?] = [nil, "basic", "pro"]
                let plan = type == "order" ? nil : planChoices[random.int(0...2)]
                rows.append(GeneratedRow(user: user, time: base + day * Self.day + offset, type: type, plan: plan))
            }
        }
        // The files list rows in a shuffled order: the importer has to sort them.
        rows.shuffle(using: &random)
        var eventPosition = 0, orderPosition = 0
        for index in rows.indices {
            if rows[index].isOrder {
                rows[index].position = orderPosition
                orderPosition += 1
            } else {
                rows[index].position = eventPosition
                eventPosition += 1
            }
        }
        // A `plan` value must exist for the property to be known.
        if let first = rows.firstIndex(where: { !$0.isOrder }) { rows[first].plan = "pro" }
        var users = Array(repeating: [GeneratedRow](), count: devices.count)
        for row in rows { users[row.user].append(row) }
        var dataset = Dataset(users: users, devices: devices)
        dataset.sessionize()
        return dataset
    }

    /// Sorts each user's rows into journey order and numbers the sessions (30 min timeout).
    mutating func sessionize() {
        for user in users.indices {
            users[user].sort {
                ($0.time, $0.isOrder ? 1 : 0, $0.type, $0.position) < ($1.time, $1.isOrder ? 1 : 0, $1.type, $1.position)
            }
            var session = 0
            for index in users[user].indices {
                if index > 0 && users[user][index].time - users[user][index - 1].time > 30 * 60_000 { session += 1 }
                users[user][index].session = session
            }
            // Device: the first row of the session that has one (events carry the user's; orders none).
            for index in users[user].indices {
                let session = users[user][index].session
                let hasEvent = users[user].contains { $0.session == session && !$0.isOrder }
                users[user][index].sessionDevice = hasEvent ? devices[user] : nil
            }
        }
    }

    /// The same dataset restricted to some users (for narrowing a mismatch down).
    func only(_ kept: [Int]) -> Dataset {
        Dataset(users: users.indices.map { kept.contains($0) ? users[$0] : [] }, devices: devices)
    }

    var rows: [GeneratedRow] { users.flatMap { $0 } }

    /// The events file, rows in their file order.
    var eventsCSV: String {
        let events = rows.filter { !$0.isOrder }.sorted { $0.position < $1.position }
        return (["timestamp,user_id,event_type,device,plan"] + events.map {
            "\(Timestamp.iso8601($0.time)),u\($0.user),\($0.type),\(devices[$0.user] ?? ""),\($0.plan ?? "")"
        }).joined(separator: "\n") + "\n"
    }

    /// The orders file's lines (`order_id,time,user,revenue`), ids sorting in file order.
    var orderLines: [String] {
        rows.filter(\.isOrder).sorted { $0.position < $1.position }.map {
            "o\(String(format: "%05d", $0.position)),\(Timestamp.iso8601($0.time)),u\($0.user),10"
        }
    }

    /// A database with these rows, through the real importer.
    func fixture() throws -> Fixture {
        let fixture = try Fixture()
        if rows.contains(where: { !$0.isOrder }) { try fixture.load(eventsCSV, name: "events.csv") }
        if !orderLines.isEmpty { try fixture.orders(orderLines) }
        return fixture
    }

    /// The rows as text, for failure messages.
    func describe() -> String {
        users.enumerated().filter { !$0.element.isEmpty }.map { user, rows in
            "u\(user) (device \(devices[user] ?? "-")): " + rows.map {
                "\($0.type)@+\(($0.time - Self.base) / 1000)s#\($0.session)\($0.plan.map { "[\($0)]" } ?? "")"
            }.joined(separator: " ")
        }.joined(separator: "\n")
    }
}

// MARK: - Journey shapes and queries

/// One accepted combination of order, count, optional stages and exclusions.
private struct Shape: CustomStringConvertible, Sendable {
    var order: FunnelOrder
    var count: FunnelCount = .actors
    var optional = false
    var exclusions = 0
    var mode: ExcludeMode = .cut

    var description: String {
        "\(order.rawValue)/\(count.rawValue)\(optional ? "/optional" : "")/exclusions \(exclusions)/\(mode.rawValue)"
    }

    /// Every combination `JourneyDefinition.problem` accepts: ordered or strict with or without
    /// optional stages, 0-2 exclusions, cut or drop_actor; any order; ordered conversions.
    static let all: [Shape] = {
        var shapes: [Shape] = []
        for order in [FunnelOrder.ordered, .strict] {
            for optional in [false, true] {
                for exclusions in 0...2 {
                    for mode in ExcludeMode.allCases {
                        shapes.append(Shape(order: order, optional: optional, exclusions: exclusions, mode: mode))
                    }
                }
            }
        }
        shapes.append(Shape(order: .any))
        shapes.append(Shape(order: .ordered, count: .conversions))
        return shapes
    }()

    /// A random journey of this shape (2-4 stages), as YAML and parsed.
    func journey(_ random: inout SplitMix64) throws -> (yaml: String, journey: JourneyDefinition) {
        let minimumRequired = exclusions > 0 ? 2 : 1
        let stageCount = random.int(max(2, minimumRequired + (optional ? 1 : 0))...4)
        let names = (1...stageCount).map { "s\($0)" }
        var optionalStages = Set<Int>()
        if optional {
            let count = random.int(1...(stageCount - minimumRequired))
            while optionalStages.count < count { optionalStages.insert(random.int(1...stageCount - 1)) }
        }
        /// One type, sometimes two, for a stage; two or three for an exclusion (so that exclusions often bite).
        func types(exclusion: Bool = false) -> String {
            var chosen = [Dataset.types[random.pick(Dataset.typeWeights)]]
            for _ in 0..<(exclusion ? random.int(1...2) : random.chance(0.25) ? 1 : 0) {
                let other = Dataset.types[random.int(0...Dataset.types.count - 1)]
                if !chosen.contains(other) { chosen.append(other) }
            }
            return "[" + chosen.joined(separator: ", ") + "]"
        }
        let windows = [60, 90, 120, 180, 300, 600, 1800, 3600]
        var yaml = """
            name: e2e
            window: \(windows[random.int(0...windows.count - 1)])s
            order: \(order.rawValue)
            count: \(count.rawValue)
            exclude_mode: \(mode.rawValue)
            stages:\n
            """
        for (index, name) in names.enumerated() {
            yaml += "  - {name: \(name), events: \(types())\(optionalStages.contains(index) ? ", optional: true" : "")}\n"
        }
        if exclusions > 0 {
            let required = (0..<stageCount).filter { !optionalStages.contains($0) }
            yaml += "exclude:\n"
            for _ in 0..<exclusions {
                let a = random.int(0...required.count - 2)
                let b = random.int(a + 1...required.count - 1)
                yaml += "  - {events: \(types(exclusion: true)), between: [\(names[required[a]]), \(names[required[b]])]}\n"
            }
        }
        let journey = try JourneyDefinition.parse(yaml)
        precondition(journey.problem == nil)
        return (yaml, journey)
    }
}

/// The `--where` conditions used, with how the oracle applies each to a row.
private let filterChoices: [(text: String, passes: @Sendable (GeneratedRow) -> Bool)] = [
    ("event_type!=page_view", { $0.type != "page_view" }),
    ("plan!=basic", { $0.plan != "basic" }),
    ("device=mobile,tablet", { $0.sessionDevice == "mobile" || $0.sessionDevice == "tablet" }),
]

/// The breakdowns used: none, the session touchpoint `device`, and two fields of the counted stage-1 event.
private let breakdownChoices: [FunnelBreakdown?] = [nil, .device, .property("event_type"), .property("plan")]

/// One funnel query of a round, with what the oracle needs to know about it.
private struct Case {
    var yaml: String
    var journey: JourneyDefinition
    var actor: FunnelActor
    var breakdown: FunnelBreakdown?
    var filter: Int?
    var asOf: Int64?
    var range: TimeRange

    func query() throws -> FunnelQuery {
        var query = FunnelQuery(journey: journey)
        query.actor = actor
        query.breakdown = breakdown
        query.filters = try filter.map { [try FieldFilter(parsing: filterChoices[$0].text)] } ?? []
        query.asOf = asOf
        query.range = range
        return query
    }

    var description: String {
        """
        actor \(actor.rawValue), breakdown \(breakdown.map { "\($0)" } ?? "none"), \
        where \(filter.map { filterChoices[$0].text } ?? "none"), as-of \(asOf.map(Timestamp.iso8601) ?? "default"), \
        range [\(range.from.map(Timestamp.iso8601) ?? "-"), \(range.to.map(Timestamp.iso8601) ?? "-"))
        journey:
        \(yaml)
        """
    }
}

// MARK: - The oracle

/// What the test compares for one funnel (the total or a group).
private struct Numbers: Equatable, CustomStringConvertible {
    var reached: [Int]
    var inWindow: [Int]
    var medianFromPrevious: [Double?]
    var medianFromFirst: [Double?]

    init(_ stages: [StageResult]) {
        reached = stages.map(\.reached)
        inWindow = stages.map(\.inWindow)
        medianFromPrevious = stages.map(\.medianSecondsFromPrevious)
        medianFromFirst = stages.map(\.medianSecondsFromFirst)
    }

    init(reached: [Int], inWindow: [Int], medianFromPrevious: [Double?], medianFromFirst: [Double?]) {
        self.reached = reached
        self.inWindow = inWindow
        self.medianFromPrevious = medianFromPrevious
        self.medianFromFirst = medianFromFirst
    }

    var description: String {
        func text(_ values: [Double?]) -> String { "[" + values.map { $0.map { "\($0)" } ?? "-" }.joined(separator: ", ") + "]" }
        return "reached \(reached) in_window \(inWindow) median_prev \(text(medianFromPrevious)) "
            + "median_first \(text(medianFromFirst))"
    }
}

/// What the whole report should say.
private struct Expectation: Equatable, CustomStringConvertible {
    var asOf: Int64?
    var excludedActors: Int?
    var total: Numbers
    var groups: [(name: String, numbers: Numbers)]

    static func == (lhs: Expectation, rhs: Expectation) -> Bool {
        lhs.asOf == rhs.asOf && lhs.excludedActors == rhs.excludedActors && lhs.total == rhs.total
            && lhs.groups.map(\.name) == rhs.groups.map(\.name) && lhs.groups.map(\.numbers) == rhs.groups.map(\.numbers)
    }

    init(asOf: Int64?, excludedActors: Int?, total: Numbers, groups: [(name: String, numbers: Numbers)]) {
        self.asOf = asOf
        self.excludedActors = excludedActors
        self.total = total
        self.groups = groups
    }

    init(_ report: FunnelReport) {
        asOf = report.asOf
        excludedActors = report.excludedActors
        total = Numbers(report.stages)
        groups = report.groups.map { ($0.value, Numbers($0.stages)) }
    }

    var description: String {
        "as-of \(asOf.map(Timestamp.iso8601) ?? "-") excluded \(excludedActors.map(String.init) ?? "-")\n  total: \(total)"
            + groups.map { "\n  \($0.name): \($0.numbers)" }.joined()
    }
}

/// One counted actor (or entry): the brute force's result and its breakdown group.
private struct Outcome {
    var depth: Int
    var optionalReached: UInt32
    var excluded: Bool
    var lastStart: Int64?
    var stageTimes: [Int64]
    var group: String
}

private enum Oracle {
    typealias Reference = FunnelModesReference

    static func expectation(_ dataset: Dataset, _ test: Case) -> Expectation {
        let journey = test.journey
        let stageCount = journey.stages.count
        let window = journey.windowMilliseconds
        func mask(_ row: GeneratedRow) -> UInt32 {
            journey.stages.indices.reduce(UInt32(0)) {
                $0 | (journey.stages[$1].events.contains(row.type) ? UInt32(1) << UInt32($1) : 0)
            }
        }
        func exclusionMask(_ row: GeneratedRow) -> UInt32 {
            journey.exclusions.indices.reduce(UInt32(0)) {
                $0 | (journey.exclusions[$1].events.contains(row.type) ? UInt32(1) << UInt32($1) : 0)
            }
        }
        let optional = journey.stages.indices.reduce(UInt32(0)) {
            $0 | (journey.stages[$1].optional ? UInt32(1) << UInt32($1) : 0)
        }
        let required = journey.order == .any ? Array(0..<stageCount) : (0..<stageCount).filter { !journey.stages[$0].optional }
        let rules = ChainRules(stageCount: stageCount, window: window, strict: journey.order == .strict, optional: optional,
                               exclusions: journey.exclusions.map { ChainRules.Exclusion(from: $0.fromStage, to: $0.toStage) })
        let drops = !journey.exclusions.isEmpty && journey.excludeMode == .dropActor

        // Rows out of range or failing the condition do not exist for the funnel.
        let kept = dataset.users.map { rows in
            rows.filter { row in
                row.time >= test.range.lower && row.time < test.range.upper
                    && (test.filter.map { filterChoices[$0].passes(row) } ?? true)
            }
        }
        let judgedAt = test.asOf ?? kept.flatMap { $0 }.map(\.time).max()
        let actors: [[GeneratedRow]] = test.actor == .user ? kept : kept.flatMap { rows in
            Dictionary(grouping: rows, by: \.session).sorted { $0.key < $1.key }.map(\.value)
        }

        var outcomes: [Outcome] = []
        var excludedActors = 0
        var excludedGroups = Set<String>()
        for rows in actors where !rows.isEmpty {
            let timestamps = rows.map(\.time), masks = rows.map(mask), exclusionMasks = rows.map(exclusionMask)
            func group(start: Int?) -> String {
                switch test.breakdown {
                case .device?: return rows[0].sessionDevice ?? "(none)"
                case .property("event_type")?: return rows[start!].type
                case .property("plan")?: return rows[start!].plan ?? "(none)"
                default: return ""
                }
            }
            switch (journey.order, journey.count) {
            case (.any, _):
                let result = Reference.anyOrder(timestamps: timestamps, masks: masks, stageCount: stageCount, window: window)
                guard result.depth > 0 else { continue }
                outcomes.append(Outcome(depth: result.depth, optionalReached: 0, excluded: false, lastStart: result.lastStart,
                                        stageTimes: result.stageTimes, group: group(start: result.startIndex)))
            case (_, .conversions):
                for entry in Reference.conversions(timestamps: timestamps, masks: masks, stageCount: stageCount, window: window) {
                    outcomes.append(Outcome(depth: entry.depth, optionalReached: 0, excluded: false, lastStart: entry.lastStart,
                                            stageTimes: entry.stageTimes, group: group(start: entry.startIndex)))
                }
            default:
                let result = Reference.chain(timestamps: timestamps, masks: masks, exclusionMasks: exclusionMasks, rules: rules)
                if drops && result.excluded {
                    excludedActors += 1
                    excludedGroups.insert(group(start: result.startIndex))
                    continue
                }
                guard result.depth > 0 else { continue }
                outcomes.append(Outcome(depth: result.depth, optionalReached: result.reached & optional,
                                        excluded: result.excluded, lastStart: result.lastStart,
                                        stageTimes: result.stageTimes, group: group(start: result.startIndex)))
            }
        }

        /// The numbers of a set of outcomes, stage by stage, from the definitions.
        func numbers(_ outcomes: [Outcome]) -> Numbers {
            var reached = Array(repeating: 0, count: stageCount), inWindow = reached
            var fromPrevious = Array(repeating: [Double](), count: stageCount), fromFirst = fromPrevious
            for outcome in outcomes {
                for stage in 0..<stageCount {
                    if let rank = required.firstIndex(of: stage) {
                        // Required stage of rank rank + 1: reached with depth >= rank + 1.
                        guard outcome.depth > rank else { continue }
                        reached[stage] += 1
                        if rank > 0 {
                            fromPrevious[stage].append(Double(outcome.stageTimes[rank] - outcome.stageTimes[rank - 1]) / 1000)
                            fromFirst[stage].append(Double(outcome.stageTimes[rank] - outcome.stageTimes[0]) / 1000)
                        }
                    } else if Reference.bit(outcome.optionalReached, stage) {
                        reached[stage] += 1
                    }
                }
                // Stopped before the last required stage with the window still open at the as-of instant:
                // counted at the first required stage it did not reach.
                if outcome.depth < required.count, let judgedAt, let start = outcome.lastStart, start + window > judgedAt {
                    inWindow[required[outcome.depth]] += 1
                }
            }
            func median(_ values: [Double]) -> Double? {
                guard !values.isEmpty else { return nil }
                let sorted = values.sorted()
                let high = sorted[sorted.count / 2]
                guard sorted.count % 2 == 0 else { return high }
                let low = sorted[sorted.count / 2 - 1]
                return low + (high - low) / 2
            }
            return Numbers(reached: reached, inWindow: inWindow, medianFromPrevious: fromPrevious.map(median),
                           medianFromFirst: fromFirst.map(median))
        }

        var groups: [(name: String, numbers: Numbers)] = []
        if test.breakdown != nil {
            let names = Set(outcomes.map(\.group)).union(excludedGroups)
            groups = names.map { name in (name, numbers(outcomes.filter { $0.group == name })) }
                .sorted { ($0.numbers.reached[0], $1.name) > ($1.numbers.reached[0], $0.name) }
        }
        return Expectation(asOf: judgedAt, excludedActors: drops ? excludedActors : nil, total: numbers(outcomes),
                           groups: groups)
    }
}

/// How many cases exercised each feature (nonzero numbers where it matters).
private struct Exercised: CustomStringConvertible {
    var droppedActors = 0, inWindow = 0, lastStageReached = 0, optionalStageReached = 0, severalGroups = 0

    mutating func count(_ expected: Expectation, _ test: Case) {
        if (expected.excludedActors ?? 0) > 0 { droppedActors += 1 }
        if expected.total.inWindow.contains(where: { $0 > 0 }) { inWindow += 1 }
        if (expected.total.reached.last ?? 0) > 0 { lastStageReached += 1 }
        if test.journey.stages.indices.contains(where: { test.journey.stages[$0].optional && expected.total.reached[$0] > 0 }) {
            optionalStageReached += 1
        }
        if expected.groups.count > 1 { severalGroups += 1 }
    }

    var minimum: Int { [droppedActors, inWindow, lastStageReached, optionalStageReached, severalGroups].min()! }

    var description: String {
        "drop_actor excluding someone \(droppedActors), in_window > 0 \(inWindow), last stage reached \(lastStageReached), "
            + "optional stage reached \(optionalStageReached), several groups \(severalGroups)"
    }
}

// MARK: - Tests

@Suite("Funnel modes end to end against the reference")
struct FunnelModesEndToEndTests {
    static let seed: UInt64 = 20_240_301
    static let rounds = 48

    /// Runs one case through the engine and the oracle: the oracle's expectation, and a description of
    /// the difference (nil when they agree).
    private static func compare(_ dataset: Dataset, _ fixture: Fixture, _ test: Case) throws
        -> (expected: Expectation, difference: String?) {
        let actual = Expectation(try FunnelEngine.run(fixture.database, try test.query()))
        let expected = Oracle.expectation(dataset, test)
        return (expected, actual == expected ? nil : "expected \(expected)\nactual   \(actual)")
    }

    /// The first single user (with the as-of instant of the whole data) on whom the engine and the oracle
    /// disagree, to make a failure readable.
    private static func narrowDown(_ dataset: Dataset, _ test: Case, asOf: Int64?) -> String {
        var single = test
        single.asOf = asOf
        for user in dataset.users.indices where !dataset.users[user].isEmpty {
            let one = dataset.only([user])
            guard let fixture = try? one.fixture(), let difference = (try? compare(one, fixture, single))?.difference else {
                continue
            }
            let instant = asOf.map(Timestamp.iso8601) ?? "default"
            return "narrowed down to one user (as-of \(instant)):\n\(one.describe())\n\(difference)"
        }
        return "no single user shows it; data:\n\(dataset.describe())"
    }

    @Test("random datasets: every accepted journey shape, by user and session, with breakdowns and filters")
    func randomDatasets() throws {
        var random = SplitMix64(seed: Self.seed)
        let shapes = Shape.all
        // (shape, actor, breakdown, filtered or not) -> cases run.
        var coverage: [String: Int] = [:]
        var casesRun = 0
        var exercised = Exercised()
        var failed = false
        rounds: for round in 0..<Self.rounds {
            let dataset = Dataset.generate(&random)
            let fixture = try dataset.fixture()
            let last = dataset.rows.map(\.time).max() ?? Dataset.base
            for (shapeIndex, shape) in shapes.enumerated() {
                for (actorIndex, actor) in FunnelActor.allCases.enumerated() {
                    // Each (shape, actor) goes through the 8 breakdown x filter variants every 8 rounds.
                    let variant = (round + shapeIndex + actorIndex) % 8
                    let breakdown = breakdownChoices[variant % 4]
                    let filter = variant >= 4 ? (round + shapeIndex) % filterChoices.count : nil
                    let (yaml, journey) = try shape.journey(&random)
                    // Half the cases judge windows at an explicit instant (sometimes before the last row).
                    let step = Dataset.steps[random.int(0...Dataset.steps.count - 1)] * 1000
                    let asOf: Int64? = random.chance(0.5) ? last - Int64(random.int(0...2)) * Dataset.day - step : nil
                    // A quarter of the cases cut the time range (on a row's time, so the bounds are hit exactly).
                    var range = TimeRange.all
                    if random.chance(0.25) {
                        let times = dataset.rows.map(\.time)
                        let from = random.chance(0.7) ? times.randomElement(using: &random) : nil
                        let to = random.chance(0.7) ? times.randomElement(using: &random) : nil
                        range = TimeRange(from: from, to: to.map { max($0, from ?? $0) })
                    }
                    let test = Case(yaml: yaml, journey: journey, actor: actor, breakdown: breakdown, filter: filter,
                                    asOf: asOf, range: range)
                    casesRun += 1
                    let breakdownName = breakdown.map { "\($0)" } ?? "none"
                    coverage["\(shape) \(actor.rawValue) \(breakdownName) \(filter == nil ? "all" : "where")", default: 0] += 1
                    let (expected, difference) = try Self.compare(dataset, fixture, test)
                    exercised.count(expected, test)
                    if let difference {
                        let narrowed = Self.narrowDown(dataset, test, asOf: expected.asOf)
                        Issue.record("""
                            seed \(Self.seed) round \(round) shape \(shape) \(test.description)
                            \(difference)
                            \(narrowed)
                            """)
                        failed = true
                        break rounds
                    }
                }
            }
        }
        guard !failed else { return }
        // The data must keep exercising what the modes are about, not only agree on empty funnels.
        #expect(exercised.minimum >= 50, "cases exercising each feature: \(exercised)")
        let combinations = shapes.count * FunnelActor.allCases.count * breakdownChoices.count * 2
        #expect(coverage.count == combinations, "combinations covered: \(coverage.count) of \(combinations)")
        #expect(coverage.values.min() ?? 0 >= 3, "each combination at least 3 times (\(casesRun) cases)")
    }

    // MARK: Worked examples

    func journey(_ yaml: String) throws -> JourneyDefinition { try JourneyDefinition.parse(yaml) }

    func funnel(_ fixture: Fixture, _ journey: JourneyDefinition, configure: (inout FunnelQuery) -> Void = { _ in })
        throws -> FunnelReport {
        var query = FunnelQuery(journey: journey)
        configure(&query)
        return try FunnelEngine.run(fixture.database, query)
    }

    static let checkout = """
        name: checkout
        window: 2h
        exclude_mode: MODE
        stages:
          - {name: product, events: [product_view]}
          - {name: cart, events: [add_to_cart]}
          - {name: coupon, events: [apply_coupon], optional: true}
          - {name: order, events: [order]}
        exclude:
          - {events: [support_chat], between: [cart, order]}
        """

    @Test("checkout with an optional coupon and a support chat excluded between cart and order")
    func checkoutExample() throws {
        let fixture = try Fixture()
        // Day 1, orders from the orders file. Window 2 h; the last row is u4's order at 11:10 (the as-of instant).
        // u1: product 10:00, cart 10:01, coupon 10:02, order 10:05: clean, depth 3 with the coupon.
        // u2: product 10:00, cart 10:01, chat 10:02, order 10:03: the only full chain has the chat between
        //     cart and order: cut -> depth 2; excluded.
        // u3: product 10:00, cart 10:01, chat 10:02, cart 10:03, order 10:04: the chain through the second
        //     cart is clean (depth 3), the one through the first is not: excluded all the same.
        // u4: product 10:00, cart 10:01 | 59 min gap: new session | chat 11:00, order 11:10. By user the chain
        //     product, cart, order (70 min) has the chat inside: cut -> depth 2; excluded. By session: the
        //     first session reaches cart (depth 2, clean); the second has no product (not counted).
        // u5: product 10:30, coupon 10:31: a chain cannot skip the required cart, so no coupon: depth 1.
        // u6: product and cart both at 09:10 (one instant never advances), order 09:15: depth 1; its
        //     window closes at 11:10 exactly, the as-of instant, so it is not in window (it must be after).
        try fixture.events([
            "\(t(0)),u1,product_view", "\(t(1)),u1,add_to_cart", "\(t(2)),u1,apply_coupon",
            "\(t(0)),u2,product_view", "\(t(1)),u2,add_to_cart", "\(t(2)),u2,support_chat",
            "\(t(0)),u3,product_view", "\(t(1)),u3,add_to_cart", "\(t(2)),u3,support_chat", "\(t(3)),u3,add_to_cart",
            "\(t(0)),u4,product_view", "\(t(1)),u4,add_to_cart", "\(t(0, hour: 11)),u4,support_chat",
            "\(t(30)),u5,product_view", "\(t(31)),u5,apply_coupon",
            "\(t(10, hour: 9)),u6,product_view", "\(t(10, hour: 9)),u6,add_to_cart",
        ])
        try fixture.orders(["o1,\(t(5)),u1,10", "o2,\(t(3)),u2,10", "o3,\(t(4)),u3,10", "o4,\(t(10, hour: 11)),u4,10",
                            "o6,\(t(15, hour: 9)),u6,10"])
        let cut = try journey(Self.checkout.replacingOccurrences(of: "MODE", with: "cut"))
        let drop = try journey(Self.checkout.replacingOccurrences(of: "MODE", with: "drop_actor"))

        // cut, by user: depths u1 3 (+coupon), u2 2, u3 3, u4 2, u5 1, u6 1.
        // In window (lastStart 10:00 or 10:30 + 2 h > 11:10): u2 and u4 at order, u5 at cart (u6 is not).
        let cutUsers = try funnel(fixture, cut)
        #expect(cutUsers.asOf == ms(10, hour: 11))
        #expect(cutUsers.stages.map(\.reached) == [6, 4, 1, 2])
        #expect(cutUsers.stages.map(\.inWindow) == [0, 1, 0, 2])
        #expect(cutUsers.excludedActors == nil)

        // cut, by session: the same counts (u4's first session stops at cart, like the user).
        let cutSessions = try funnel(fixture, cut) { $0.actor = .session }
        #expect(cutSessions.stages.map(\.reached) == [6, 4, 1, 2])
        #expect(cutSessions.stages.map(\.inWindow) == [0, 1, 0, 2])

        // drop_actor, by user: u2, u3 and u4 are left out; u1 (3 + coupon), u5 (1), u6 (1) remain.
        let dropUsers = try funnel(fixture, drop)
        #expect(dropUsers.excludedActors == 3)
        #expect(dropUsers.stages.map(\.reached) == [3, 1, 1, 1])
        #expect(dropUsers.stages.map(\.inWindow) == [0, 1, 0, 0])

        // drop_actor, by session: only u2's and u3's sessions are excluded; u4's first session (depth 2,
        // in window) stays and its second session reaches nothing.
        let dropSessions = try funnel(fixture, drop) { $0.actor = .session }
        #expect(dropSessions.excludedActors == 2)
        #expect(dropSessions.stages.map(\.reached) == [4, 2, 1, 1])
        #expect(dropSessions.stages.map(\.inWindow) == [0, 1, 0, 1])

        // An as-of instant after every window: nothing is in window any more.
        let late = try funnel(fixture, cut) { $0.asOf = ms(0, day: 2) }
        #expect(late.stages.map(\.inWindow) == [0, 0, 0, 0])
    }

    @Test("strict order with --where: a filtered-out event no longer breaks the chain")
    func strictWithFilter() throws {
        let fixture = try Fixture()
        // Journey product -> cart, strict, window 10 min.
        // u1: product 10:00, page view 10:01, cart 10:02: the page view lies strictly between -> depth 1;
        //     with --where event_type!=page_view it does not exist -> depth 2.
        // u2: product 10:00, cart 10:00:30: depth 2 either way. u3: page view 10:00 only: not in the funnel.
        try fixture.events(["\(t(0)),u1,product_view", "\(t(1)),u1,page_view", "\(t(2)),u1,add_to_cart",
                            "\(t(0)),u2,product_view", "\(t(0, 30)),u2,add_to_cart", "\(t(0)),u3,page_view"])
        let strict = try journey("""
            name: strict
            window: 10m
            order: strict
            stages:
              - {name: product, events: [product_view]}
              - {name: cart, events: [add_to_cart]}
            """)
        let plain = try funnel(fixture, strict)
        #expect(plain.stages.map(\.reached) == [2, 1])
        // u1 stopped at product; its window (10:00 + 10 min) is open at the last row, 10:02.
        #expect(plain.stages.map(\.inWindow) == [0, 1])
        let noPageViews = try FieldFilter(parsing: "event_type!=page_view")
        let filtered = try funnel(fixture, strict) { $0.filters = [noPageViews] }
        #expect(filtered.stages.map(\.reached) == [2, 2])
        #expect(filtered.stages.map(\.inWindow) == [0, 0])
    }

    @Test("any order and conversions on the same rows")
    func anyOrderAndConversions() throws {
        let fixture = try Fixture()
        // Stages product -> cart, window 10 min.
        // u1: cart 10:00, product 10:01, product 10:02, cart 10:03.
        // u2: product and cart both at 10:00.
        try fixture.events(["\(t(0)),u1,add_to_cart", "\(t(1)),u1,product_view", "\(t(2)),u1,product_view",
                            "\(t(3)),u1,add_to_cart", "\(t(0)),u2,product_view", "\(t(0)),u2,add_to_cart"])
        func stages(_ keys: String) throws -> JourneyDefinition {
            try journey("name: j\nwindow: 10m\n\(keys)\nstages:\n  - {name: product, events: [product_view]}\n"
                        + "  - {name: cart, events: [add_to_cart]}\n")
        }
        // Ordered actors: u1 product 10:01 -> cart 10:03 (depth 2); u2's cart is not strictly later (depth 1).
        let ordered = try funnel(fixture, try stages("order: ordered"))
        #expect(ordered.stages.map(\.reached) == [2, 1])
        // Any order: both have two steps (u2's at one instant). Stages are named by steps.
        let any = try funnel(fixture, try stages("order: any"))
        #expect(any.stages.map(\.stage) == ["1 step", "2 steps"])
        #expect(any.stages.map(\.reached) == [2, 2])
        // Conversions: u1's product 10:01 takes cart 10:03; product 10:02 finds no unused later cart
        // (depth 1); u2's product starts a third entry (depth 1). Both stopped entries started at or after
        // 10:00, + 10 min > 10:03 (the last row): in window.
        let conversions = try funnel(fixture, try stages("count: conversions"))
        #expect(conversions.stages.map(\.reached) == [3, 1])
        #expect(conversions.stages.map(\.inWindow) == [0, 2])
        // By event_type of the counted stage-1 event under any order (the first event matching a stage in
        // the earliest window reaching the depth): u1's window starts at its cart at 10:00; u2's at 10:00
        // too, where the cart comes first in journey order (types sort by name at one instant:
        // add_to_cart before product_view, whatever the file order). Both are under add_to_cart.
        let split = try funnel(fixture, try stages("order: any")) { $0.breakdown = .property("event_type") }
        #expect(split.groups.map(\.value) == ["add_to_cart"])
        #expect(split.groups.map { $0.stages.map(\.reached) } == [[2, 2]])
    }
}
