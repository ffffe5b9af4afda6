import AnalyticsCore
import AnalyticsStorage

/// The fields a database knows: the built-in ones and the properties its files
/// brought. Resolves the names of `--where` and `--breakdown`/`--by`.
package struct FieldCatalog: Sendable {
    /// Where a field's value of an event is stored.
    package enum Source: Sendable, Equatable, Hashable {
        case eventType, page, channel, device, campaign
        case property(id: Int64, name: String)

        /// The `labels.kind` of the field's values.
        package var labelKind: String {
            switch self {
            case .eventType: return "event_type"
            case .page: return "page"
            case .channel: return "channel"
            case .device: return "device"
            case .campaign: return "campaign"
            case .property(_, let name): return PropertyCodec.labelKind(name)
            }
        }
    }

    /// The built-in fields by name.
    package static let builtIn: [(name: String, source: Source)] = [
        ("event_type", .eventType), ("page", .page), ("channel", .channel), ("device", .device), ("campaign", .campaign),
    ]

    /// Property ids by name.
    package let properties: [String: Int64]

    package init(database: Database) throws {
        properties = Dictionary(uniqueKeysWithValues: try database.query("SELECT name, id FROM properties") {
            ($0.string(0), $0.int64(1))
        })
    }

    package init(properties: [String: Int64]) {
        self.properties = properties
    }

    /// Every field name, built-in ones first.
    package var names: [String] { Self.builtIn.map(\.name) + properties.keys.sorted() }

    /// The source of a field name.
    /// - Throws: `UnknownField` listing the known fields and the closest one.
    package func resolve(_ name: String) throws -> Source {
        if let builtIn = Self.builtIn.first(where: { $0.name == name }) { return builtIn.source }
        if let id = properties[name] { return .property(id: id, name: name) }
        throw UnknownField(name: name, known: names)
    }
}

/// A `--where` or breakdown field that the database does not know.
public struct UnknownField: Error, CustomStringConvertible, Equatable {
    public let name: String
    public let known: [String]

    public init(name: String, known: [String]) {
        self.name = name
        self.known = known
    }

    /// The known name closest to `name` (by edit distance), when it is close.
    public var suggestion: String? {
        let lower = name.lowercased()
        let best = known.map { ($0, Self.distance(lower, $0.lowercased())) }.min { ($0.1, $0.0) < ($1.1, $1.0) }
        guard let best, best.1 <= max(2, lower.count / 3) else { return nil }
        return best.0
    }

    public var description: String {
        "unknown field '\(name)'" + (suggestion.map { "; did you mean '\($0)'?" } ?? "")
            + " Known fields: " + known.joined(separator: ", ")
    }

    /// Levenshtein distance.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
