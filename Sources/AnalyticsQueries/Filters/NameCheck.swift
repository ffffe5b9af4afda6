import Foundation
import AnalyticsCore
import AnalyticsStorage

/// A name a query asks for that no stored row has. Such a query still runs and gives a
/// believable-looking result (a stage nobody reaches, an anchor nobody has), so the tool
/// warns, or refuses with `--strict-names`.
public struct UnknownName: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case eventType = "event type"
        case page = "page matching"
        case value = "value"
    }

    public let kind: Kind
    public let name: String
    /// Where it was named: `stage cart`, `--start`, `--where channel=emial`.
    public let context: String
    /// The closest known name, when one is close.
    public let suggestion: String?

    public var description: String {
        "\(context): no \(kind.rawValue) '\(name)' in the database" + (suggestion.map { "; did you mean '\($0)'?" } ?? "")
    }
}

/// Checks the names a query uses against the labels a database holds.
package struct NameCheck {
    let names: LabelNames
    let roles: EventRoles
    let catalog: FieldCatalog

    package init(database: Database) throws {
        names = try LabelNames(database: database)
        roles = try EventRoles(database: database)
        catalog = try FieldCatalog(database: database)
    }

    /// Event type names: an event type of a stored row, or a role (`order`, `page_view`) one of whose types is.
    package func eventTypes(_ events: [String], context: String) -> [UnknownName] {
        let known = names.all(kind: "event_type")
        return events.compactMap { event in
            let matching = EventRole(rawValue: event).map { roles.types($0) } ?? [event]
            guard !matching.contains(where: { known[$0] != nil }) else { return nil }
            return UnknownName(kind: .eventType, name: event, context: context,
                               suggestion: Self.closest(event, among: Array(known.keys)))
        }
    }

    /// Everything a journey names: each stage's event types, page glob, touchpoint values and `where:` values.
    package func journey(_ journey: JourneyDefinition) -> [UnknownName] {
        journey.stages.flatMap(stage) + journey.exclusions.flatMap { exclusion in
            eventTypes(exclusion.events, context: "exclusion between \(journey.stages[exclusion.fromStage].name) and "
                       + journey.stages[exclusion.toStage].name)
        }
    }

    package func stage(_ stage: StageDefinition) -> [UnknownName] {
        let context = "stage \(stage.name)"
        var unknown = eventTypes(stage.events, context: context)
        if let glob = stage.page, !names.all(kind: "page").keys.contains(where: { fnmatch(glob, $0, 0) == 0 }) {
            unknown.append(UnknownName(kind: .page, name: glob, context: context, suggestion: nil))
        }
        for (kind, value) in [("channel", stage.channel), ("device", stage.device), ("campaign", stage.campaign)] {
            if let value { unknown += values([value], kind: kind, context: "\(context) \(kind)") }
        }
        return unknown + filters(stage.filters, context: context)
    }

    /// The values of `=`/`!=` conditions (numbers, globs and presence are not names).
    package func filters(_ filters: [FieldFilter], context: String = "--where") -> [UnknownName] {
        filters.flatMap { filter -> [UnknownName] in
            guard let source = try? catalog.resolve(filter.field) else { return [] } // Unknown fields are errors elsewhere.
            switch filter.operation {
            case .anyOf(let list), .noneOf(let list):
                return values(list, kind: source.labelKind, context: "\(context) \(filter.text)")
            default:
                return []
            }
        }
    }

    private func values(_ list: [String], kind: String, context: String) -> [UnknownName] {
        let known = names.all(kind: kind)
        return list.filter { !$0.isEmpty && known[$0] == nil }.map {
            UnknownName(kind: kind == "event_type" ? .eventType : .value, name: $0, context: context,
                        suggestion: Self.closest($0, among: Array(known.keys)))
        }
    }

    /// The known name closest to `name` by edit distance (case-insensitive), when it is close.
    static func closest(_ name: String, among known: [String]) -> String? {
        UnknownField(name: name, known: known.sorted()).suggestion
    }
}
