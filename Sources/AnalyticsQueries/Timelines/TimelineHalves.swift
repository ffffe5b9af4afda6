import Foundation
import AnalyticsStorage

/// Reads the timelines of a large database in two workers, each over half of
/// the users (by id) with its own read-only connection, and merges their
/// partial results; a small or in-memory database is read in one pass.
/// Both workers must see the same committed state: if an import committed
/// between their starts, everything is read again in one pass.
enum TimelineHalves {
    /// - Parameters:
    ///   - parallelAbove: with more users than this (by id range), two workers read.
    ///   - pass: computes the partial result of a range of user ids over a connection.
    ///   - merge: adds the second partial result into the first.
    static func run<Partial: Sendable>(_ database: Database, parallelAbove: Int64 = 100_000,
                                       pass: @escaping @Sendable (Database, ClosedRange<Int64>) throws -> Partial,
                                       merge: (inout Partial, Partial) -> Void) throws -> Partial {
        let bounds = try database.query("SELECT min(user_id), max(user_id) FROM timelines") {
            ($0.int64OrNil(0), $0.int64OrNil(1))
        }.first
        guard let low = bounds?.0, let high = bounds?.1, high - low >= parallelAbove, database.path != ":memory:" else {
            return try pass(database, Int64.min...Int64.max)
        }
        let middle = low + (high - low) / 2
        let halves = [low...middle, (middle + 1)...high]
        let results = Slots<(String, Partial)>(count: halves.count)
        let path = database.path
        DispatchQueue.concurrentPerform(iterations: halves.count) { index in
            results.store(index, Result {
                let connection = try Database(path: path, mode: .readOnly)
                return try connection.readTransaction { (try stamp(connection), try pass(connection, halves[index])) }
            })
        }
        let parts = try results.values()
        guard Set(parts.map(\.0)).count == 1 else { return try pass(database, Int64.min...Int64.max) }
        var merged = parts[0].1
        for part in parts.dropFirst() { merge(&merged, part.1) }
        return merged
    }

    /// A fingerprint of the committed state a connection sees.
    static func stamp(_ database: Database) throws -> String {
        let values = try database.query("""
            SELECT (SELECT max(id) FROM imports), (SELECT max(rowid) FROM timelines), (SELECT max(rowid) FROM sessions),
                   (SELECT value FROM settings WHERE key = 'session_timeout_ms')
            """) { row in (0..<4).map { row.stringOrNil(Int32($0)) ?? "-" } }
        return values.first?.joined(separator: "/") ?? ""
    }
}

/// Collects the workers' results; each slot is written by one worker only.
private final class Slots<Value: Sendable>: @unchecked Sendable {
    // @unchecked: slots are written under the lock and read after all workers finished.
    private let lock = NSLock()
    private var slots: [Result<Value, any Error>?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func store(_ index: Int, _ result: Result<Value, any Error>) {
        lock.lock()
        slots[index] = result
        lock.unlock()
    }

    func values() throws -> [Value] {
        try slots.map { slot in
            guard let slot else { throw SQLiteError(code: 1, message: "a timeline worker did not finish") }
            return try slot.get()
        }
    }
}
