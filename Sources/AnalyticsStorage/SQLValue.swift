import Foundation

/// A value to bind to a statement parameter.
package enum SQLValue: Sendable, Equatable {
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)
    case null
}

extension SQLValue: ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByStringLiteral, ExpressibleByNilLiteral {
    package init(integerLiteral value: Int64) { self = .integer(value) }
    package init(floatLiteral value: Double) { self = .real(value) }
    package init(stringLiteral value: String) { self = .text(value) }
    package init(nilLiteral: ()) { self = .null }
}

extension SQLValue {
    /// An integer, or NULL for nil.
    package static func int(_ value: Int64?) -> SQLValue { value.map(SQLValue.integer) ?? .null }
    /// A text, or NULL for nil.
    package static func string(_ value: String?) -> SQLValue { value.map(SQLValue.text) ?? .null }
    /// A double, or NULL for nil.
    package static func double(_ value: Double?) -> SQLValue { value.map(SQLValue.real) ?? .null }
}
