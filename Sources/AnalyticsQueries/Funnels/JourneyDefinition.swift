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
        var excludeNode: Node?
        var order = FunnelOrder.ordered, count = FunnelCount.actors, excludeMode = ExcludeMode.cut
        func choice<Choice: RawRepresentable & CaseIterable>(_ value: Node, _ key: String) throws -> Choice
        where Choice.RawValue == String {
            guard let text = value.string, let parsed = Choice(rawValue: text.replacingOccurrences(of: "-", with: "_")) else {
                throw fail(value, "bad \(key) '\(value.string ?? "")' (known: \(Choice.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return parsed
        }
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
            case "order": order = try choice(value, "order")
            case "count": count = try choice(value, "count")
            case "exclude_mode": excludeMode = try choice(value, "exclude_mode")
            case "exclude": excludeNode = value
            case "description":
                continue
            case let other:
                throw fail(keyNode, "unknown key '\(other)' (known: name, window, order, count, stages, exclude, exclude_mode, description)")
            }
        }
        guard let stagesNode else { throw fail(root, "the journey has no stages") }
        guard case .sequence(let items) = stagesNode else { throw fail(stagesNode, "stages must be a list") }
        guard !items.isEmpty else { throw fail(stagesNode, "the journey has no stages") }
        guard items.count <= maximumStages else { throw fail(stagesNode, "at most \(maximumStages) stages") }
        /// A list of event types: one text or a list of texts.
        func eventList(_ value: Node, _ key: String) throws -> [String] {
            switch value {
            case .scalar:
                guard let text = value.string, !text.isEmpty else { throw fail(value, "\(key) must be a non-empty text") }
                return [text]
            case .sequence(let list):
                return try list.map { item in
                    guard let text = item.string, !text.isEmpty else { throw fail(item, "events must be texts") }
                    return text
                }
            default: throw fail(value, "events must be a list of event types")
            }
        }
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
                case "events", "event": stage.events = try eventList(value, key)
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
                case "optional":
                    guard let flag = value.bool else { throw fail(value, "optional must be true or false") }
                    stage.optional = flag
                default:
                    throw fail(keyNode, "unknown stage key '\(key)' (known: name, events, page, channel, device, campaign, where, optional)")
                }
            }
            guard !stage.name.isEmpty else { throw fail(item, "a stage needs a name") }
            guard !stage.events.isEmpty else { throw fail(item, "stage '\(stage.name)' needs events") }
            guard !stages.contains(where: { $0.name == stage.name }) else {
                throw fail(item, "two stages are named '\(stage.name)': stage names must be unique")
            }
            stages.append(stage)
        }
        var exclusions: [ExclusionDefinition] = []
        if let excludeNode {
            guard case .sequence(let list) = excludeNode else {
                throw fail(excludeNode, "exclude must be a list such as - {events: [support_chat], between: [cart, order]}")
            }
            for item in list {
                guard case .mapping(let fields) = item else { throw fail(item, "an exclusion must be a mapping with events and between") }
                var exclusion = ExclusionDefinition(events: [], fromStage: 0, toStage: stages.count - 1)
                for (keyNode, value) in fields {
                    switch keyNode.string ?? "" {
                    case "events", "event": exclusion.events = try eventList(value, "events")
                    case "between":
                        guard case .sequence(let ends) = value, ends.count == 2 else {
                            throw fail(value, "between must name two stages, such as [cart, order]")
                        }
                        let indexes = try ends.map { end -> Int in
                            guard let index = stages.firstIndex(where: { $0.name == end.string }) else {
                                throw fail(end, "between names '\(end.string ?? "")', which is not a stage (stages: "
                                           + stages.map(\.name).joined(separator: ", ") + ")")
                            }
                            return index
                        }
                        exclusion.fromStage = indexes[0]
                        exclusion.toStage = indexes[1]
                    case let other:
                        throw fail(keyNode, "unknown exclusion key '\(other)' (known: events, between)")
                    }
                }
                guard !exclusion.events.isEmpty else { throw fail(item, "an exclusion needs events") }
                exclusions.append(exclusion)
            }
        }
        let journey = JourneyDefinition(name: name, windowMilliseconds: window, stages: stages, order: order, count: count,
                                        exclusions: exclusions, excludeMode: excludeMode)
        if let problem = journey.problem { throw fail(excludeNode ?? stagesNode, problem) }
        return journey
    }

    /// Whether this is the plain ordered funnel counting actors (no optional stage, no exclusion):
    /// what `windowFunnel` and the ordered evaluator compute.
    public var isPlainOrdered: Bool {
        order == .ordered && count == .actors && exclusions.isEmpty && !stages.contains(where: \.optional)
    }

    /// Why this combination of stages, order, count and exclusions cannot be
    /// computed, or nil when it can (docs/metrics.md lists what combines).
    public var problem: String? {
        let names = Set(stages.map(\.name))
        if names.count != stages.count { return "stage names must be unique" }
        if stages.first?.optional == true { return "the first stage ('\(stages[0].name)') cannot be optional" }
        for exclusion in exclusions {
            let from = stages[exclusion.fromStage].name, to = stages[exclusion.toStage].name
            guard exclusion.fromStage < exclusion.toStage else {
                return "exclusion between [\(from), \(to)]: name two different stages, the earlier first"
            }
            if let optional = [exclusion.fromStage, exclusion.toStage].first(where: { stages[$0].optional }) {
                return "exclusion between [\(from), \(to)]: '\(stages[optional].name)' is optional; exclusions name required stages"
            }
        }
        let hasOptional = stages.contains(where: \.optional)
        if order == .any {
            if hasOptional { return "order: any cannot have optional stages (every stage is a step)" }
            if !exclusions.isEmpty { return "order: any cannot have exclusions (no stage comes between two others)" }
            if count == .conversions { return "count: conversions needs order: ordered" }
        }
        if count == .conversions {
            if order != .ordered { return "count: conversions needs order: ordered" }
            if hasOptional { return "count: conversions cannot have optional stages" }
            if !exclusions.isEmpty { return "count: conversions cannot have exclusions" }
        }
        return nil
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
