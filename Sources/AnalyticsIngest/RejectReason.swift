import AnalyticsCore
import CSVScanner

/// Why one row was not imported. The description is what the rejects table stores.
package enum RejectReason: Error, Equatable, Sendable, CustomStringConvertible {
    case wrongFieldCount(expected: Int, found: Int)
    case emptyRequiredField(String)
    case badTimestamp(value: String, problem: TimestampParser.Failure)
    case nonNumericRevenue(String)
    case nonNumericQuantity(String)
    case amountOutOfRange(String)
    case invalidUTF8(field: String)
    case fieldTooLong
    case unterminatedQuote
    case textAfterClosingQuote
    case tooManyFields
    case recordTooLong
    /// A computed field's SQLite expression failed on this row.
    case computedField(fields: String, message: String)
    /// An event-details row, or an order of a file without user ids, whose id is no stored event's id.
    case unknownEventID(String)

    package var description: String {
        switch self {
        case let .wrongFieldCount(expected, found):
            return "wrong number of fields: expected \(expected), found \(found)"
        case let .emptyRequiredField(field):
            return "empty required field \(field)"
        case let .badTimestamp(value, problem):
            return "\(problem): '\(value)'"
        case let .nonNumericRevenue(value):
            return "non-numeric revenue: '\(value)'"
        case let .amountOutOfRange(value):
            return "amount out of range (at most 1e12 in magnitude): '\(value)'"
        case let .nonNumericQuantity(value):
            return "non-numeric quantity: '\(value)'"
        case let .invalidUTF8(field):
            return "invalid UTF-8 in field \(field)"
        case .fieldTooLong:
            return "a field is longer than \(CSVReader.maximumFieldLength) bytes"
        case .unterminatedQuote:
            return "unterminated quote: a quoted field is not closed before the end of the file or within "
                + "\(CSVReader.maximumQuotedLineBreaks) lines; this line is rejected and reading goes on at the next"
        case .textAfterClosingQuote:
            return "text after a closing quote"
        case .tooManyFields:
            return "more than \(CSVReader.maximumFields) fields"
        case .recordTooLong:
            return "record longer than \(CSVReader.maximumRecordBytes / 1024) KiB"
        case let .unknownEventID(id):
            return "unknown event id '\(id)': no stored event has this event_id; import the events first (then this "
                + "file again with --force)"
        case let .computedField(fields, message):
            return "computing \(fields) failed: \(message)"
        }
    }
}
