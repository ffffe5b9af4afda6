import Foundation
import AnalyticsCore

/// How `analytics import` treats its files.
public struct ImportOptions: Sendable {
    /// When to give up on a file: after more than `count` rejected rows, or
    /// when rejected rows exceed `fraction` of the rows read.
    public enum ErrorLimit: Sendable, Equatable, CustomStringConvertible {
        case unlimited
        case count(Int)
        case fraction(Double)

        /// Parses `100` or `2.5%`.
        public init?(argument: String) {
            if argument.hasSuffix("%"), let percent = Double(argument.dropLast()), percent >= 0, percent <= 100 {
                self = .fraction(percent / 100)
            } else if let count = Int(argument), count >= 0 {
                self = .count(count)
            } else {
                return nil
            }
        }

        public var description: String {
            switch self {
            case .unlimited: return "unlimited"
            case .count(let count): return "\(count) rows"
            case .fraction(let fraction): return "\(Format.plainNumber(fraction * 100))% of rows"
            }
        }
    }

    /// Force the kind instead of telling it from the header.
    public var kind: FileKind?
    /// Renamed columns.
    public var mapping = ColumnMapping()
    /// The field separator.
    public var delimiter: UInt8 = UInt8(ascii: ",")
    /// The zone of timestamps that carry none; nil rejects them.
    public var assumedZone: TimeZone?
    /// When to abort a file.
    public var errorLimit: ErrorLimit = .unlimited
    /// Re-import files whose content was imported before, replacing that import.
    public var force = false

    public init() {}

    /// The options that change what a file stores, as a canonical text: empty for
    /// the defaults. Part of the ledger's key with the file's SHA-256.
    package var storageKey: String {
        var parts: [String] = []
        if let kind { parts.append("kind=\(kind.rawValue)") }
        if delimiter != UInt8(ascii: ",") { parts.append("delimiter=\(delimiter)") }
        if let assumedZone { parts.append("zone=\(assumedZone.identifier)") }
        for (field, column) in mapping.columns.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            parts.append("map:\(field.rawValue)=\(column.lowercased())")
        }
        for (role, types) in mapping.roles.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            parts.append("role:\(role.rawValue)=" + types.sorted().joined(separator: ","))
        }
        if !mapping.ignoredColumns.isEmpty { parts.append("ignore=" + mapping.ignoredColumns.sorted().joined(separator: ",")) }
        if let properties = mapping.propertyColumns { parts.append("properties=" + properties.sorted().joined(separator: ",")) }
        return parts.joined(separator: ";")
    }
}
