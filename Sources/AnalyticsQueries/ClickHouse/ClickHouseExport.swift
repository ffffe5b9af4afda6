import CZlib
import Foundation
import AnalyticsCore
import AnalyticsSessions
import AnalyticsStorage

/// What `analytics export --target clickhouse` wrote.
public struct ClickHouseExportSummary: Sendable, Equatable {
    /// The folder holding the files and `load.sql`.
    public var directory: String
    /// The files written, relative to `directory`, `load.sql` last.
    public var files: [String]
    public var users: Int
    public var events: Int
    public var orders: Int
    public var sessions: Int
    /// The import id given with `--since` (nil: everything).
    public var since: Int64?
}

/// Why an export could not be written.
public struct ClickHouseExportFailure: Error, CustomStringConvertible, Equatable {
    public let path: String
    public let problem: String
    public var description: String { "\(path): \(problem)" }
}

/// Writes the events (with properties), orders and sessions of a database as gzip-compressed
/// TSV files (`TabSeparatedWithNames`) and a `load.sql` that creates the ClickHouse tables and
/// loads them (docs/scale-out.md). Events come from each user's journey as the engine sees it
/// (`JourneyReader`): journey order, sessions numbered as in `sessions`; sessions from the table.
package enum ClickHouseExport {
    /// Exports everything, or with `since` only the users touched by imports after that import
    /// id (their rows whole: `load.sql` deletes those users' rows first, then inserts).
    /// - Throws: `ClickHouseExportFailure` for a file that cannot be written, `SQLiteError`.
    package static func write(_ database: Database, to directory: String, since: Int64? = nil) throws
        -> ClickHouseExportSummary {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ClickHouseExportFailure(path: directory, problem: "cannot create the folder (\(error.localizedDescription))")
        }
        let touched = try since.map { try touchedUsers(database, after: $0) }
        let names = try LabelNames(database: database)
        let properties = Dictionary(uniqueKeysWithValues: try database.query("SELECT id, name FROM properties") {
            ($0.int64(0), $0.string(1))
        })
        func text(_ id: Int64?) -> String {
            let name = names.name(id)
            return name == LabelNames.none ? "" : name
        }
        func map(_ props: PropertyBytes) -> String {
            let pairs = PropertyCodec.decode(props).compactMap { pair -> (String, String)? in
                guard let name = properties[pair.property] else { return nil }
                let value = text(pair.value)
                return value.isEmpty ? nil : (name, value)
            }
            return "{" + pairs.map { ClickHouseSQL.literal($0.0) + ":" + ClickHouseSQL.literal($0.1) }
                .joined(separator: ",") + "}"
        }
        let events = try GzipFile(path: directory + "/events.tsv.gz")
        let orders = try GzipFile(path: directory + "/orders.tsv.gz")
        let sessions = try GzipFile(path: directory + "/sessions.tsv.gz")
        let users = since == nil ? nil : try GzipFile(path: directory + "/users.tsv.gz")
        events.row(ClickHouseSQL.eventColumns.map(\.0))
        orders.row(ClickHouseSQL.orderColumns.map(\.0))
        sessions.row(ClickHouseSQL.sessionColumns.map(\.0))
        users?.row(["user"])
        var summary = ClickHouseExportSummary(directory: directory, files: [], users: 0, events: 0, orders: 0, sessions: 0,
                                              since: since)

        let reader = try JourneyReader(database: database)
        let userRows = try database.query("SELECT id, external_id FROM users ORDER BY id") { ($0.int64(0), $0.string(1)) }
        for (id, external) in userRows where touched?.contains(id) ?? true {
            let journey = try reader.journey(ofUser: id, external: external)
            summary.users += 1
            users?.row([external])
            for row in JourneyEventRow.rows(of: journey) {
                let event = row.event, session = String(row.session.ordinal), orderID = row.orderID ?? ""
                events.row([external, session, event.sessionKey ?? "", String(event.timestamp), event.eventTypeName,
                            row.page ?? "", row.channel ?? "", row.device ?? "", row.campaign ?? "",
                            row.sessionChannel ?? "", row.sessionDevice ?? "", row.sessionCampaign ?? "",
                            event.isOrder ? "1" : "0", orderID, row.amount.map { "\($0)" } ?? "0", row.eventID ?? "",
                            map(event.props)], rawLast: true)
                summary.events += 1
                guard event.isOrder else { continue }
                orders.row([external, session, String(event.timestamp), orderID, event.eventTypeName,
                            "\(event.revenue)", event.countsRevenue ? "1" : "0", event.fromOrdersFile ? "1" : "0"])
                summary.orders += 1
            }
        }
        let statement = try database.prepare("""
            SELECT s.user_id, u.external_id, s.ordinal, s.session_key, s.start_ts, s.end_ts, s.events, s.page_views,
                   s.orders, s.revenue_orders, s.revenue, s.channel_id, s.device_id, s.campaign_id, s.landing_page_id, s.props
            FROM sessions AS s JOIN users AS u ON u.id = s.user_id
            ORDER BY s.user_id, s.ordinal
            """)
        while let row = try statement.step() {
            guard touched?.contains(row.int64(0)) ?? true else { continue }
            sessions.row([row.string(1), String(row.int64(2)), row.stringOrNil(3) ?? "", String(row.int64(4)),
                          String(row.int64(5)), String(row.int64(6)), String(row.int64(7)), String(row.int64(8)),
                          String(row.int64(9)), "\(row.double(10))", text(row.int64OrNil(11)), text(row.int64OrNil(12)),
                          text(row.int64OrNil(13)), text(row.int64OrNil(14)),
                          map(row.isNull(15) ? [] : row.withBlob(15) { PropertyBytes($0) })], rawLast: true)
            summary.sessions += 1
        }
        for file in [events, orders, sessions] + (users.map { [$0] } ?? []) { try file.close() }
        let data = [("events", "events.tsv.gz"), ("orders", "orders.tsv.gz"), ("sessions", "sessions.tsv.gz")]
        let script = ClickHouseSQL.loadScript(files: data, replacingUsersFile: users == nil ? nil : "users.tsv.gz")
        let scriptPath = directory + "/load.sql"
        guard FileManager.default.createFile(atPath: scriptPath, contents: Data(script.utf8)) else {
            throw ClickHouseExportFailure(path: scriptPath, problem: "cannot write the file")
        }
        summary.files = data.map(\.1) + (users == nil ? [] : ["users.tsv.gz"]) + ["load.sql"]
        return summary
    }

    /// Users with an event or an orders-file row written by an import after `importID`.
    static func touchedUsers(_ database: Database, after importID: Int64) throws -> Set<Int64> {
        var users = Set(try database.query("SELECT DISTINCT user_id FROM orders WHERE import_id > ?", [.integer(importID)]) {
            $0.int64(0)
        })
        let blocks = try database.prepare("SELECT user_id, events FROM event_blocks")
        while let row = try blocks.step() {
            let user = row.int64(0)
            if users.contains(user) { continue }
            if try row.withBlob(1, { try EventBlock.decode($0) }).contains(where: { $0.importID > importID }) {
                users.insert(user)
            }
        }
        return users
    }
}

