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

// An independent reference for the funnel modes (strict order, optional stages, exclusions, any order,
// conversion counting), written straight from the definitions of docs/metrics.md and nothing else: it
// enumerates every candidate chain, assignment or window exhaustively and applies each rule literally,
// with no cleverness, so that it is slow but obviously right. The engine's per-actor evaluators
// (`ChainEvaluator`, `AnyOrderEvaluator`, `ConversionCounter`) are checked against it on many small
// random actors (0...7 events, times in 0...8 so that ties and exact window edges are common), and a
// few worked examples below double as documentation of the definitions.
//
// The reference reads nothing from the engine but the plain data types (`ChainRules` as an input,
// `ChainResult` and `ActorFunnel` as outputs); in particular it does not use `ChainRules.isRequired`,
// `requiredRank` or `requiredStages`.

/// Exhaustive references for the funnel modes, one actor at a time. Events are `0..<timestamps.count`
/// in journey order (timestamps non-decreasing); `masks[i]` bit s: event i matches stage s.
enum FunnelModesReference {
    /// One link of a candidate chain: an event and the stage it fills.
    struct Link: Equatable {
        var event: Int
        var stage: Int
    }

    /// Whether bit i of the mask is set (stage i of a stage mask, exclusion i of an exclusion mask).
    static func bit(_ mask: UInt32, _ i: Int) -> Bool { mask & (UInt32(1) << UInt32(i)) != 0 }

    // MARK: Ordered chains under ChainRules

    /// Whether stage s is required (the optional mask never holds stage 0).
    static func required(_ stage: Int, _ rules: ChainRules) -> Bool { !bit(rules.optional, stage) }

    /// Every sequence of links with increasing event indexes and increasing stages, each event matching
    /// its stage. A superset of the chains (every chain is one, since times strictly increase and
    /// timestamps are non-decreasing); `isChain` picks the chains out.
    static func candidates(masks: [UInt32], stageCount: Int) -> [[Link]] {
        var all: [[Link]] = []
        func extend(_ links: [Link]) {
            all.append(links)
            let firstEvent = (links.last?.event ?? -1) + 1
            let firstStage = (links.last?.stage ?? -1) + 1
            guard firstEvent < masks.count, firstStage < stageCount else { return }
            for event in firstEvent..<masks.count {
                for stage in firstStage..<stageCount where bit(masks[event], stage) {
                    extend(links + [Link(event: event, stage: stage)])
                }
            }
        }
        extend([])
        return all
    }

    /// The definition of a chain, checked literally.
    static func isChain(_ links: [Link], timestamps: [Int64], masks: [UInt32], rules: ChainRules) -> Bool {
        guard let first = links.first, let last = links.last else { return false }
        // Starts at stage 0.
        guard first.stage == 0 else { return false }
        for (index, link) in links.enumerated() {
            // Each event matches its stage.
            guard bit(masks[link.event], link.stage) else { return false }
            guard index > 0 else { continue }
            let previous = links[index - 1]
            // Distinct events, strictly increasing times, increasing stages.
            guard link.event != previous.event, timestamps[link.event] > timestamps[previous.event],
                  link.stage > previous.stage else { return false }
            // Strict: no event of the actor (whatever its mask) strictly between two consecutive links.
            if rules.strict {
                for other in timestamps.indices
                where timestamps[other] > timestamps[previous.event] && timestamps[other] < timestamps[link.event] {
                    return false
                }
            }
        }
        // Every required stage before the last one is on the chain.
        for stage in 0..<last.stage where required(stage, rules) && !links.contains(where: { $0.stage == stage }) {
            return false
        }
        // Within the window of the first event.
        return timestamps[last.event] - timestamps[first.event] <= rules.window
    }

