import CSQLite
import Foundation
import AnalyticsCore
import AnalyticsSessions
import AnalyticsStorage

/// `journey_events` and `journey_properties`: eponymous virtual tables with one row per event and
/// per order (in journey order per user, names resolved, sessions numbered as everywhere else), and
/// one row per property of an event or order. Registered on the tool's SQL connections and by the
/// loadable extension (`sqlite3_journeyextension_init`); `WHERE user_id = ?` reads that user alone.
package enum JourneyEventsTable {
    /// What a table lists.
    enum Shape {
        case events, properties

        var schema: String {
            switch self {
            case .events:
                return "CREATE TABLE x(user_id TEXT, session INTEGER, session_id TEXT, ts INTEGER, time TEXT, "
                    + "event_type TEXT, page TEXT, channel TEXT, device TEXT, campaign TEXT, amount REAL, order_id TEXT, "
                    + "event_id TEXT)"
            case .properties:
                return "CREATE TABLE x(user_id TEXT, session INTEGER, ts INTEGER, event_type TEXT, event_id TEXT, "
                    + "order_id TEXT, property TEXT, value TEXT)"
            }
        }
    }

    /// Registers both tables on a connection.
    /// - Returns: SQLite's result code.
    @discardableResult
    package static func register(on connection: OpaquePointer) -> Int32 {
        let events = sqlite3_create_module_v2(connection, "journey_events", eventsModule, nil, nil)
        guard events == SQLITE_OK else { return events }
        return sqlite3_create_module_v2(connection, "journey_properties", propertiesModule, nil, nil)
    }

    /// One row: an event or order, and for `journey_properties` one of its properties.
    struct Row {
        let event: JourneyEventRow
        var property: String? = nil
        var value: String? = nil
    }

    /// What a table instance knows: its connection and what it lists.
    final class TableState {
        let connection: OpaquePointer
        let shape: Shape

        init(connection: OpaquePointer, shape: Shape) {
            self.connection = connection
            self.shape = shape
        }
    }

    /// A scan: the users still to read and the rows of the current one.
    final class Cursor {
        let database: Database
        let shape: Shape
        var reader: JourneyReader?
        /// Property names by id (`journey_properties`).
        var propertyNames: [Int64: String] = [:]
        var users: Statement?
        var rows: [Row] = []
        var position = 0
        var rowID: Int64 = 0

        init(state: TableState) {
            database = Database(borrowing: state.connection)
            shape = state.shape
        }

        func start(user: String?) throws {
            reader = try JourneyReader(database: database)
            if shape == .properties {
                propertyNames = Dictionary(uniqueKeysWithValues: try database.query("SELECT id, name FROM properties") {
                    ($0.int64(0), $0.string(1))
                })
            }
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
                for row in JourneyEventRow.rows(of: journey) {
                    switch shape {
                    case .events: rows.append(Row(event: row))
                    case .properties:
                        for pair in PropertyCodec.decode(row.event.props) {
                            rows.append(Row(event: row, property: propertyNames[pair.property],
                                            value: reader.names.name(pair.value)))
                        }
                    }
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
    /// Connects a table of a shape: declares its columns and keeps its state.
    private static func connect(_ shape: Shape, _ connection: OpaquePointer?,
                                _ table: UnsafeMutablePointer<UnsafeMutablePointer<sqlite3_vtab>?>?) -> Int32 {
        guard let connection else { return SQLITE_ERROR }
        let result = sqlite3_declare_vtab(connection, shape.schema)
        guard result == SQLITE_OK else { return result }
        let allocated = UnsafeMutablePointer<csqlite_vtab>.allocate(capacity: 1)
        allocated.initialize(to: csqlite_vtab())
        allocated.pointee.state = Unmanaged.passRetained(TableState(connection: connection, shape: shape)).toOpaque()
        table?.pointee = UnsafeMutableRawPointer(allocated).assumingMemoryBound(to: sqlite3_vtab.self)
        return SQLITE_OK
    }

    // nonisolated(unsafe): written once here, then only read by SQLite.
    nonisolated(unsafe) private static let eventsModule: UnsafeMutablePointer<sqlite3_module> = {
        let module = makeModule()
        module.pointee.xConnect = { connection, _, _, _, table, _ in JourneyEventsTable.connect(.events, connection, table) }
        return module
    }()

    nonisolated(unsafe) private static let propertiesModule: UnsafeMutablePointer<sqlite3_module> = {
        let module = makeModule()
        module.pointee.xConnect = { connection, _, _, _, table, _ in JourneyEventsTable.connect(.properties, connection, table) }
        return module
    }()

    /// The callbacks both tables share (all but xConnect). No xCreate: eponymous-only, each table
    /// exists on every connection with the module.
    private static func makeModule() -> UnsafeMutablePointer<sqlite3_module> {
        let module = UnsafeMutablePointer<sqlite3_module>.allocate(capacity: 1)
        module.initialize(to: sqlite3_module())
        module.pointee.iVersion = 0
        module.pointee.xDisconnect = { table in
            let raw = UnsafeMutableRawPointer(table!).assumingMemoryBound(to: csqlite_vtab.self)
            Unmanaged<TableState>.fromOpaque(raw.pointee.state!).release()
            raw.deallocate()
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
            let raw = UnsafeMutableRawPointer(table!).assumingMemoryBound(to: csqlite_vtab.self)
            let state = Unmanaged<TableState>.fromOpaque(raw.pointee.state!).takeUnretainedValue()
            let allocated = UnsafeMutablePointer<csqlite_cursor>.allocate(capacity: 1)
            allocated.initialize(to: csqlite_cursor())
            allocated.pointee.state = Unmanaged.passRetained(Cursor(state: state)).toOpaque()
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
            switch (cursor.shape, column) {
            case (_, 0): text(row.event.user)
            case (_, 1): sqlite3_result_int64(context, Int64(row.event.session.ordinal))
            case (.events, 2): text(row.event.event.sessionKey)
            case (.events, 3), (.properties, 2): sqlite3_result_int64(context, row.event.event.timestamp)
            case (.events, 4): text(Timestamp.iso8601(row.event.event.timestamp))
            case (.events, 5), (.properties, 3): text(row.event.event.eventTypeName)
            case (.events, 6): text(row.event.page)
            case (.events, 7): text(row.event.channel)
            case (.events, 8): text(row.event.device)
            case (.events, 9): text(row.event.campaign)
            case (.events, 10):
                if let amount = row.event.amount { sqlite3_result_double(context, amount) } else { sqlite3_result_null(context) }
            case (.events, 11), (.properties, 5): text(row.event.orderID)
            case (.events, 12), (.properties, 4): text(row.event.eventID)
            case (.properties, 6): text(row.property)
            case (.properties, 7): text(row.value)
            default: sqlite3_result_null(context)
            }
            return SQLITE_OK
        }
        module.pointee.xRowid = { pointer, rowID in
            rowID?.pointee = JourneyEventsTable.cursor(pointer).rowID
            return SQLITE_OK
        }
        return module
    }
}