/// A gzip file written row by row in ClickHouse's TSV escaping. Not thread-safe.
final class GzipFile {
    let path: String
    private var file: gzFile?
    private var buffer: [UInt8] = []

    init(path: String) throws {
        self.path = path
        guard let file = gzopen(path, "wb6") else {
            throw ClickHouseExportFailure(path: path, problem: "cannot write the file")
        }
        self.file = file
        buffer.reserveCapacity(1 << 17)
    }

    /// Appends one row: fields escaped (backslash, tab, newline, carriage return), tab-separated;
    /// the last field as it is when `rawLast` (a `Map` written with quoted, already escaped strings).
    func row(_ fields: [String], rawLast: Bool = false) {
        for (index, field) in fields.enumerated() {
            if index > 0 { buffer.append(9) }
            if rawLast && index == fields.count - 1 {
                buffer += field.utf8
                continue
            }
            for byte in field.utf8 {
                switch byte {
                case 92: buffer += [92, 92]
                case 9: buffer += [92, 116]
                case 10: buffer += [92, 110]
                case 13: buffer += [92, 114]
                default: buffer.append(byte)
                }
            }
        }
        buffer.append(10)
        if buffer.count >= 1 << 16 { flushBuffer() }
    }

    private func flushBuffer() {
        guard !buffer.isEmpty, let file else { return }
        buffer.withUnsafeBytes { _ = gzwrite(file, $0.baseAddress, UInt32($0.count)) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes what is buffered and closes the file.
    /// - Throws: `ClickHouseExportFailure` when zlib reports an error.
    func close() throws {
        flushBuffer()
        guard let file else { return }
        self.file = nil
        guard gzclose(file) == Z_OK else { throw ClickHouseExportFailure(path: path, problem: "cannot write the file") }
    }

    deinit { if let file { gzclose(file) } }
}