    /// Whether exclusion k (with its X events in `exclusionMasks` bit k) violates the chain: the chain
    /// holds both its stages and some X event (any event, the chain's own included) lies strictly
    /// between their times.
    static func violates(_ k: Int, _ links: [Link], timestamps: [Int64], exclusionMasks: [UInt32], rules: ChainRules)
        -> Bool {
        let exclusion = rules.exclusions[k]
        guard let from = links.first(where: { $0.stage == exclusion.from }),
              let to = links.first(where: { $0.stage == exclusion.to }) else { return false }
        for x in timestamps.indices where x < exclusionMasks.count && bit(exclusionMasks[x], k) {
            if timestamps[x] > timestamps[from.event] && timestamps[x] < timestamps[to.event] { return true }
        }
        return false
    }

    /// `ChainEvaluator`'s result by exhaustive enumeration of the chains.
    static func chain(timestamps: [Int64], masks: [UInt32], exclusionMasks: [UInt32], rules: ChainRules)
        -> ChainResult {
        let chains = candidates(masks: masks, stageCount: rules.stageCount).filter {
            isChain($0, timestamps: timestamps, masks: masks, rules: rules)
        }
        func isViolated(_ links: [Link]) -> Bool {
            rules.exclusions.indices.contains {
                violates($0, links, timestamps: timestamps, exclusionMasks: exclusionMasks, rules: rules)
            }
        }
        let clean = chains.filter { !isViolated($0) }
        func requiredLinks(_ links: [Link]) -> [Link] { links.filter { required($0.stage, rules) } }

        let depth = clean.map { requiredLinks($0).count }.max() ?? 0
        var reached: UInt32 = 0
        for links in clean {
            for link in links { reached |= UInt32(1) << UInt32(link.stage) }
        }
        let excluded = chains.contains(where: isViolated)
        let lastStart = timestamps.indices.filter { bit(masks[$0], 0) }.map { timestamps[$0] }.max()

        var stageTimes: [Int64] = []
        var startIndex: Int?
        if depth > 0 {
            let deepest = clean.filter { requiredLinks($0).count == depth }
            func times(_ links: [Link]) -> [Int64] { requiredLinks(links).map { timestamps[$0.event] } }
            stageTimes = deepest.map(times).min { $0.lexicographicallyPrecedes($1) } ?? []
            startIndex = deepest.filter { times($0) == stageTimes }.map { $0[0].event }.min()
        }
        return ChainResult(depth: depth, reached: reached, excluded: excluded, lastStart: lastStart,
                           stageTimes: stageTimes, startIndex: startIndex)
    }

    // MARK: Any order

    /// The most distinct stages that distinct events among `events` match: every injective assignment
    /// of stages to events is tried (recursion over the stages, each left empty or given an unused
    /// matching event).
    static func steps(_ events: [Int], masks: [UInt32], stageCount: Int) -> Int {
        var best = 0
        func assign(stage: Int, used: [Int]) {
            best = max(best, used.count)
            guard stage < stageCount else { return }
            assign(stage: stage + 1, used: used)
            for event in events where !used.contains(event) && bit(masks[event], stage) {
                assign(stage: stage + 1, used: used + [event])
            }
        }
        assign(stage: 0, used: [])
        return best
    }

    /// `AnyOrderEvaluator`'s result by trying every window and every prefix of it.
    static func anyOrder(timestamps: [Int64], masks: [UInt32], stageCount: Int, window: Int64) -> ActorFunnel {
        let starts = timestamps.indices.filter { masks[$0] != 0 }
        let lastStart = starts.map { timestamps[$0] }.max()
        /// The events with times in [from, to].
        func span(_ from: Int64, _ to: Int64) -> [Int] {
            timestamps.indices.filter { timestamps[$0] >= from && timestamps[$0] <= to }
        }
        func windowSteps(_ start: Int) -> Int {
            steps(span(timestamps[start], timestamps[start] + window), masks: masks, stageCount: stageCount)
        }
        let depth = starts.map(windowSteps).max() ?? 0
        guard depth > 0 else { return ActorFunnel(depth: 0, lastStart: lastStart, stageTimes: []) }
        let t = starts.filter { windowSteps($0) == depth }.map { timestamps[$0] }.min()!
        let stageTimes = (1...depth).map { k in
            timestamps.filter { $0 >= t }.sorted().first { u in
                steps(span(t, u), masks: masks, stageCount: stageCount) >= k
            }!
        }
        let startIndex = starts.filter { timestamps[$0] == t }.min()
        return ActorFunnel(depth: depth, lastStart: lastStart, stageTimes: stageTimes, startIndex: startIndex)
    }

