import AnalyticsCore
import Foundation
import Yams

/// Maps canonical fields to source columns, for exports with other names
/// (`--map timestamp=event_time`), names the event types that play roles
/// (`--role order=purchase`), and says which other columns to keep as
/// properties (all by default; `--ignore-column`, or a `properties:` list).
/// A mapping file is a YAML/JSON object of `field: column` pairs plus the
/// optional keys `roles` (role: event type or list), `properties` and `ignore` (lists) and
/// `timestamp_unit`. A field's value that is not a bare column name is an SQLite expression
/// over the file's columns (`ComputedFields`).
public struct ColumnMapping: Sendable, Equatable {
    /// Canonical field to source column name (compared case-insensitively).
    package private(set) var columns: [CanonicalField: String] = [:]
    /// Event type names per role.
    package private(set) var roles: [EventRole: Set<String>] = [:]
    /// Columns never kept as properties (lower-cased).
    package private(set) var ignoredColumns: Set<String> = []
    /// When set, only these columns become properties (lower-cased).
    package private(set) var propertyColumns: Set<String>?
    /// The unit of epoch-number timestamps (`timestamp_unit: s|ms|us|ns`); nil: told by magnitude.
    package private(set) var timestampUnit: TimestampParser.EpochUnit?

    public init() {}

    /// Parses `ROLE=EVENT[,EVENT...]` pairs (`--role order=purchase`).
    /// - Throws: `IngestError.invalidMapping` for an unknown role or an empty list.
    public init(roles pairs: [String]) throws {
        for pair in pairs {
            guard let equals = pair.firstIndex(of: "=") else {
                throw IngestError.invalidMapping("'\(pair)' is not ROLE=EVENT[,EVENT...] (e.g. order=purchase)")
            }
            try addRole(String(pair[..<equals]), events: pair[pair.index(after: equals)...].split(separator: ",").map(String.init))
        }
    }

    /// Columns never to keep as properties (`--ignore-column`).
    public mutating func ignore(columns names: [String]) {
        for name in names { ignoredColumns.insert(name.trimmingCharacters(in: .whitespaces).lowercased()) }
    }

    private mutating func addRole(_ name: String, events: [String]) throws {
        let trimmed = name.trimmingCharacters(in: .whitespaces).lowercased()
        guard let role = EventRole(rawValue: trimmed) else {
            throw IngestError.invalidMapping("unknown role '\(name)'; known roles: "
                + EventRole.allCases.map(\.rawValue).joined(separator: ", "))
        }
        let types = events.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !types.isEmpty else { throw IngestError.invalidMapping("role '\(trimmed)' names no event type") }
        roles[role, default: []].formUnion(types)
    }

    /// Parses `NAME=COLUMN` pairs.
    /// - Throws: `IngestError.invalidMapping` naming the bad pair.
    public init(pairs: [String]) throws {
        for pair in pairs {
            guard let equals = pair.firstIndex(of: "=") else {
                throw IngestError.invalidMapping("'\(pair)' is not NAME=COLUMN")
            }
            try set(String(pair[..<equals]), to: String(pair[pair.index(after: equals)...]))
        }
    }

    /// Reads a mapping file: a YAML (or JSON) object of `field: column`.
    public init(file path: String) throws {
        let (contents, problem) = YAMLLimits.read(path)
        guard let text = contents else { throw IngestError.invalidMapping("\(path): \(problem ?? "cannot read the file")") }
        try self.init(text: text, source: path)
    }

