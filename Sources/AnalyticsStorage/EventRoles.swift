import AnalyticsCore

/// The event types that play each role in a database (the `roles` table).
/// The event types named `order` and `page_view` always play their roles.
package struct EventRoles: Sendable, Equatable {
    /// Event type names by role, without the built-in names.
    package private(set) var names: [EventRole: Set<String>]

    package init(names: [EventRole: Set<String>] = [:]) {
        self.names = names.filter { !$0.value.isEmpty }
    }

    /// Reads the roles stored in a database.
    package init(database: Database) throws {
        var names: [EventRole: Set<String>] = [:]
        for (role, type) in try database.query("SELECT role, event_type FROM roles", [], { ($0.string(0), $0.string(1)) }) {
            guard let role = EventRole(rawValue: role) else { continue }
            names[role, default: []].insert(type)
        }
        self.init(names: names)
    }

    /// Every event type name playing `role`, the built-in one included.
    package func types(_ role: EventRole) -> Set<String> {
        names[role, default: []].union([role.rawValue])
    }

    /// Adds the names of `other`; says whether anything was new.
    package mutating func merge(_ other: EventRoles) -> Bool {
        var changed = false
        for (role, types) in other.names where !types.isSubset(of: names[role, default: []]) {
            names[role, default: []].formUnion(types)
            changed = true
        }
        return changed
    }

    /// Stores the names (inside the caller's transaction).
    package func save(to database: Database) throws {
        for (role, types) in names {
            for type in types {
                try database.run("INSERT INTO roles (role, event_type) VALUES (?, ?) ON CONFLICT DO NOTHING",
                                 .text(role.rawValue), .text(type))
            }
        }
    }
}