    // MARK: Conversion counting

    /// `ConversionCounter`'s entries, following the procedural definition literally.
    static func conversions(timestamps: [Int64], masks: [UInt32], stageCount: Int, window: Int64) -> [ActorFunnel] {
        var used = [Bool](repeating: false, count: timestamps.count)
        var entries: [ActorFunnel] = []
        for start in timestamps.indices where bit(masks[start], 0) && !used[start] {
            used[start] = true
            let startTime = timestamps[start]
            var previous = startTime
            var times = [startTime]
            stages: for stage in 1..<stageCount {
                for event in timestamps.indices where !used[event] && timestamps[event] > previous
                    && timestamps[event] - startTime <= window && bit(masks[event], stage) {
                    used[event] = true
                    previous = timestamps[event]
                    times.append(previous)
                    continue stages
                }
                break
            }
            entries.append(ActorFunnel(depth: times.count, lastStart: startTime, stageTimes: times, startIndex: start))
        }
        return entries
    }
}

// MARK: - Random actors

/// One random actor: 0...7 events (leaning toward more, so that deep chains and exclusions between
/// stages are common), sorted times in 0...8 (many ties) and masks over `stageCount` bits, a quarter of
/// them matching no stage at all (they matter under strict order and as exclusion events).
private func randomActor(_ random: inout SplitMix64, stageCount: Int) -> (timestamps: [Int64], masks: [UInt32]) {
    let count = max(random.int(0...7), random.int(0...7))
    let timestamps = (0..<count).map { _ in Int64(random.int(0...8)) }.sorted()
    let masks = (0..<count).map { _ in random.chance(0.25) ? 0 : UInt32(random.int(0...(1 << stageCount) - 1)) }
    return (timestamps, masks)
}

/// A readable, reproducible description of the rules for failure messages.
private func describe(_ rules: ChainRules) -> String {
    "stages \(rules.stageCount) window \(rules.window) strict \(rules.strict) "
        + "optional 0b\(String(rules.optional, radix: 2)) "
        + "exclusions \(rules.exclusions.map { "(\($0.from), \($0.to))" })"
}

@Suite("Funnel modes against an exhaustive reference")
struct FunnelModesReferenceTests {
    typealias Reference = FunnelModesReference

    /// Random rules: 1...4 stages, window 1...6, with the requested features drawn at random.
    static func randomRules(_ random: inout SplitMix64, strict: Bool, optional: Bool, exclusions: Bool) -> ChainRules {
        let stageCount = 1 + random.int(0...3)
        var rules = ChainRules(stageCount: stageCount, window: Int64(random.int(1...6)), strict: strict)
        if optional && stageCount > 1 {
            // Any subset of stages 1..<stageCount; never stage 0.
            rules.optional = UInt32(random.int(0...(1 << stageCount) - 1)) & ~1
        }
        if exclusions {
            let required = (0..<stageCount).filter { Reference.required($0, rules) }
            if required.count >= 2 {
                for _ in 0..<random.int(0...2) {
                    let a = random.int(0...required.count - 2)
                    let b = random.int((a + 1)...(required.count - 1))
                    rules.exclusions.append(ChainRules.Exclusion(from: required[a], to: required[b]))
                }
            }
        }
        return rules
    }