    /// Parses mapping YAML/JSON text (a file's, or a preset's); `source` names it in errors.
    public init(text: String, source path: String) throws {
        if let problem = YAMLLimits.problem(text) { throw IngestError.invalidMapping("\(path): \(problem)") }
        let object: Any?
        do { object = try Yams.load(yaml: text) } catch {
            throw IngestError.invalidMapping("\(path) is not valid YAML or JSON: \(error)")
        }
        guard let dictionary = object as? [String: Any] else {
            throw IngestError.invalidMapping("\(path) must hold an object of field: column pairs")
        }
        for key in dictionary.keys.sorted() {
            switch key.lowercased() {
            case "roles":
                guard let roles = dictionary[key] as? [String: Any] else {
                    throw IngestError.invalidMapping("\(path): roles must be an object of role: event types")
                }
                for (role, value) in roles {
                    let events = (value as? [Any])?.map { "\($0)" } ?? (value as? String).map { $0.split(separator: ",").map(String.init) }
                    guard let events else {
                        throw IngestError.invalidMapping("\(path): the event types of role '\(role)' must be a list or a text")
                    }
                    try addRole(role, events: events)
                }
                continue
            case "timestamp_unit":
                guard let unit = (dictionary[key] as? String).flatMap(TimestampParser.EpochUnit.init(rawValue:)) else {
                    throw IngestError.invalidMapping("\(path): timestamp_unit must be s, ms, us or ns")
                }
                timestampUnit = unit
                continue
            case "properties", "ignore":
                guard let list = (dictionary[key] as? [Any])?.map({ "\($0)".lowercased() }) else {
                    throw IngestError.invalidMapping("\(path): \(key) must be a list of column names")
                }
                if key.lowercased() == "ignore" { ignoredColumns.formUnion(list) } else { propertyColumns = Set(list) }
                continue
            default:
                break
            }
            guard let column = dictionary[key] as? String else {
                throw IngestError.invalidMapping("\(path): the column for '\(key)' must be a string")
            }
            try set(key, to: column)
        }
    }

    /// Adds the pairs of `other`, which win over this mapping's.
    public func merging(_ other: ColumnMapping) -> ColumnMapping {
        var copy = self
        copy.columns.merge(other.columns) { _, new in new }
        for (role, types) in other.roles { copy.roles[role, default: []].formUnion(types) }
        copy.ignoredColumns.formUnion(other.ignoredColumns)
        if let properties = other.propertyColumns { copy.propertyColumns = properties }
        if let unit = other.timestampUnit { copy.timestampUnit = unit }
        return copy
    }

    private mutating func set(_ name: String, to column: String) throws {
        let trimmedName = name.trimmingCharacters(in: .whitespaces).lowercased()
        let trimmedColumn = column.trimmingCharacters(in: .whitespaces)
        guard let field = CanonicalField(rawValue: trimmedName) else {
            throw IngestError.invalidMapping("unknown field '\(name)'; known fields: "
                + CanonicalField.allCases.map(\.rawValue).joined(separator: ", "))
        }
        guard !trimmedColumn.isEmpty else { throw IngestError.invalidMapping("empty column for '\(name)'") }
        columns[field] = trimmedColumn
    }
}

