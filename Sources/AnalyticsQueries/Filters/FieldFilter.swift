import Foundation

/// One `--where` condition on a field: a built-in field (`event_type`, `page`,
/// `channel`, `device`, `campaign`) or a property kept from the imported files.
///
/// Forms: `FIELD=V[,V...]` (any of the values), `FIELD!=V[,V...]` (none of them;
/// an absent value passes), `FIELD<N`, `FIELD<=N`, `FIELD>N`, `FIELD>=N` (values
/// read as numbers; absent or non-numeric values fail), `FIELD~GLOB` (`*` and `?`
/// wildcards, the whole value), `FIELD?` (present). Values compare as exact text.
public struct FieldFilter: Sendable, Equatable, CustomStringConvertible {
    public enum Operation: Sendable, Equatable {
        case anyOf([String])
        case noneOf([String])
        case less(Double)
        case lessOrEqual(Double)
        case greater(Double)
        case greaterOrEqual(Double)
        case glob(String)
        case present
    }

    public let field: String
    public let operation: Operation
    /// The text it was parsed from.
    public let text: String

    /// Why a `--where` text is not a condition.
    public struct Malformed: Error, CustomStringConvertible, Equatable {
        public let text: String
        public let problem: String

        public var description: String {
            "--where '\(text)': \(problem); use FIELD=V[,V...], FIELD!=V, FIELD<N, FIELD<=N, FIELD>N, FIELD>=N, "
                + "FIELD~GLOB or FIELD?"
        }
    }

    /// Parses one condition.
    /// - Throws: `FieldFilter.Malformed` naming what is wrong.
    public init(parsing text: String) throws {
        self.text = text
        func fail(_ problem: String) -> Malformed { Malformed(text: text, problem: problem) }
        let characters = Array(text)
        guard let position = characters.firstIndex(where: { "=!<>~".contains($0) }) else {
            guard text.hasSuffix("?"), text.count > 1 else { throw fail("no operator") }
            field = try Self.fieldName(String(text.dropLast()), fail)
            operation = .present
            return
        }
        field = try Self.fieldName(String(characters[..<position]), fail)
        let next = position + 1 < characters.count ? characters[position + 1] : nil
        let symbol: String
        switch (characters[position], next) {
        case ("!", "="): symbol = "!="
        case ("<", "="): symbol = "<="
        case (">", "="): symbol = ">="
        case ("!", _): throw fail("'!' must be followed by '='")
        default: symbol = String(characters[position])
        }
        let value = String(characters[(position + symbol.count)...])
        func number() throws -> Double {
            guard let number = Double(value.trimmingCharacters(in: .whitespaces)), number.isFinite else {
                throw fail("'\(value)' is not a number")
            }
            return number
        }
        func list() throws -> [String] {
            let values = value.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard !value.isEmpty, !values.contains(where: \.isEmpty) else { throw fail("a value is empty") }
            return values
        }
        switch symbol {
        case "=": operation = .anyOf(try list())
        case "!=": operation = .noneOf(try list())
        case "<": operation = .less(try number())
        case "<=": operation = .lessOrEqual(try number())
        case ">": operation = .greater(try number())
        case ">=": operation = .greaterOrEqual(try number())
        default:
            guard !value.isEmpty else { throw fail("the pattern is empty") }
            operation = .glob(value)
        }
    }

    private static func fieldName(_ raw: String, _ fail: (String) -> Malformed) throws -> String {
        let name = raw.trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else { throw fail("the field name is missing") }
        return name
    }

    public var description: String { text }

    /// Whether a present value passes (`nil`: the value is absent).
    package func matches(_ value: String?) -> Bool {
        guard let value else {
            if case .noneOf = operation { return true }
            return false
        }
        switch operation {
        case .anyOf(let values): return values.contains(value)
        case .noneOf(let values): return !values.contains(value)
        case .less(let bound): return Self.number(value).map { $0 < bound } ?? false
        case .lessOrEqual(let bound): return Self.number(value).map { $0 <= bound } ?? false
        case .greater(let bound): return Self.number(value).map { $0 > bound } ?? false
        case .greaterOrEqual(let bound): return Self.number(value).map { $0 >= bound } ?? false
        case .glob(let pattern): return fnmatch(pattern, value, 0) == 0
        case .present: return true
        }
    }

    private static func number(_ text: String) -> Double? {
        Double(text.trimmingCharacters(in: .whitespaces)).flatMap { $0.isFinite ? $0 : nil }
    }
}
