/// The per-actor evaluator a journey needs: the plain ordered one (the
/// fastest), the chain one (strict order, optional stages, exclusions), any
/// order, or conversions (several entries per actor).
struct FunnelEvaluator {
    /// One actor's (or entry's) result, whichever evaluator computed it.
    struct Outcome {
        /// Required stages (steps, in any order) reached.
        var depth: Int
        /// Optional stages reached (bit i: stage i).
        var optionalReached: UInt32 = 0
        /// Some chain had an excluded event between its stages (`drop_actor` leaves the actor out).
        var excluded = false
        /// The latest time a new chain (or this entry) could start, for judging open windows.
        var lastStart: Int64?
        /// The required stages' times on the reported chain.
        var stageTimes: [Int64]
        /// The reported chain's stage-1 event, relative to the actor's first record.
        var startIndex: Int?

        init(_ actor: ActorFunnel) {
            depth = actor.depth
            lastStart = actor.lastStart
            stageTimes = actor.stageTimes
            startIndex = actor.startIndex
        }

        init(_ chain: ChainResult, optional: UInt32) {
            depth = chain.depth
            optionalReached = chain.reached & optional
            excluded = chain.excluded
            lastStart = chain.lastStart
            stageTimes = chain.stageTimes
            startIndex = chain.startIndex
        }
    }

    // Exactly one is set; kept apart (not in an enum) so each is mutated in place.
    private var plain: ActorFunnelEvaluator?
    private var chain: ChainEvaluator?
    private var anyOrder: AnyOrderEvaluator?
    private var conversions: ConversionCounter?
    private let optional: UInt32
    /// The outcomes of the last actor evaluated: one, or one per entry when counting conversions.
    private(set) var outcomes: [Outcome] = []

    init(journey: JourneyDefinition, rules: ChainRules) {
        optional = rules.optional
        switch (journey.order, journey.count) {
        case (.any, _): anyOrder = AnyOrderEvaluator(stageCount: rules.stageCount, window: rules.window)
        case (_, .conversions): conversions = ConversionCounter(stageCount: rules.stageCount, window: rules.window)
        default:
            if journey.isPlainOrdered { plain = ActorFunnelEvaluator(stageCount: rules.stageCount, window: rules.window) }
            else { chain = ChainEvaluator(rules: rules) }
        }
    }

    /// Evaluates one actor into `outcomes`.
    mutating func evaluate(timestamps: UnsafeBufferPointer<Int64>, masks: UnsafeBufferPointer<UInt32>,
                           exclusionMasks: UnsafeBufferPointer<UInt32>) {
        outcomes.removeAll(keepingCapacity: true)
        if plain != nil {
            outcomes.append(Outcome(plain!.evaluate(timestamps: timestamps, masks: masks)))
        } else if chain != nil {
            outcomes.append(Outcome(chain!.evaluate(timestamps: timestamps, masks: masks, exclusionMasks: exclusionMasks),
                                    optional: optional))
        } else if anyOrder != nil {
            outcomes.append(Outcome(anyOrder!.evaluate(timestamps: timestamps, masks: masks)))
        } else {
            for entry in conversions!.entries(timestamps: timestamps, masks: masks) { outcomes.append(Outcome(entry)) }
        }
    }
}
