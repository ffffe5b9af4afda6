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
}
