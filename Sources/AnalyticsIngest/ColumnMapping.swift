import Foundation
import Yams

/// Maps canonical fields to source columns, for exports with other names:
/// `--map timestamp=event_time`, or a YAML/JSON file of `field: column` pairs.
public struct ColumnMapping: Sendable, Equatable {
    /// Canonical field to source column name (compared case-insensitively).
    package private(set) var columns: [CanonicalField: String] = [:]

    public init() {}

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
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw IngestError.invalidMapping("cannot read \(path): \(error.localizedDescription)")
        }
        let object: Any?
        do { object = try Yams.load(yaml: text) } catch {
            throw IngestError.invalidMapping("\(path) is not valid YAML or JSON: \(error)")
        }
        guard let dictionary = object as? [String: Any] else {
            throw IngestError.invalidMapping("\(path) must hold an object of field: column pairs")
        }
        for key in dictionary.keys.sorted() {
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
    /// Header columns nothing maps to.
    package let ignoredColumns: [String]
    /// Number of columns in the header.
    package let columnCount: Int

    /// Matches a header against the fields of a kind (detected when `kind` is nil).
    /// Names compare case-insensitively, after the mapping renames.
    /// - Throws: `IngestError.missingColumns` or `.unknownKind`.
    package init(header: [String], path: String, kind: FileKind?, mapping: ColumnMapping) throws {
        let normalized = header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        func column(of field: CanonicalField) -> Int? {
            let name = (mapping.columns[field] ?? field.rawValue).lowercased()
            return normalized.firstIndex(of: name)
        }
        let detected: FileKind
        if let kind {
            detected = kind
        } else if column(of: .orderID) != nil {
            detected = .orders
        } else if column(of: .eventType) != nil {
            detected = .events
        } else {
            throw IngestError.unknownKind(path: path, found: header)
        }
        var index: [CanonicalField: Int] = [:]
        for field in detected.fields {
            if let position = column(of: field) { index[field] = position }
        }
        let missing = detected.requiredFields.filter { index[$0] == nil }
        guard missing.isEmpty else {
            throw IngestError.missingColumns(path: path, kind: detected, missing: missing.map(\.rawValue), found: header)
        }
        let used = Set(index.values)
        self.kind = detected
        self.index = index
        self.columnCount = header.count
        ignoredColumns = header.indices.filter { !used.contains($0) }.map { header[$0] }
    }
}
