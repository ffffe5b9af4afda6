import CSQLite
import Foundation

/// SQL functions over journeys, registered with `journey_events` on the tool's SQL connections
/// and by the loadable extension:
/// - `window_funnel(window_ms, ts, cond1, ..., condN)`, an aggregate: the depth the group's rows reach
///   under the ordered funnel rule of docs/metrics.md (distinct rows with strictly increasing `ts`,
///   row i meeting cond i, all within `window_ms` of the first) — the same number `analytics funnel`
///   counts for an actor with the same stages;
/// - `retention(cond1, ..., condN)`, an aggregate like ClickHouse's: a JSON array whose first element
///   is 1 when some row meets cond1, and element i is 1 when some row meets cond1 and some row meets
///   cond i (0 otherwise).
package enum JourneyFunctions {
    /// Registers both functions on a connection.
    /// - Returns: SQLite's result code (SQLITE_OK when both are registered).
    @discardableResult
    package static func register(on connection: OpaquePointer) -> Int32 {
        let flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC
        let funnel = sqlite3_create_function_v2(connection, "window_funnel", -1, flags, nil, nil, funnelStep, funnelFinal, nil)
        guard funnel == SQLITE_OK else { return funnel }
        return sqlite3_create_function_v2(connection, "retention", -1, flags, nil, nil, retentionStep, retentionFinal, nil)
    }

    /// The rows of one group, kept in the aggregate context.
    final class Rows {
        var window: Int64 = 0
        var stageCount = 0
        var timestamps: [Int64] = []
        var masks: [UInt32] = []
        var error: String?
    }

    /// The group's state, created on its first row.
    private static func rows(_ context: OpaquePointer?, create: Bool) -> Rows? {
        let size = Int32(MemoryLayout<UnsafeMutableRawPointer?>.size)
        guard let slot = sqlite3_aggregate_context(context, create ? size : 0)?
            .assumingMemoryBound(to: UnsafeMutableRawPointer?.self) else { return nil }
        if let existing = slot.pointee { return Unmanaged<Rows>.fromOpaque(existing).takeUnretainedValue() }
        guard create else { return nil }
        let rows = Rows()
        slot.pointee = Unmanaged.passRetained(rows).toOpaque()
        return rows
    }

    /// Takes the group's state, releasing it.
    private static func takeRows(_ context: OpaquePointer?) -> Rows? {
        guard let slot = sqlite3_aggregate_context(context, 0)?.assumingMemoryBound(to: UnsafeMutableRawPointer?.self),
              let existing = slot.pointee else { return nil }
        slot.pointee = nil
        return Unmanaged<Rows>.fromOpaque(existing).takeRetainedValue()
    }

    /// The conditions of a row as a stage mask (bit i: condition i is true).
    private static func mask(_ arguments: UnsafeMutablePointer<OpaquePointer?>?, from first: Int, count: Int) -> UInt32 {
        var mask: UInt32 = 0
        for index in first..<count where sqlite3_value_type(arguments![index]) != SQLITE_NULL
            && sqlite3_value_int64(arguments![index]) != 0 {
            mask |= 1 << UInt32(index - first)
        }
        return mask
    }

    private static let funnelStep: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = {
        context, count, arguments in
        guard let rows = JourneyFunctions.rows(context, create: true) else { return sqlite3_result_error_nomem(context) }
        let stages = Int(count) - 2
        guard stages >= 1, stages <= 32 else {
            rows.error = "window_funnel(window_ms, ts, cond1, ..., condN) takes 1 to 32 conditions"
            return
        }
        rows.window = sqlite3_value_int64(arguments![0])
        rows.stageCount = stages
        guard sqlite3_value_type(arguments![1]) != SQLITE_NULL else { return }
        let mask = JourneyFunctions.mask(arguments, from: 2, count: Int(count))
        guard mask != 0 else { return }
        rows.timestamps.append(sqlite3_value_int64(arguments![1]))
        rows.masks.append(mask)
    }

    private static let funnelFinal: @convention(c) (OpaquePointer?) -> Void = { context in
        guard let rows = JourneyFunctions.takeRows(context) else { return sqlite3_result_int64(context, 0) }
        if let error = rows.error { return sqlite3_result_error(context, error, -1) }
        // Time order (rows at one instant never advance each other, so their order does not matter).
        let order = rows.timestamps.indices.sorted { rows.timestamps[$0] < rows.timestamps[$1] }
        let timestamps = order.map { rows.timestamps[$0] }, masks = order.map { rows.masks[$0] }
        var evaluator = ActorFunnelEvaluator(stageCount: rows.stageCount, window: rows.window)
        let depth = timestamps.withUnsafeBufferPointer { times in
            masks.withUnsafeBufferPointer { evaluator.evaluate(timestamps: times, masks: $0).depth }
        }
        sqlite3_result_int64(context, Int64(depth))
    }

    private static let retentionStep: @convention(c) (OpaquePointer?, Int32, UnsafeMutablePointer<OpaquePointer?>?) -> Void = {
        context, count, arguments in
        guard let rows = JourneyFunctions.rows(context, create: true) else { return sqlite3_result_error_nomem(context) }
        guard count >= 1, count <= 32 else {
            rows.error = "retention(cond1, ..., condN) takes 1 to 32 conditions"
            return
        }
        rows.stageCount = Int(count)
        // One accumulated mask: which conditions some row met.
        let mask = JourneyFunctions.mask(arguments, from: 0, count: Int(count))
        if rows.masks.isEmpty { rows.masks = [0] }
        rows.masks[0] |= mask
    }

    private static let retentionFinal: @convention(c) (OpaquePointer?) -> Void = { context in
        guard let rows = JourneyFunctions.takeRows(context) else { return sqlite3_result_text(context, "[]", -1, csqlite_transient()) }
        if let error = rows.error { return sqlite3_result_error(context, error, -1) }
        let met = rows.masks.first ?? 0
        let first = met & 1 != 0
        let values = (0..<rows.stageCount).map { index in first && met & (1 << UInt32(index)) != 0 ? "1" : "0" }
        sqlite3_result_text(context, "[" + values.joined(separator: ",") + "]", -1, csqlite_transient())
    }
}
