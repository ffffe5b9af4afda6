import CSQLite
import Foundation
import AnalyticsCore
import AnalyticsSessions
import AnalyticsStorage

/// `journey_events`: an eponymous virtual table with one row per event and per order, in
/// journey order per user, with names resolved and sessions numbered as everywhere else.
/// Registered on the tool's SQL connections and by the loadable extension
/// (`sqlite3_journeyextension_init`); `WHERE user_id = ?` reads that user alone.
package enum JourneyEventsTable {
    /// The columns, in order (docs/schema.md, "SQL views").
    package static let columns = ["user_id", "session", "session_id", "ts", "time", "event_type", "page", "channel",
                                  "device", "campaign", "amount", "order_id", "event_id"]

    /// Registers the table on a connection.
    /// - Returns: SQLite's result code.
    @discardableResult
    package static func register(on connection: OpaquePointer) -> Int32 {
        sqlite3_create_module_v2(connection, "journey_events", module, nil, nil)
    }

    /// One row.
    struct Row {
        var user: String
        var session: Int64
        var sessionID: String?
        var timestamp: Int64
        var eventType: String
        var page: String?
        var channel: String?
        var device: String?
        var campaign: String?
        var amount: Double?
        var orderID: String?
        var eventID: String?
    }

    /// A scan: the users still to read and the rows of the current one.
    final class Cursor {
        let database: Database
        var reader: JourneyReader?
        var users: Statement?
        var rows: [Row] = []
        var position = 0
        var rowID: Int64 = 0

        init(connection: OpaquePointer) { database = Database(borrowing: connection) }

        func start(user: String?) throws {
            reader = try JourneyReader(database: database)
            if let user {
                users = try database.prepare("SELECT id, external_id FROM users WHERE external_id = ?")
                try users?.bind([.text(user)])
            } else {
                users = try database.prepare("SELECT id, external_id FROM users ORDER BY id")
            }
            rowID = 0
            try advanceUser()
        }

        /// Loads the next user with rows; leaves `rows` empty at the end.
        func advanceUser() throws {
            rows.removeAll(keepingCapacity: true)
            position = 0
            while rows.isEmpty, let users, let reader, let next = try users.step() {
                let journey = try reader.journey(ofUser: next.int64(0), external: next.string(1))
                let names = reader.names
                func name(_ id: Int64?) -> String? { id.flatMap { names.name($0) == LabelNames.none ? nil : names.name($0) } }
                rows = journey.events.indices.map { index in
                    let event = journey.events[index]
                    return Row(user: journey.user, session: Int64(journey.sessions[journey.sessionOfEvent[index]].ordinal),
                               sessionID: event.sessionKey, timestamp: event.timestamp, eventType: event.eventTypeName,
                               page: name(event.pageID), channel: name(event.channelID), device: name(event.deviceID),
                               campaign: name(event.campaignID), amount: event.isOrder ? event.revenue : nil,
                               orderID: event.isOrder ? event.orderKey : nil,
                               eventID: event.fromOrdersFile ? nil : event.externalID)
                }
            }
        }

        func next() throws {
            position += 1
            rowID += 1
            if position >= rows.count { try advanceUser() }
        }

        var atEnd: Bool { position >= rows.count }

        func close() {
            users = nil
            try? database.close()
        }
    }

    private static func cursor(_ pointer: UnsafeMutablePointer<sqlite3_vtab_cursor>?) -> Cursor {
        let raw = UnsafeMutableRawPointer(pointer!).assumingMemoryBound(to: csqlite_cursor.self)
        return Unmanaged<Cursor>.fromOpaque(raw.pointee.state!).takeUnretainedValue()
    }

    /// Reports a Swift error as the statement's error message.
    private static func fail(_ pointer: UnsafeMutablePointer<sqlite3_vtab_cursor>?, _ error: any Error) -> Int32 {
        let table = pointer!.pointee.pVtab!
        sqlite3_free(table.pointee.zErrMsg)
        let bytes = Array("journey_events: \(error)".utf8) + [0]
        guard let buffer = sqlite3_malloc(Int32(bytes.count)) else { return SQLITE_NOMEM }
        buffer.copyMemory(from: bytes, byteCount: bytes.count)
        table.pointee.zErrMsg = buffer.assumingMemoryBound(to: CChar.self)
        return SQLITE_ERROR
    }

    /// The module, allocated once and never freed (SQLite keeps a pointer to it).
    // nonisolated(unsafe): written once here, then only read by SQLite.
    nonisolated(unsafe) private static let module: UnsafeMutablePointer<sqlite3_module> = {
        let module = UnsafeMutablePointer<sqlite3_module>.allocate(capacity: 1)
        module.initialize(to: sqlite3_module())
        module.pointee.iVersion = 0
        // No xCreate: eponymous-only, the table exists on every connection with the module.
        module.pointee.xConnect = { connection, _, _, _, table, _ in
            let schema = "CREATE TABLE x(user_id TEXT, session INTEGER, session_id TEXT, ts INTEGER, time TEXT, "
                + "event_type TEXT, page TEXT, channel TEXT, device TEXT, campaign TEXT, amount REAL, order_id TEXT, "
                + "event_id TEXT)"
            let result = sqlite3_declare_vtab(connection, schema)
            guard result == SQLITE_OK else { return result }
            let allocated = UnsafeMutablePointer<csqlite_vtab>.allocate(capacity: 1)
            allocated.initialize(to: csqlite_vtab())
            allocated.pointee.state = UnsafeMutableRawPointer(connection)
            table?.pointee = UnsafeMutableRawPointer(allocated).assumingMemoryBound(to: sqlite3_vtab.self)
            return SQLITE_OK
        }
        module.pointee.xDisconnect = { table in
            UnsafeMutableRawPointer(table!).assumingMemoryBound(to: csqlite_vtab.self).deallocate()
            return SQLITE_OK
        }
        module.pointee.xBestIndex = { _, info in
            guard let info else { return SQLITE_ERROR }
            let count = Int(info.pointee.nConstraint)
            // `user_id = ?` reads one user; anything else reads everyone.
            for index in 0..<count {
                let constraint = info.pointee.aConstraint[index]
                if constraint.iColumn == 0, constraint.op == UInt8(SQLITE_INDEX_CONSTRAINT_EQ), constraint.usable != 0 {
                    info.pointee.aConstraintUsage[index].argvIndex = 1
                    info.pointee.aConstraintUsage[index].omit = 1
                    info.pointee.idxNum = 1
                    info.pointee.estimatedCost = 10
                    info.pointee.estimatedRows = 100
                    return SQLITE_OK
                }
            }
            info.pointee.idxNum = 0
            info.pointee.estimatedCost = 1e9
            info.pointee.estimatedRows = 10_000_000
            return SQLITE_OK
        }
        module.pointee.xOpen = { table, cursorOut in
            let connection = OpaquePointer(UnsafeMutableRawPointer(table!).assumingMemoryBound(to: csqlite_vtab.self).pointee.state!)
            let allocated = UnsafeMutablePointer<csqlite_cursor>.allocate(capacity: 1)
            allocated.initialize(to: csqlite_cursor())
            allocated.pointee.state = Unmanaged.passRetained(Cursor(connection: connection)).toOpaque()
            cursorOut?.pointee = UnsafeMutableRawPointer(allocated).assumingMemoryBound(to: sqlite3_vtab_cursor.self)
            return SQLITE_OK
        }
        module.pointee.xClose = { pointer in
            let raw = UnsafeMutableRawPointer(pointer!).assumingMemoryBound(to: csqlite_cursor.self)
            let cursor = Unmanaged<Cursor>.fromOpaque(raw.pointee.state!)
            cursor.takeUnretainedValue().close()
            cursor.release()
            raw.deallocate()
            return SQLITE_OK
        }
        module.pointee.xFilter = { pointer, indexNumber, _, argumentCount, arguments in
            let user: String? = indexNumber == 1 && argumentCount >= 1
                ? sqlite3_value_text(arguments![0]).map { String(cString: $0) } : nil
            do {
                if indexNumber == 1 && user == nil {
                    // `user_id = NULL` matches nothing.
                    try JourneyEventsTable.cursor(pointer).start(user: "\u{0}")
                } else {
                    try JourneyEventsTable.cursor(pointer).start(user: user)
                }
                return SQLITE_OK
            } catch {
                return JourneyEventsTable.fail(pointer, error)
            }
        }
        module.pointee.xNext = { pointer in
            do {
                try JourneyEventsTable.cursor(pointer).next()
                return SQLITE_OK
            } catch {
                return JourneyEventsTable.fail(pointer, error)
            }
        }
        module.pointee.xEof = { pointer in JourneyEventsTable.cursor(pointer).atEnd ? 1 : 0 }
        module.pointee.xColumn = { pointer, context, column in
            let cursor = JourneyEventsTable.cursor(pointer)
            let row = cursor.rows[cursor.position]
            func text(_ value: String?) {
                guard let value else { return sqlite3_result_null(context) }
                sqlite3_result_text(context, value, -1, csqlite_transient())
            }
            switch column {
            case 0: text(row.user)
            case 1: sqlite3_result_int64(context, row.session)
            case 2: text(row.sessionID)
            case 3: sqlite3_result_int64(context, row.timestamp)
            case 4: text(Timestamp.iso8601(row.timestamp))
            case 5: text(row.eventType)
            case 6: text(row.page)
            case 7: text(row.channel)
            case 8: text(row.device)
            case 9: text(row.campaign)
            case 10: if let amount = row.amount { sqlite3_result_double(context, amount) } else { sqlite3_result_null(context) }
            case 11: text(row.orderID)
            case 12: text(row.eventID)
            default: sqlite3_result_null(context)
            }
            return SQLITE_OK
        }
        module.pointee.xRowid = { pointer, rowID in
            rowID?.pointee = JourneyEventsTable.cursor(pointer).rowID
            return SQLITE_OK
        }
        return module
    }()
}