/// Where each canonical field is in a file's records, from its header.
package struct HeaderLayout: Sendable, Equatable {
    package let kind: FileKind
    /// Column index of each field present.
    package let index: [CanonicalField: Int]
    /// Header columns nothing maps to and no property keeps.
    package let ignoredColumns: [String]
    /// Columns kept as properties of each event, with their names as in the header.
    package let properties: [(index: Int, name: String)]
    /// Properties that come from the URL and referrer columns, not from a column of their own.
    package let derivedProperties: [String]
    /// Whether channels come from the default channel grouping (URL or referrer, no channel column).
    package var groupsChannels: Bool { !has(.channel) && (has(.url) || has(.referrer)) }

    /// Whether the field comes from a column or an expression.
    package func has(_ field: CanonicalField) -> Bool { index[field] != nil || computed.contains { $0.field == field } }
    /// Number of columns in the header.
    package let columnCount: Int
    /// The header's column names, as given.
    package let columnNames: [String]
    /// Fields mapped to an SQLite expression over the columns rather than to a column
    /// (a mapped name that is not a header column), in field order.
    package let computed: [(field: CanonicalField, expression: String)]

    /// Matches a header against the fields of a kind (detected when `kind` is nil).
    /// Names compare case-insensitively, after the mapping renames.
    /// - Throws: `IngestError.missingColumns` or `.unknownKind`.
    package init(header: [String], path: String, kind: FileKind?, mapping: ColumnMapping) throws {
        let normalized = header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        func column(of field: CanonicalField) -> Int? {
            if let mapped = mapping.columns[field] { return normalized.firstIndex(of: mapped.lowercased()) }
            return ([field.rawValue] + field.aliases).lazy.compactMap { normalized.firstIndex(of: $0) }.first
        }
        // A mapped text that is not a bare name (letters, digits, `_`) is an SQLite expression over the
        // columns; a bare name is a column, and the field is absent when the file lacks it.
        let computed = CanonicalField.allCases.compactMap { field -> (field: CanonicalField, expression: String)? in
            guard let mapped = mapping.columns[field], !normalized.contains(mapped.lowercased()),
                  !Self.isBareName(mapped) else { return nil }
            return (field, mapped)
        }
        let computedFields = Set(computed.map(\.field))
        // For telling the kind, an expression counts only where it compiles over this header (an
        // `event_type` expression must not make an orders file an events file).
        let compiling = Set(computed.filter { ComputedFields.compiles($0.expression, header: header) }.map(\.field))
        func present(_ field: CanonicalField) -> Bool { column(of: field) != nil || compiling.contains(field) }
        let detected: FileKind
        if let kind {
            detected = kind
        } else if present(.eventType) {
            // An events file may carry an order id; an orders file has no event type.
            detected = .events
        } else if present(.orderID) {
            detected = .orders
        } else if present(.eventID) && !present(.timestamp) && !present(.userID) {
            // An event id alone: columns to add to the stored events with those ids.
            detected = .eventDetails
        } else {
            throw IngestError.unknownKind(path: path, found: header)
        }
        var index: [CanonicalField: Int] = [:]
        for field in detected.fields {
            if let position = column(of: field) { index[field] = position }
        }
        let missing = detected.requiredFields.filter { field in
            // An events file may name its visitors by anonymous id alone.
            let stands = field == .userID && detected == .events && (index[.anonymousID] != nil || computedFields.contains(.anonymousID))
            return index[field] == nil && !computedFields.contains(field) && !stands
        }
        guard missing.isEmpty else {
            throw IngestError.missingColumns(path: path, kind: detected, missing: missing.map(\.rawValue), found: header)
        }
        let used = Set(index.values)
        var properties: [(index: Int, name: String)] = []
        var computedInputs = Set<Int>()
        do {
            // Properties may not take a built-in field's name (of events; orders also of theirs).
            let builtIn = Set(FileKind.events.fields.map(\.rawValue) + detected.fields.map(\.rawValue))
            for position in header.indices {
                let name = header[position].trimmingCharacters(in: .whitespaces)
                let lower = name.lowercased()
                guard !name.isEmpty, !mapping.ignoredColumns.contains(lower),
                      mapping.propertyColumns?.contains(lower) ?? true else { continue }
                // A column mapped to revenue stays filterable under its own name (`price>=100`).
                let keptAmount = index[.revenue] == position && !builtIn.contains(lower)
                guard !used.contains(position) || keptAmount else { continue }
                // A column named after a field computed from it (user_id: "coalesce(user_id, anonymous_id)")
                // is the computation's input, not a property.
                guard !computedFields.contains(where: { $0.rawValue == lower }) else {
                    computedInputs.insert(position)
                    continue
                }
                guard !builtIn.contains(lower) else {
                    throw IngestError.propertyCollision(path: path, column: name)
                }
                properties.append((position, name))
            }
        }
        let kept = used.union(properties.map(\.index)).union(computedInputs)
        var derived: [String] = []
        let kindComputed = Set(computed.filter { detected.fields.contains($0.field) }.map(\.field))
        if index[.url] != nil || kindComputed.contains(.url) { derived += PageURL.trackedParameters }
        if index[.referrer] != nil || kindComputed.contains(.referrer) { derived.append(CanonicalField.referrer.rawValue) }
        let headerNames = Set(properties.map { $0.name.lowercased() })
        derivedProperties = derived.filter { !headerNames.contains($0) }
        self.kind = detected
        self.index = index
        self.columnCount = header.count
        columnNames = header
        self.computed = computed.filter { detected.fields.contains($0.field) }
        self.properties = properties
        ignoredColumns = header.indices.filter { !kept.contains($0) }.map { header[$0] }
    }

    /// Whether a mapped text names a column (letters, digits and `_` only) rather than being an expression.
    static func isBareName(_ text: String) -> Bool {
        !text.isEmpty && text.unicodeScalars.allSatisfy { $0 == "_" || CharacterSet.alphanumerics.contains($0) }
    }

    package static func == (a: HeaderLayout, b: HeaderLayout) -> Bool {
        a.kind == b.kind && a.index == b.index && a.derivedProperties == b.derivedProperties && a.ignoredColumns == b.ignoredColumns && a.columnCount == b.columnCount
            && a.properties.map(\.index) == b.properties.map(\.index) && a.properties.map(\.name) == b.properties.map(\.name)
            && a.computed.map(\.field) == b.computed.map(\.field) && a.computed.map(\.expression) == b.computed.map(\.expression)
    }
}
