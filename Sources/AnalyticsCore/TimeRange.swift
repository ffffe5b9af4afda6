import Foundation

/// A half-open range of instants `[from, to)`, either end open.
public struct TimeRange: Sendable, Equatable {
    /// Inclusive start, UTC milliseconds.
    public var from: Int64?
    /// Exclusive end, UTC milliseconds.
    public var to: Int64?

    public init(from: Int64? = nil, to: Int64? = nil) {
        self.from = from
        self.to = to
    }

    /// Everything.
    public static let all = TimeRange()

    public func contains(_ instant: Int64) -> Bool {
        (from.map { instant >= $0 } ?? true) && (to.map { instant < $0 } ?? true)
    }

    /// The lower bound for SQL (`>= lower`).
    public var lower: Int64 { from ?? .min }
    /// The upper bound for SQL (`< upper`).
    public var upper: Int64 { to ?? .max }

    /// Why a `--from`/`--to` text was refused.
    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// Parses `--from`/`--to` texts: dates (`2024-03-01`, midnight in `zone`)
    /// or timestamps in any form the importer accepts (a timestamp without a
    /// zone is read in `zone` too). `zone` defaults to UTC.
    /// - Throws: `TimeRange.Invalid` naming the bad text, or an empty range.
    public init(from: String?, to: String?, zone: TimeZone? = nil) throws {
        let parser = TimestampParser(assumedZone: zone ?? TimeZone(identifier: "UTC"))
        func parse(_ text: String?, _ option: String) throws -> Int64? {
            guard let text else { return nil }
            switch parser.parse(text) {
            case .success(let value): return value
            case .failure(let problem):
                throw Invalid(description: "\(option) '\(text)': \(problem); use a date such as 2024-03-01 or a timestamp such as 2024-03-01T12:00:00Z")
            }
        }
        self.from = try parse(from, "--from")
        self.to = try parse(to, "--to")
        if let start = self.from, let end = self.to, end <= start {
            throw Invalid(description: "--to must be after --from")
        }
    }

    /// `from` as ISO text or nil, for reports.
    public var fromText: String? { from.map(Timestamp.iso8601) }
    /// `to` as ISO text or nil, for reports.
    public var toText: String? { to.map(Timestamp.iso8601) }
}