    /// Runs `rounds` random rounds of `ChainEvaluator` against the reference, stopping at the first
    /// mismatch. Each round evaluates two actors with one evaluator, so stale buffers show too.
    func checkChains(seed: UInt64, rounds: Int, strict: Bool, optional: Bool, exclusions: Bool) {
        var random = SplitMix64(seed: seed)
        rounds: for round in 0..<rounds {
            let rules = Self.randomRules(&random, strict: strict, optional: optional, exclusions: exclusions)
            var evaluator = ChainEvaluator(rules: rules)
            for actor in 0..<2 {
                let (timestamps, masks) = randomActor(&random, stageCount: rules.stageCount)
                let exclusionMasks = rules.exclusions.isEmpty ? [] : timestamps.map { _ in
                    UInt32(random.int(0...(1 << rules.exclusions.count) - 1))
                }
                let engine = evaluator.evaluate(timestamps: timestamps, masks: masks, exclusionMasks: exclusionMasks)
                let reference = Reference.chain(timestamps: timestamps, masks: masks, exclusionMasks: exclusionMasks,
                                                rules: rules)
                #expect(engine == reference, """
                    round \(round) actor \(actor): timestamps \(timestamps) masks \(masks) \
                    exclusionMasks \(exclusionMasks) \(describe(rules))
                    """)
                if engine != reference { break rounds }
            }
        }
    }

    // MARK: ChainEvaluator, random

    @Test("strict order matches the reference")
    func randomStrict() {
        checkChains(seed: 101, rounds: 3000, strict: true, optional: false, exclusions: false)
    }

    @Test("optional stages match the reference")
    func randomOptional() {
        checkChains(seed: 202, rounds: 3000, strict: false, optional: true, exclusions: false)
    }

    @Test("exclusions match the reference")
    func randomExclusions() {
        checkChains(seed: 303, rounds: 3000, strict: false, optional: false, exclusions: true)
    }

    @Test("strict order, optional stages and exclusions together match the reference")
    func randomCombined() {
        // All three on (the optional mask and the exclusion list may still come out empty in a round).
        checkChains(seed: 404, rounds: 3000, strict: true, optional: true, exclusions: true)
    }

    @Test("with plain rules ChainEvaluator agrees with ActorFunnelEvaluator")
    func plainAgreesWithOrdered() {
        var random = SplitMix64(seed: 505)
        for round in 0..<3000 {
            let stageCount = 1 + random.int(0...3)
            let window = Int64(random.int(1...6))
            let (timestamps, masks) = randomActor(&random, stageCount: stageCount)
            var chain = ChainEvaluator(rules: ChainRules(stageCount: stageCount, window: window))
            var ordered = ActorFunnelEvaluator(stageCount: stageCount, window: window)
            let result = chain.evaluate(timestamps: timestamps, masks: masks)
            let engine = ActorFunnel(depth: result.depth, lastStart: result.lastStart, stageTimes: result.stageTimes,
                                     startIndex: result.startIndex)
            let expected = ordered.evaluate(timestamps: timestamps, masks: masks)
            // Nothing is excluded, and the reached stages are exactly 0..<depth.
            let flagsRight = !result.excluded && result.reached == (UInt32(1) << UInt32(result.depth)) - 1
            #expect(engine == expected && flagsRight, """
                round \(round): timestamps \(timestamps) masks \(masks) stages \(stageCount) window \(window): \
                \(result) vs \(expected)
                """)
            if engine != expected || !flagsRight { break }
        }
    }

    @Test("the reference itself agrees with ActorFunnelEvaluator under plain rules")
    func referenceAgreesWithOrdered() {
        // A check of the reference, not of the new code: under plain rules its chains are the ordered funnel's.
        var random = SplitMix64(seed: 606)
        for round in 0..<2000 {
            let stageCount = 1 + random.int(0...3)
            let window = Int64(random.int(1...6))
            let (timestamps, masks) = randomActor(&random, stageCount: stageCount)
            let result = Reference.chain(timestamps: timestamps, masks: masks, exclusionMasks: [],
                                         rules: ChainRules(stageCount: stageCount, window: window))
            let reference = ActorFunnel(depth: result.depth, lastStart: result.lastStart,
                                        stageTimes: result.stageTimes, startIndex: result.startIndex)
            var ordered = ActorFunnelEvaluator(stageCount: stageCount, window: window)
            let expected = ordered.evaluate(timestamps: timestamps, masks: masks)
            #expect(reference == expected, "round \(round): timestamps \(timestamps) masks \(masks) stages \(stageCount) window \(window)")
            if reference != expected { break }
        }
    }

    // MARK: AnyOrderEvaluator and ConversionCounter, random

    /// Runs `rounds` random rounds of an engine of up to `maxStages` stages and a window of 1-6 against
    /// its reference, stopping at the first mismatch. `engine` makes one engine per round, which
    /// evaluates two actors, so stale buffers show too.
    func checkAgainstReference<Answer: Equatable>(
        seed: UInt64, rounds: Int, maxStages: Int,
        engine makeEngine: (_ stageCount: Int, _ window: Int64) -> ([Int64], [UInt32]) -> Answer,
        reference: (_ timestamps: [Int64], _ masks: [UInt32], _ stageCount: Int, _ window: Int64) -> Answer
    ) {
        var random = SplitMix64(seed: seed)
        rounds: for round in 0..<rounds {
            let stageCount = 1 + random.int(0...maxStages - 1)
            let window = Int64(random.int(1...6))
            let engine = makeEngine(stageCount, window)
            for actor in 0..<2 {
                let (timestamps, masks) = randomActor(&random, stageCount: stageCount)
                let answer = engine(timestamps, masks)
                let expected = reference(timestamps, masks, stageCount, window)
                #expect(answer == expected, """
                    round \(round) actor \(actor): timestamps \(timestamps) masks \(masks) \
                    stages \(stageCount) window \(window)
                    """)
                if answer != expected { break rounds }
            }
        }
    }

    @Test("any order matches the reference")
    func randomAnyOrder() {
        checkAgainstReference(seed: 707, rounds: 2000, maxStages: 6) { stageCount, window in
            var evaluator = AnyOrderEvaluator(stageCount: stageCount, window: window)
            return { evaluator.evaluate(timestamps: $0, masks: $1) }
        } reference: {
            Reference.anyOrder(timestamps: $0, masks: $1, stageCount: $2, window: $3)
        }
    }

    @Test("conversion counting matches the reference")
    func randomConversions() {
        checkAgainstReference(seed: 808, rounds: 3000, maxStages: 4) { stageCount, window in
            var counter = ConversionCounter(stageCount: stageCount, window: window)
            return { counter.entries(timestamps: $0, masks: $1) }
        } reference: {
            Reference.conversions(timestamps: $0, masks: $1, stageCount: $2, window: $3)
        }
    }

    // MARK: Worked examples (checked against both the engine and the reference)

    /// Evaluates with the engine, checks it equals the reference, and returns the engine's result.
    func chain(_ timestamps: [Int64], _ masks: [UInt32], exclusionMasks: [UInt32] = [], _ rules: ChainRules)
        -> ChainResult {
        var evaluator = ChainEvaluator(rules: rules)
        let engine = evaluator.evaluate(timestamps: timestamps, masks: masks, exclusionMasks: exclusionMasks)
        let reference = Reference.chain(timestamps: timestamps, masks: masks, exclusionMasks: exclusionMasks,
                                        rules: rules)
        #expect(engine == reference)
        return engine
    }

    @Test("strict: an unrelated event only breaks the links it lies between")
    func strictUnrelatedEvent() {
        // Stages a, b, c (bits 0, 1, 2); x matches no stage. a@0 x@5 a@10 b@11 c@12.
        // The chain a@10 b@11 c@12 has nothing strictly between its links: depth 3. (ClickHouse's
        // windowFunnel 'strict_order' stops at the first unrelated event after a stage-1 event and says 1.)
        let rules = ChainRules(stageCount: 3, window: 100, strict: true)
        let result = chain([0, 5, 10, 11, 12], [0b001, 0, 0b001, 0b010, 0b100], rules)
        #expect(result == ChainResult(depth: 3, reached: 0b111, excluded: false, lastStart: 10,
                                      stageTimes: [10, 11, 12], startIndex: 2))
        // a@0 a@20 x@21 b@22 c@23: x lies strictly between a@20 and b@22 (and x, a@20 between a@0 and
        // b@22), so no chain gets past stage a: depth 1, on the earliest start a@0.
        let broken = chain([0, 20, 21, 22, 23], [0b001, 0b001, 0, 0b010, 0b100], rules)
        #expect(broken.depth == 1)
        #expect(broken.lastStart == 20)
        #expect(broken.stageTimes == [0])
        #expect(broken.startIndex == 0)
    }

    @Test("strict: times must strictly increase, and a required stage cannot be skipped")
    func strictTies() {
        // a@0 b@0 c@1: b at the same instant as a cannot follow it (times strictly increase), and the
        // chain a@0 c@1 would skip the required stage b: depth 1. (The same without strict order.)
        let rules = ChainRules(stageCount: 3, window: 100, strict: true)
        let result = chain([0, 0, 1], [0b001, 0b010, 0b100], rules)
        #expect(result == ChainResult(depth: 1, reached: 0b001, excluded: false, lastStart: 0,
                                      stageTimes: [0], startIndex: 0))
        // Events at the same instant as a link's end do not break it: a@0 z@0 b@1 z@1 c@2 (z: no stage).
        let ties = chain([0, 0, 1, 1, 2], [0b001, 0, 0b010, 0, 0b100], rules)
        #expect(ties.depth == 3)
        #expect(ties.stageTimes == [0, 1, 2])
    }

    @Test("exclusion: an X event strictly between the two stages cuts the chain")
    func exclusionBetweenStages() {
        // Stages product, cart, order; exclusion 0 = chat between cart (1) and order (2).
        let rules = ChainRules(stageCount: 3, window: 100, exclusions: [ChainRules.Exclusion(from: 1, to: 2)])
        // product@0 cart@1 chat@2 order@3: the only 3-stage chain has chat strictly between cart and
        // order, so it is not clean: depth 2, and the actor is flagged excluded.
        let cut = chain([0, 1, 2, 3], [0b001, 0b010, 0, 0b100], exclusionMasks: [0, 0, 0b1, 0], rules)
        #expect(cut == ChainResult(depth: 2, reached: 0b011, excluded: true, lastStart: 0,
                                   stageTimes: [0, 1], startIndex: 0))
        // product@0 cart@1 chat@1 order@3: chat at the same instant as cart is not strictly between.
        let clean = chain([0, 1, 1, 3], [0b001, 0b010, 0, 0b100], exclusionMasks: [0, 0, 0b1, 0], rules)
        #expect(clean == ChainResult(depth: 3, reached: 0b111, excluded: false, lastStart: 0,
                                     stageTimes: [0, 1, 3], startIndex: 0))
        // product@0 cart@2 chat@4 cart@5 order@6: the chain through the second cart is clean (depth 3,
        // times [0, 5, 6]) but the one through the first cart is not, so the actor is still flagged excluded.
        let both = chain([0, 2, 4, 5, 6], [0b001, 0b010, 0, 0b010, 0b100], exclusionMasks: [0, 0, 0b1, 0, 0], rules)
        #expect(both == ChainResult(depth: 3, reached: 0b111, excluded: true, lastStart: 0,
                                    stageTimes: [0, 5, 6], startIndex: 0))
    }

    @Test("optional stage: a chain may skip it, and it does not count toward depth")
    func optionalCoupon() {
        // Stages product, cart, coupon (optional, bit 2), order. product@0 cart@1 order@2 skips the
        // coupon: 3 required stages reached, and the coupon bit is not in `reached`.
        let rules = ChainRules(stageCount: 4, window: 100, optional: 0b0100)
        let result = chain([0, 1, 2], [0b0001, 0b0010, 0b1000], rules)
        #expect(result == ChainResult(depth: 3, reached: 0b1011, excluded: false, lastStart: 0,
                                      stageTimes: [0, 1, 2], startIndex: 0))
        // With the coupon used between cart and order its bit is reached; stage times stay the required ones'.
        let withCoupon = chain([0, 1, 2, 3], [0b0001, 0b0010, 0b0100, 0b1000], rules)
        #expect(withCoupon == ChainResult(depth: 3, reached: 0b1111, excluded: false, lastStart: 0,
                                          stageTimes: [0, 1, 3], startIndex: 0))
    }

    @Test("conversions: each stage-0 event not yet used starts an entry; used events stay used")
    func conversionEntries() {
        // Stages a, b, window 10: a@0 a@1 b@2 b@3 -> two entries, a@0 b@2 and a@1 b@3.
        var counter = ConversionCounter(stageCount: 2, window: 10)
        let two = counter.entries(timestamps: [0, 1, 2, 3], masks: [0b01, 0b01, 0b10, 0b10])
        #expect(two == [ActorFunnel(depth: 2, lastStart: 0, stageTimes: [0, 2], startIndex: 0),
                        ActorFunnel(depth: 2, lastStart: 1, stageTimes: [1, 3], startIndex: 1)])
        #expect(two == Reference.conversions(timestamps: [0, 1, 2, 3], masks: [0b01, 0b01, 0b10, 0b10],
                                             stageCount: 2, window: 10))
        // Stages a, b, c, window 3: a@0 a@2 b@3 c@4. The first entry takes b@3 but c@4 is out of its
        // window (depth 2); b@3 stays used, so the second entry (a@2) finds no b: depth 1.
        var three = ConversionCounter(stageCount: 3, window: 3)
        let kept = three.entries(timestamps: [0, 2, 3, 4], masks: [0b001, 0b001, 0b010, 0b100])
        #expect(kept == [ActorFunnel(depth: 2, lastStart: 0, stageTimes: [0, 3], startIndex: 0),
                         ActorFunnel(depth: 1, lastStart: 2, stageTimes: [2], startIndex: 1)])
        #expect(kept == Reference.conversions(timestamps: [0, 2, 3, 4], masks: [0b001, 0b001, 0b010, 0b100],
                                              stageCount: 3, window: 3))
    }

    @Test("any order: stages may come in any order, and at one instant")
    func anyOrderExamples() {
        // Stages a, b: b@0 a@1 -> depth 2, stage times [0, 1] (one step by 0, two by 1).
        var evaluator = AnyOrderEvaluator(stageCount: 2, window: 10)
        let reversed = evaluator.evaluate(timestamps: [0, 1], masks: [0b10, 0b01])
        #expect(reversed == ActorFunnel(depth: 2, lastStart: 1, stageTimes: [0, 1], startIndex: 0))
        #expect(reversed == Reference.anyOrder(timestamps: [0, 1], masks: [0b10, 0b01], stageCount: 2, window: 10))
        // Two events at one instant fill two stages: a@0 b@0 -> depth 2, stage times [0, 0].
        let tied = evaluator.evaluate(timestamps: [0, 0], masks: [0b01, 0b10])
        #expect(tied == ActorFunnel(depth: 2, lastStart: 0, stageTimes: [0, 0], startIndex: 0))
        #expect(tied == Reference.anyOrder(timestamps: [0, 0], masks: [0b01, 0b10], stageCount: 2, window: 10))
        // One event matching both stages is one step; the matching must pick well: e1 = {a, b} @0,
        // e2 = {a} @5 -> e1 fills b, e2 fills a: depth 2, times [0, 5]. Window 4 cuts e2 off: depth 1.
        let shared = evaluator.evaluate(timestamps: [0, 5], masks: [0b11, 0b01])
        #expect(shared == ActorFunnel(depth: 2, lastStart: 5, stageTimes: [0, 5], startIndex: 0))
        #expect(shared == Reference.anyOrder(timestamps: [0, 5], masks: [0b11, 0b01], stageCount: 2, window: 10))
        var narrow = AnyOrderEvaluator(stageCount: 2, window: 4)
        let cut = narrow.evaluate(timestamps: [0, 5], masks: [0b11, 0b01])
        #expect(cut == ActorFunnel(depth: 1, lastStart: 5, stageTimes: [0], startIndex: 0))
        #expect(cut == Reference.anyOrder(timestamps: [0, 5], masks: [0b11, 0b01], stageCount: 2, window: 4))
    }
}
