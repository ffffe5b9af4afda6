/// The names behind label ids, for showing results.
package struct LabelNames: Sendable {
    private let names: [Int64: String]
    private let idsByKind: [String: [String: Int64]]

    /// Loads every label.
    package init(database: Database) throws {
        var names: [Int64: String] = [:]
        var idsByKind: [String: [String: Int64]] = [:]
        for (id, kind, value) in try database.query("SELECT id, kind, value FROM labels", [], {
            ($0.int64(0), $0.string(1), $0.string(2))
        }) {
            names[id] = value
            idsByKind[kind, default: [:]][value] = id
        }
        self.names = names
        self.idsByKind = idsByKind
    }

    /// The name of a label id; `(none)` for nil or unknown ids.
    package func name(_ id: Int64?) -> String {
        guard let id, let name = names[id], !name.isEmpty else { return Self.none }
        return name
    }

    /// The id of a label of a kind (`event_type`, `page`, `channel`, ...), if it exists.
    package func id(kind: String, value: String) -> Int64? { idsByKind[kind]?[value] }

    /// Every (value, id) of a kind.
    package func all(kind: String) -> [String: Int64] { idsByKind[kind] ?? [:] }

    /// How a missing touchpoint value is shown.
    package static let none = "(none)"
}
