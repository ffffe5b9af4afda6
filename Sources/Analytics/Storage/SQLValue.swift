import Foundation

/// A value to bind to a statement parameter.
public enum SQLValue: Sendable, Equatable {
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)
    case null
}

extension SQLValue: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByStringLiteral, ExpressibleByNilLiteral {
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(floatLiteral value: Double) { self = .real(value) }
    public init(stringLiteral value: String) { self = .text(value) }
    public init(nilLiteral: ()) { self = .null }
}

extension SQLValue {
    /// An integer, or NULL for nil.
    public static func int(_ value: Int64?) -> SQLValue { value.map(SQLValue.integer) ?? .null }
    /// A text, or NULL for nil.
    public static func string(_ value: String?) -> SQLValue { value.map(SQLValue.text) ?? .null }
    /// A double, or NULL for nil.
    public static func double(_ value: Double?) -> SQLValue { value.map(SQLValue.real) ?? .null }
}
