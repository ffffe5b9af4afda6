import Foundation
import AnalyticsCore

/// One value of a result table, typed so each format can render it its own way:
/// human units for people (table, Markdown), plain numbers for machines (CSV).
public enum Cell: Sendable, Equatable {
    case text(String)
    case integer(Int64)
    /// A fraction in [0, 1]; nil when its denominator is 0.
    case rate(Double?)
    /// A duration in seconds; nil when undefined.
    case seconds(Double?)
    /// An amount of money; nil when undefined.
    case money(Double?)
    /// Any other number; nil when undefined.
    case number(Double?)

    /// The value for people: `42.1%`, `3m 12s`, `1,234.50`, `-` for undefined.
    public var human: String {
        switch self {
        case .text(let text): return text
        case .integer(let value): return Format.grouped(value)
        case .rate(let value): return value.map(Format.percent) ?? "-"
        case .seconds(let value): return value.map(Format.duration) ?? "-"
        case .money(let value): return value.map { Format.decimal($0, places: 2) } ?? "-"
        case .number(let value): return value.map { Format.decimal($0, places: 2) } ?? "-"
        }
    }

    /// The value for machines: shortest exact decimal, empty for undefined.
    public var plain: String {
        switch self {
        case .text(let text): return text
        case .integer(let value): return String(value)
        case .rate(let value), .seconds(let value), .money(let value), .number(let value):
            return value.map(Format.plainNumber) ?? ""
        }
    }

    /// Whether the value reads best right-aligned.
    public var isNumeric: Bool {
        if case .text = self { return false }
        return true
    }
}
