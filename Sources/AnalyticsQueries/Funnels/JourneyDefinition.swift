import Foundation
import Yams
import AnalyticsCore

/// One stage of a journey: the events that count as reaching it, optionally
/// narrowed by page (a glob such as `/checkout*`) and by the touchpoint of the
/// event's session (channel, device, campaign).
public struct StageDefinition: Sendable, Equatable {
    public var name: String
    /// Event types that match (`order` matches orders).
    public var events: [String]
    public var page: String?
    public var channel: String?
    public var device: String?
    public var campaign: String?
    /// Conditions an event must also meet to match this stage (the journey file's `where:` list).
    public var filters: [FieldFilter] = []
    /// A chain may skip this stage; it is not counted in an actor's depth.
    public var optional = false

    public init(name: String, events: [String], page: String? = nil, channel: String? = nil, device: String? = nil,
                campaign: String? = nil, filters: [FieldFilter] = [], optional: Bool = false) {
        self.filters = filters
        self.optional = optional
        self.name = name
        self.events = events
        self.page = page
        self.channel = channel
        self.device = device
        self.campaign = campaign
    }
}

/// How the stages of a journey must follow each other (docs/metrics.md, "Funnel order").
public enum FunnelOrder: String, CaseIterable, Sendable {
    /// Stages in order with strictly increasing times; other events may come between.
    case ordered
    /// As ordered, and no other event of the actor strictly between two consecutive stages.
    case strict
    /// The stages in any order: an actor reaches k steps with k different stages in one window.
    case any
}

/// What a funnel counts (docs/metrics.md, "Counting conversions").
public enum FunnelCount: String, CaseIterable, Sendable {
    /// Actors (users or sessions): each once, at its deepest chain.
    case actors
    /// Entries: every unused stage-1 event starts one (Mixpanel's "totals").
    case conversions
}

/// What an exclusion does to an actor with an excluded event between the two stages.
public enum ExcludeMode: String, CaseIterable, Sendable {
    /// The chain counts only up to the stage before the exclusion's end stage.
    case cut
    /// The actor is left out of every stage (PostHog's behaviour).
    case dropActor = "drop_actor"
}

/// Events that must not happen strictly between two stages of a chain.
public struct ExclusionDefinition: Sendable, Equatable {
    /// Event types that exclude (roles such as `order` match their types).
    public var events: [String]
    /// Indexes into the journey's stages: the exclusion applies between these two.
    public var fromStage: Int
    public var toStage: Int

    public init(events: [String], fromStage: Int, toStage: Int) {
        self.events = events
        self.fromStage = fromStage
        self.toStage = toStage
    }
}

/// An ordered list of stages and the conversion window: the longest time
/// allowed from the stage-1 event to the last stage's event; how stages must
/// follow each other, what is counted, and which events exclude a chain.
public struct JourneyDefinition: Sendable, Equatable {
    public var name: String
    public var windowMilliseconds: Int64
    public var stages: [StageDefinition]
    public var order: FunnelOrder = .ordered
    public var count: FunnelCount = .actors
    public var exclusions: [ExclusionDefinition] = []
    public var excludeMode: ExcludeMode = .cut

    public init(name: String, windowMilliseconds: Int64, stages: [StageDefinition], order: FunnelOrder = .ordered,
                count: FunnelCount = .actors, exclusions: [ExclusionDefinition] = [], excludeMode: ExcludeMode = .cut) {
        self.name = name
        self.windowMilliseconds = windowMilliseconds
        self.stages = stages
        self.order = order
        self.count = count
        self.exclusions = exclusions
        self.excludeMode = excludeMode
    }

    /// The most stages a journey may have.
    public static let maximumStages = 32

    /// The built-in five-stage customer journey.
    public static let customerJourney = JourneyDefinition(
        name: "customer-journey", windowMilliseconds: 30 * 86_400_000,
        stages: [
            StageDefinition(name: "awareness", events: ["page_view"]),
            StageDefinition(name: "consideration", events: ["product_view"]),
            StageDefinition(name: "purchase", events: ["order"]),
            StageDefinition(name: "retention", events: ["order"]),
            StageDefinition(name: "advocacy", events: ["review", "referral", "share"]),
        ])

    /// Why a journey file was refused, with the line it is about.
    public struct Invalid: Error, CustomStringConvertible, Equatable {
        public let source: String
        public let line: Int?
        public let problem: String

