import AnalyticsCore
import AnalyticsStorage
import CSVScanner
import Foundation

/// A row that could not be imported: where it was, why, and its text.
struct RejectedRow {
    let line: Int
    let reason: String
    let raw: String
}

/// A reading thread's row counts and first rejects.
struct RowTally {
    let errorLimit: ImportOptions.ErrorLimit
    private(set) var rowsRead = 0
    private(set) var rowsRejected = 0
    /// The first `FileLoad.rejectsKept` rejects.
    private(set) var rejects: [RejectedRow] = []
    /// With a reject count limit: the rows read when each of the first rejects (up to the limit
    /// and one) happened, so two halves can tell where one reader would have stopped.
    private(set) var rowsReadAtReject: [Int] = []

    /// Reads records until the input ends or, with `stop`, until a record starts on or after that
    /// line (which is left unread); `store` keeps a well-shaped row or throws why it is rejected.
    /// - Parameters:
    ///   - stop: where the next part of the file starts: its line, and its byte offset from the
    ///     reader's source start.
    ///   - report: called every 16,384 rows with the count so far (progress).
    /// - Returns: false when no record starts exactly at `stop` (one spanned it: the cut fell inside
    ///   a quoted field, or the file was rewritten since its cuts were found).
    /// - Throws: `FileLoad.Abort` past a reject count limit, and what `store` throws but `RejectReason`.
    mutating func read(_ reader: CSVReader, parser: RowParser, stop: (line: Int, offset: Int64)? = nil,
                       report: (Int) -> Void, store: (CSVReader) throws -> Void) throws -> Bool {
        while try reader.next() {
            if let stop, reader.line >= stop.line {
                // On its line and at its byte: a file rewritten at the same size after its cuts were found
                // (while it was hashed) can have the line elsewhere. The byte is unknown only once a
                // record was scanned again after an unterminated quote; then the line alone tells.
                return reader.line == stop.line && (reader.recordOffset ?? stop.offset) == stop.offset
            }
            rowsRead += 1
            if rowsRead & 0x3FFF == 0 { report(rowsRead) }
            var reason = parser.checkShape(reader)
            if reason == nil {
                do {
                    try store(reader)
                } catch let problem as RejectReason {
                    reason = problem
                }
            }
            guard let reason else { continue }
            rowsRejected += 1
            if case .count(let limit) = errorLimit, rowsReadAtReject.count <= limit { rowsReadAtReject.append(rowsRead) }
            // The first rejects of a file are recorded with their text; the rest are counted.
            if rejects.count < FileLoad.rejectsKept {
                rejects.append(RejectedRow(line: reader.line, reason: reason.description,
                                           raw: String(decoding: reader.rawText, as: UTF8.self)))
            }
            if case .count(let limit) = errorLimit, rowsRejected > limit {
                throw FileLoad.Abort(rowsRead: rowsRead, rowsRejected: rowsRejected)
            }
        }
        return stop == nil
    }
}

/// One thread's share of reading an events file: its rows, grouped by user
/// (`EventSpill`), its counts and its first rejects. Touches the database only
/// through its `LabelStore` view, so two readings can run at once.
struct EventReading {
    let parser: RowParser
    let labels: LabelStore
    let importID: Int64
    private(set) var tally: RowTally
    private(set) var spill: EventSpill
    /// The texts of the row being read.
    private var arena = TextArena()
    /// Anonymous ids identified by rows carrying a user id too, in file order (the first user each).
    private(set) var identities: [(anonymousID: String, user: Int64)] = []
    private var identified: Set<String> = []

    var rowsRead: Int { tally.rowsRead }
    var rowsRejected: Int { tally.rowsRejected }
    var rejects: [RejectedRow] { tally.rejects }

    /// - Parameter spillBudget: bytes of rows kept in memory before they go to a temporary file.
    init(parser: RowParser, labels: LabelStore, importID: Int64, errorLimit: ImportOptions.ErrorLimit,
         spillBudget: Int = EventSpill.defaultMemoryBudget) {
        spill = EventSpill(memoryBudget: spillBudget)
        self.parser = parser
        self.labels = labels
        self.importID = importID
        tally = RowTally(errorLimit: errorLimit)
    }

    /// Reads the events of `reader` (`RowTally.read`).
    mutating func read(_ reader: CSVReader, stop: (line: Int, offset: Int64)? = nil, rowsRead report: (Int) -> Void) throws -> Bool {
        var tally = self.tally
        defer { self.tally = tally }
        return try tally.read(reader, parser: parser, stop: stop, report: report) { reader in
            arena.reset()
            try add(try parser.event(reader, labels: labels, arena: &arena))
        }
    }

    private mutating func add(_ record: EventRecord) throws {
        if let anonymous = record.identifiedAnonymousID {
            let text = arena.bytes.withUnsafeBytes { String(decoding: $0[Int(anonymous.start)..<Int(anonymous.start + anonymous.count)], as: UTF8.self) }
            if identified.insert(text).inserted { identities.append((text, record.userID)) }
        }
        // Written into the spill straight from the row's bytes: no `StoredEvent`, no strings.
        try arena.bytes.withUnsafeBytes { arena in
            func bytes(_ text: ArenaText?) -> UnsafeRawBufferPointer? {
                text.map { UnsafeRawBufferPointer(rebasing: arena[Int($0.start)..<Int($0.start + $0.count)]) }
            }
            try spill.add(user: record.userID, EventBlock.Parts(
                timestamp: record.timestamp, eventTypeID: record.eventTypeID, importID: importID,
                sessionKey: bytes(record.sessionKey), pageID: record.pageID, channelID: record.channelID,
                deviceID: record.deviceID, campaignID: record.campaignID, revenue: record.revenue,
                eventID: bytes(record.eventID), orderID: bytes(record.orderID),
                props: bytes(record.props) ?? UnsafeRawBufferPointer(start: nil, count: 0)))
        }
    }

    /// Closes the spill's temporary file.
    mutating func close() { spill.close() }
}
