import Analytics
import ArgumentParser

struct Paths: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Paths: the most common sequences of events after (or before) an anchor event.",
        discussion: """
            Each actor's path starts at its first --start event (or its first event, or the first event matching \
            --start-stage), and follows the next events up to --steps nodes in all; a shorter path ends with (end). \
            With --end the path is the events leading to the actor's last --end event, and a shorter one starts with \
            (start). Orders from an orders file appear as `order`. The edges (--edges, and always in JSON) are what a \
            Sankey diagram draws. Definitions: docs/metrics.md, "Paths".
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption
    @OptionGroup var period: TimeRangeOptions
    @OptionGroup var conditions: FilterOptions
    @OptionGroup var names: NameCheckOption

    @Option(help: ArgumentHelp("Anchor: the actor's first event of this type.", valueName: "event"))
    var start: String?

    @Option(help: ArgumentHelp("Anchor: the actor's first event matching this stage of the journey (--journey).",
                               valueName: "stage"))
    var startStage: String?

    @Option(help: ArgumentHelp("Anchor: the actor's last event of this type; paths lead to it.", valueName: "event"))
    var end: String?

    @Option(help: ArgumentHelp("A journey file (YAML or JSON) for --start-stage; default: the built-in customer journey.",
                               valueName: "file"))
    var journey: String?

    @Option(help: "Nodes per path, the anchor included.")
    var steps = 5

    @Option(help: "Who follows a path: user or session.")
    var by: FunnelActor = .user

    @Flag(help: "Merge consecutive repeats of the same event type into one node.")
    var collapse = false

    @Option(help: "How many of the most common paths to list.")
    var top = 10

    @Flag(help: "Print the step-to-step edges (step, from, to, actors) instead of the paths.")
    var edges = false

    func validate() throws {
        if [start, startStage, end].compactMap({ $0 }).count > 1 {
            throw ValidationError("choose one anchor: --start, --start-stage or --end.")
        }
        if journey != nil && startStage == nil { throw ValidationError("--journey is only read with --start-stage.") }
        guard (1...PathQuery.maximumSteps).contains(steps) else {
            throw ValidationError("--steps must be between 1 and \(PathQuery.maximumSteps).")
        }
        if top < 1 { throw ValidationError("--top must be at least 1.") }
    }

    func run() throws {
        var query = PathQuery()
        if let start { query.anchor = .start(start) }
        if let end { query.anchor = .end(end) }
        if let startStage {
            let definition = try journey.map(JourneyDefinition.load(path:)) ?? .customerJourney
            guard let stage = definition.stages.first(where: { $0.name == startStage }) else {
                throw ValidationError("the journey '\(definition.name)' has no stage '\(startStage)'; its stages: "
                                      + definition.stages.map(\.name).joined(separator: ", ") + ".")
            }
            query.anchor = .startStage(stage)
        }
        query.steps = steps
        query.actor = by
        query.collapse = collapse
        query.top = top
        query.range = try period.range()
        query.filters = conditions.filters
        let anchorStage: JourneyDefinition?
        if case .startStage(let stage) = query.anchor {
            anchorStage = JourneyDefinition(name: "paths", windowMilliseconds: 1, stages: [stage])
        } else {
            anchorStage = nil
        }
        let named = [("--start", start), ("--end", end)].compactMap { context, name in name.map { (context: context, name: $0) } }
        let report = try global.withWorkspace { workspace in
            try names.report(try workspace.unknownNames(journey: anchorStage, events: named, filters: query.filters))
            return try workspace.paths(query)
        }
        emit(report.render(output.format, edges: edges))
    }
}