        public var description: String {
            "\(source)\(line.map { ":\($0)" } ?? ""): \(problem)"
        }
    }

    /// Reads a journey file (YAML, or JSON, which is YAML too).
    /// - Throws: `JourneyDefinition.Invalid` naming the line and the problem.
    public static func load(path: String) throws -> JourneyDefinition {
        let (contents, problem) = YAMLLimits.read(path)
        guard let text = contents else { throw Invalid(source: path, line: nil, problem: problem ?? "cannot read the file") }
        return try parse(text, source: path)
    }

    /// Parses journey YAML/JSON text.
    public static func parse(_ text: String, source: String = "journey") throws -> JourneyDefinition {
        func fail(_ node: Node?, _ problem: String) -> Invalid {
            Invalid(source: source, line: node?.mark?.line, problem: problem)
        }
        if let problem = YAMLLimits.problem(text) { throw Invalid(source: source, line: nil, problem: problem) }
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch let error as YamlError {
            throw Invalid(source: source, line: Self.line(of: error), problem: "not valid YAML or JSON: \(error)")
        }
        guard let root, case .mapping(let mapping) = root else {
            throw fail(root, "a journey must be a mapping with name, window and stages")
        }
        var name = "journey"
        var window: Int64 = customerJourney.windowMilliseconds
        var stagesNode: Node?
        for (keyNode, value) in mapping {
            switch keyNode.string ?? "" {
            case "name":
                guard let text = value.string, !text.isEmpty else { throw fail(value, "name must be a non-empty text") }
                name = text
            case "window":
                guard let text = value.string, let parsed = DurationText.milliseconds(text), parsed > 0 else {
                    throw fail(value, "bad window '\(value.string ?? "")': use a duration such as 30m, 12h, 7d or 30d, at most 1000 years")
                }
                window = parsed
            case "stages":
                stagesNode = value
            case "description":
                continue
            case let other:
                throw fail(keyNode, "unknown key '\(other)' (known: name, window, stages, description)")
            }
        }
        guard let stagesNode else { throw fail(root, "the journey has no stages") }
        guard case .sequence(let items) = stagesNode else { throw fail(stagesNode, "stages must be a list") }
        guard !items.isEmpty else { throw fail(stagesNode, "the journey has no stages") }
        guard items.count <= maximumStages else { throw fail(stagesNode, "at most \(maximumStages) stages") }
        var stages: [StageDefinition] = []
        for item in items {
            guard case .mapping(let fields) = item else { throw fail(item, "a stage must be a mapping with name and events") }
            var stage = StageDefinition(name: "", events: [])
            for (keyNode, value) in fields {
                let key = keyNode.string ?? ""
                func text() throws -> String {
                    guard let text = value.string, !text.isEmpty else { throw fail(value, "\(key) must be a non-empty text") }
                    return text
                }
                switch key {
                case "name": stage.name = try text()
                case "events", "event":
                    switch value {
                    case .scalar: stage.events = [try text()]
                    case .sequence(let list):
                        stage.events = try list.map { item in
                            guard let text = item.string, !text.isEmpty else { throw fail(item, "events must be texts") }
                            return text
                        }
                    default: throw fail(value, "events must be a list of event types")
                    }
                case "page": stage.page = try text()
                case "where":
                    let items: [Node]
                    switch value {
                    case .scalar: items = [value]
                    case .sequence(let list): items = Array(list)
                    default: throw fail(value, "where must be a list of conditions such as brand=samsung")
                    }
                    stage.filters = try items.map { item in
                        guard let text = item.string else { throw fail(item, "a where condition must be a text") }
                        do { return try FieldFilter(parsing: text) } catch let error as FieldFilter.Malformed {
                            throw fail(item, error.description)
                        }
                    }
                case "channel": stage.channel = try text()
                case "device": stage.device = try text()
                case "campaign": stage.campaign = try text()
                default:
                    throw fail(keyNode, "unknown stage key '\(key)' (known: name, events, page, channel, device, campaign, where)")
                }
            }
            guard !stage.name.isEmpty else { throw fail(item, "a stage needs a name") }
            guard !stage.events.isEmpty else { throw fail(item, "stage '\(stage.name)' needs events") }
            stages.append(stage)
        }
        return JourneyDefinition(name: name, windowMilliseconds: window, stages: stages)
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case let .scanner(_, _, mark, _), let .parser(_, _, mark, _), let .composer(_, _, mark, _):
            return mark.line
        default:
            return nil
        }
    }
}
