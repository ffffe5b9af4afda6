import Foundation
import Testing
@testable import Analytics
@testable import AnalyticsCore
@testable import AnalyticsIngest
@testable import AnalyticsQueries
@testable import AnalyticsReports
@testable import AnalyticsSessions
@testable import AnalyticsStorage

// Paths, retention and attribution (the definitions of issue 15) checked against independent
// references on generated data: plain SQL over the raw `events` rows (the relational view of the
// event blocks), the `orders` table and the `sessions` table (retention, attribution), and a brute
// force in Swift that sorts each user's raw rows into journey order and cuts sessions itself
// (paths). The engines read the derived timelines instead, so a mistake on either side shows.

/// Generated data with a few kinds of rows added on purpose, loaded through the real importer:
/// - an event at the very instant of every fourth order (events come before orders at one instant);
/// - twins: a second event at the instant of some events, its id sorting before (`a...`) or after
///   (`z...`) the original's (`s...`), some of them with a channel `DIRECT`, `Direct` or none;
/// - lone visits a few hours before some users' first order, on `DIRECT`, `Direct`, no channel or email;
/// - extra orders with an empty, `COMPLETED` or `pending` status (revenue counts for the first two only);
/// - visits exactly 30 minutes after some users' last row (same session) and 30 minutes and 1 ms after that (new session);
/// - `Page` hits (the page_view role) and `purchase` events (the order role; `--role order=purchase
///   --role page_view=Page`): orders of one to three lines sharing an `order_id` (or single lines, their own
///   order by `event_id`), some lines without an amount, an event at the instant of some lines whose id sorts
///   after theirs, visits exactly two hours before some, and for some orders an orders-file row with the same
///   id (the order keeps its lines' time; the row's amount and status replace the lines');
/// - users whose files give session ids (overlapping sessions, rows without an id at one instant).
struct JourneyData {
    let fixture: Fixture
    /// The generated period: its first instant and its length.
    let start: Int64
    let days: Int
    var database: Database { fixture.database }

    static let day: Int64 = 86_400_000
    static let hour: Int64 = 3_600_000

    init(seed: UInt64) throws {
        fixture = try Fixture()
        var generator = DataGenerator(events: 6000, seed: seed)
        generator.days = 40
        start = generator.start
        days = generator.days
        let output = try generator.write(to: fixture.directory.path("gen"))
        try fixture.load(try String(contentsOfFile: output.eventsPath, encoding: .utf8))
        try fixture.load(try String(contentsOfFile: output.ordersPath, encoding: .utf8))
        try addEdgeCases(seed: seed)
        try addPurchases(seed: seed)
        try addKeyedUsers(seed: seed)
        try EventBlock.createEventsView(in: fixture.database)
    }

    // MARK: Rows added to the generated data

    private func addEdgeCases(seed: UInt64) throws {
        let database = fixture.database
        try EventBlock.createEventsView(in: database)
        let users = Dictionary(uniqueKeysWithValues: try database.query("SELECT id, external_id FROM users") {
            ($0.int64(0), $0.string(1))
        })
        var random = SplitMix64(seed: seed &* 7919 &+ 13)
        var events: [String] = [], orders: [String] = []
        func event(_ id: String, _ time: Int64, _ user: Int64, _ type: String, page: String = "", channel: String = "",
                   campaign: String = "") {
            events.append("\(id),\(Timestamp.iso8601(time)),\(users[user]!),\(type),\(page),\(channel),desktop,\(campaign)")
        }
        let generatedOrders = try database.query("SELECT user_id, ts FROM orders ORDER BY order_id") {
            (user: $0.int64(0), time: $0.int64(1))
        }
        for (index, order) in generatedOrders.enumerated() where index % 4 == 0 {
            event("x\(seed)t\(index)", order.time, order.user, "share", channel: "social")
        }
        let generatedEvents = try database.query("SELECT user_id, ts FROM events ORDER BY id") {
            (user: $0.int64(0), time: $0.int64(1))
        }
        for (index, row) in generatedEvents.enumerated() where random.chance(0.1) {
            let prefix = random.chance(0.5) ? "a" : "z"
            let type = ["search", "review", "page_view", "add_to_cart"][random.int(0...3)]
            let channel = ["DIRECT", "Direct", "", "email", "social"][random.int(0...4)]
            event("\(prefix)\(seed)w\(index)", row.time, row.user, type, page: "/twin", channel: channel)
        }
        let firstOrders = try database.query("SELECT user_id, MIN(ts) FROM orders GROUP BY user_id ORDER BY user_id") {
            (user: $0.int64(0), time: $0.int64(1))
        }
        for (index, order) in firstOrders.enumerated() where index % 3 == 0 {
            // Half of them exactly two hours before the order: on the edge of a 2-hour lookback.
            let time = order.time - 2 * Self.hour - (index % 2 == 0 ? 0 : Int64(random.int(1...4 * 3600)) * 1000)
            switch random.int(0...3) {
            case 0: event("l\(seed)v\(index)", time, order.user, "page_view", page: "/", channel: "DIRECT")
            case 1: event("l\(seed)v\(index)", time, order.user, "page_view", page: "/", channel: "Direct")
            case 2: event("l\(seed)v\(index)", time, order.user, "page_view", page: "/")
            default: event("l\(seed)v\(index)", time, order.user, "page_view", page: "/", channel: "email", campaign: "winback")
            }
        }
        // After some users' last row: a visit exactly 30 minutes later (the same session), and
        // another 30 minutes and 1 ms after that (a new one).
        let lastRows = try database.query("""
            SELECT user_id, max(ts) FROM (SELECT user_id, ts FROM events UNION ALL SELECT user_id, ts FROM orders)
            GROUP BY user_id ORDER BY user_id
            """) { (user: $0.int64(0), time: $0.int64(1)) }
        for (index, last) in lastRows.enumerated() where index % 5 == 0 {
            event("g\(seed)s\(index)", last.time + 30 * 60_000, last.user, "page_view", page: "/", channel: "referral")
            event("g\(seed)n\(index)", last.time + 60 * 60_000 + 1, last.user, "review", page: "/", channel: "email")
        }
        let userIDs = users.keys.sorted()
        for index in 0..<40 {
            let user = userIDs[random.int(0...userIDs.count - 1)]
            let time = start + Int64(random.unit() * Double(Int64(days) * Self.day))
            let status = ["", "COMPLETED", "pending", "completed"][index % 4]
            orders.append("x\(seed)o\(index),\(Timestamp.iso8601(time)),\(users[user]!),\(20 + index).25,EUR,\(status)")
        }
        try fixture.load("event_id,timestamp,user_id,event_type,page,channel,device,campaign\n"
                         + events.joined(separator: "\n") + "\n")
        try fixture.load("order_id,timestamp,user_id,revenue,currency,status\n" + orders.joined(separator: "\n") + "\n")
    }

    private func addPurchases(seed: UInt64) throws {
        let database = fixture.database
        try EventBlock.createEventsView(in: database)
        let users = Dictionary(uniqueKeysWithValues: try database.query("SELECT id, external_id FROM users") {
            ($0.int64(0), $0.string(1))
        })
        var random = SplitMix64(seed: seed &* 104_729 &+ 3)
        var lines: [String] = [], fileRows: [String] = []
        // One purchase per user for every sixth user, 10 s after one of their events.
        let anchors = try database.query("""
            SELECT user_id, ts, first FROM (
                SELECT user_id, ts, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY ts, id) AS k,
                       COUNT(*) OVER (PARTITION BY user_id) AS n, MIN(ts) OVER (PARTITION BY user_id) AS first FROM events)
            WHERE user_id % 6 = 0 AND k = 1 + n / 2 ORDER BY user_id
            """) { (user: $0.int64(0), time: $0.int64(1), first: $0.int64(2)) }
        for (index, anchor) in anchors.enumerated() {
            let user = users[anchor.user]!, time = anchor.time + 10_000
            let orderID = index % 4 == 3 ? "" : "p\(seed)o\(index)"
            let count = orderID.isEmpty ? 1 : 1 + index % 3
            for line in 0..<count {
                let price = (index + line) % 5 == 4 ? "" : "\(5 + (index * 7 + line * 3) % 40).5"
                // Lines 0 and 1 at one instant; line 2 twenty seconds later.
                lines.append("q\(seed)l\(index)-\(line),\(Timestamp.iso8601(time + (line == 2 ? 20_000 : 0))),\(user),"
                             + "purchase,/checkout,,desktop,,\(price),\(orderID)")
            }
            // Hits of the page_view role: a minute before the purchase, three days before the user's
            // first event, or two days after the purchase.
            switch index % 4 {
            case 1: lines.append("q\(seed)h\(index),\(Timestamp.iso8601(time - 60_000)),\(user),Page,/checkout/cart,,desktop,,,")
            case 2: lines.append("q\(seed)h\(index),\(Timestamp.iso8601(anchor.first - 3 * Self.day)),\(user),Page,/,,desktop,,,")
            default: lines.append("q\(seed)h\(index),\(Timestamp.iso8601(time + 2 * Self.day)),\(user),Page,/,,desktop,,,")
            }
            if count > 1 && index % 2 == 0 {
                // A visit exactly two hours before the first line: inside a 2-hour lookback from the order's time.
                lines.append("q\(seed)v\(index),\(Timestamp.iso8601(time - 2 * Self.hour)),\(user),page_view,/,paid_search,mobile,,,")
            }
            if index % 3 == 0 {
                // An event at the line's instant whose id sorts after the line's: events still come first.
                lines.append("zz\(seed)e\(index),\(Timestamp.iso8601(time)),\(user),review,/p,,desktop,,,")
            }
            if !orderID.isEmpty && index % 5 < 2 {
                let status = ["completed", "refunded", ""][random.int(0...2)]
                fileRows.append("\(orderID),\(Timestamp.iso8601(time - Self.day)),\(user),\(100 + index).75,EUR,\(status)")
            }
        }
        var options = ImportOptions()
        options.mapping = try ColumnMapping(pairs: ["revenue=price"])
            .merging(try ColumnMapping(roles: ["order=purchase", "page_view=Page"]))
        let path = try fixture.directory.write("purchases-\(seed).csv",
            "event_id,timestamp,user_id,event_type,page,channel,device,campaign,price,order_id\n"
                + lines.joined(separator: "\n") + "\n")
        // As the facade does: roles first (they re-derive what is stored), then the file.
        try SessionStore(database: database).add(roles: EventRoles(names: options.mapping.roles))
        let result = try Importer.maintainingSessions(database: database, options: options).importFile(path)
        precondition(result.status == .imported && result.rowsRejected == 0, "purchase rows rejected: \(result)")
        try fixture.load("order_id,timestamp,user_id,revenue,currency,status\n" + fileRows.joined(separator: "\n") + "\n")
    }

    /// Users whose files give session ids: sessions that overlap in time (a later session starts
    /// before an earlier one ends), gaps of 45 minutes inside a session, orders in a given session,
    /// and rows without an id (sessionized by gaps among themselves).
    private func addKeyedUsers(seed: UInt64) throws {
        var random = SplitMix64(seed: seed &* 15_485_863 &+ 11)
        var events: [String] = [], orders: [String] = []
        var counter = 0
        for user in 0..<40 {
            let name = "k\(seed)u\(user)"
            let base = start + Int64(random.unit() * 30) * Self.day + Int64(random.int(0...20 * 3600)) * 1000
            var latest = base
            for session in 0..<(2 + user % 3) {
                let key = "S\(user)-\(session)"
                var time = base + Int64(session * random.int(3...25)) * 60_000
                let channel = ["email", "direct", "social", "", "paid_search", "DIRECT"][random.int(0...5)]
                let campaign = channel == "email" ? "newsletter" : channel == "paid_search" ? "brand_search" : ""
                for event in 0..<(2 + random.int(0...3)) {
                    counter += 1
                    let type = event == 0 ? "page_view" : ["product_view", "add_to_cart", "search", "checkout"][random.int(0...3)]
                    events.append("k\(seed)e\(counter),\(Timestamp.iso8601(time)),\(name),\(type),/k,"
                                  + "\(event == 0 ? channel : ""),mobile,\(event == 0 ? campaign : ""),\(key)")
                    if event == 0 && user % 4 == 0 {
                        // At one instant: two rows without an id (ordered by type name: add_to_cart, search)
                        // before one with an id.
                        let at = Timestamp.iso8601(time + 30_000)
                        counter += 1
                        events.append(",\(at),\(name),search,/k,,mobile,,\(key)")
                        events.append(",\(at),\(name),add_to_cart,/k,,mobile,,\(key)")
                        events.append("k\(seed)e\(counter),\(at),\(name),review,/k,,mobile,,\(key)")
                        time += 30_000
                    }
                    time += Int64(random.chance(0.15) ? 45 * 60 : random.int(60...900)) * 1000
                }
                if random.chance(0.6) {
                    orders.append("k\(seed)o\(user)-\(session),\(Timestamp.iso8601(time)),\(name),\(30 + user).5,EUR,completed,\(key)")
                }
                latest = max(latest, time)
            }
            // Rows without a session id, before and after the keyed sessions, and an unkeyed order.
            counter += 1
            events.append("k\(seed)e\(counter),\(Timestamp.iso8601(base - 3 * Self.hour)),\(name),page_view,/,referral,mobile,,")
            counter += 1
            events.append("k\(seed)e\(counter),\(Timestamp.iso8601(latest + Self.day)),\(name),page_view,/,email,mobile,winback,")
            orders.append("k\(seed)o\(user)-x,\(Timestamp.iso8601(latest + Self.day + 60_000)),\(name),12.5,EUR,,")
        }
        try fixture.load("event_id,timestamp,user_id,event_type,page,channel,device,campaign,session_id\n"
                         + events.joined(separator: "\n") + "\n")
        try fixture.load("order_id,timestamp,user_id,revenue,currency,status,session_id\n" + orders.joined(separator: "\n") + "\n")
    }

    // MARK: Reading the raw tables

    /// The time of the stored event this far into all of them by time (ranges starting and ending exactly on a row).
    func eventTime(at fraction: Double) throws -> Int64 {
        try database.scalarInt("SELECT ts FROM events ORDER BY ts LIMIT 1 OFFSET (SELECT CAST(count(*) * ? AS INTEGER) FROM events)",
                               .real(fraction))!
    }

    /// The time of the orders-file row this far into all of them by time.
    func orderTime(at fraction: Double) throws -> Int64 {
        try database.scalarInt("SELECT ts FROM orders ORDER BY ts LIMIT 1 OFFSET (SELECT CAST(count(*) * ? AS INTEGER) FROM orders)",
                               .real(fraction))!
    }

    /// Event types playing a role (the role's own name included).
    func types(of role: String) throws -> Set<String> {
        Set(try database.query("SELECT event_type FROM roles WHERE role = ?", [.text(role)]) { $0.string(0) }).union([role])
    }

    /// SQL common table expressions over the raw tables: `lines` (events of the order role, with their order
    /// key), `file_orders` (orders-file rows; `merged` when a line of the same user has their id: such a row is
    /// no row of the journey; `counts` when its status is empty or `completed`), `journey(user_id, ts, type,
    /// is_order, is_page_view)` (every event and every unmerged orders-file row) and `ord(order_id, user_id, ts,
    /// revenue, session_key)` (distinct orders: unmerged file rows, and the order keys of lines at their first
    /// line's time; revenue where it counts).
    static let rawCTEs = """
        order_types(name) AS (SELECT 'order' UNION SELECT event_type FROM roles WHERE role = 'order'),
        page_view_types(name) AS (SELECT 'page_view' UNION SELECT event_type FROM roles WHERE role = 'page_view'),
        lines AS (
            SELECT e.user_id, e.ts, COALESCE(e.order_id, e.event_id) AS order_key, e.revenue, e.session_key
            FROM events e JOIN labels l ON l.id = e.event_type_id WHERE l.value IN (SELECT name FROM order_types)),
        file_orders AS (
            SELECT o.*, EXISTS (SELECT 1 FROM lines WHERE lines.user_id = o.user_id AND lines.order_key = o.order_id) AS merged,
                   (o.status_id IS NULL OR lower(st.value) = 'completed') AS counts
            FROM orders o LEFT JOIN labels st ON st.id = o.status_id),
        journey(user_id, ts, type, is_order, is_page_view) AS (
            SELECT e.user_id, e.ts, l.value, l.value IN (SELECT name FROM order_types), l.value IN (SELECT name FROM page_view_types)
            FROM events e JOIN labels l ON l.id = e.event_type_id
            UNION ALL
            SELECT user_id, ts, 'order', 1, 0 FROM file_orders WHERE NOT merged),
        ord(order_id, user_id, ts, revenue, session_key) AS (
            SELECT 'f:' || order_id, user_id, ts, CASE WHEN counts THEN revenue ELSE 0 END, session_key
            FROM file_orders WHERE NOT merged
            UNION ALL
            SELECT 'e:' || g.user_id || ':' || g.order_key, g.user_id, g.ts,
                   CASE WHEN f.order_id IS NULL THEN g.revenue WHEN f.counts THEN f.revenue ELSE 0 END, g.session_key
            FROM (SELECT user_id, order_key, MIN(ts) AS ts, COALESCE(SUM(revenue), 0) AS revenue,
                         session_key -- SQLite: the value on the row of the MIN (the first line)
                  FROM lines GROUP BY user_id, order_key) g
            LEFT JOIN file_orders f ON f.user_id = g.user_id AND f.order_id = g.order_key)
        """

    // MARK: Raw rows in journey order (the brute force's own sort)

    /// One raw event or order of a user.
    struct RawRow {
        var time: Int64
        var isOrder: Bool
        var externalID: String
        var type: String
        var position: Int64
        /// The session id given in the file.
        var sessionKey: String?
    }

    /// Each user's rows from the raw tables (events as stored, orders-file rows as type `order`),
    /// sorted in journey order: time, events before orders, id, type name, storage position.
    func journeys() throws -> [Int64: [RawRow]] {
        let orderTypes = try types(of: "order")
        var byUser: [Int64: [RawRow]] = [:]
        // Order keys of each user's order events: an orders-file row with one of them is merged into that order.
        var orderKeys: [Int64: Set<String>] = [:]
        for (user, row, orderID) in try database.query("""
            SELECT e.user_id, e.ts, e.event_id, l.value, e.id, e.order_id, e.session_key
            FROM events e JOIN labels l ON l.id = e.event_type_id
            """, [], { ($0.int64(0), RawRow(time: $0.int64(1), isOrder: false, externalID: $0.stringOrNil(2) ?? "",
                                            type: $0.string(3), position: $0.int64(4), sessionKey: $0.stringOrNil(6)),
                        $0.stringOrNil(5)) }) {
            var row = row
            if orderTypes.contains(row.type) {
                row.isOrder = true
                orderKeys[user, default: []].insert(orderID ?? row.externalID)
            }
            byUser[user, default: []].append(row)
        }
        for (user, row) in try database.query("SELECT user_id, ts, order_id, rowid, session_key FROM orders", [], {
            ($0.int64(0), RawRow(time: $0.int64(1), isOrder: true, externalID: $0.string(2), type: "order",
                                 position: $0.int64(3), sessionKey: $0.stringOrNil(4)))
        }) where !(orderKeys[user]?.contains(row.externalID) ?? false) {
            byUser[user, default: []].append(row)
        }
        for user in byUser.keys {
            byUser[user]!.sort { a, b in
                if a.time != b.time { return a.time < b.time }
                if a.isOrder != b.isOrder { return !a.isOrder }
                if a.externalID != b.externalID { return a.externalID.utf8.lexicographicallyPrecedes(b.externalID.utf8) }
                if a.type != b.type { return a.type.utf8.lexicographicallyPrecedes(b.type.utf8) }
                return a.position < b.position
            }
        }
        return byUser
    }

    /// Session numbers of rows in journey order: rows with a session id are that session; the
    /// others start a new session at the first of them and after every gap (among them) longer than
    /// 30 minutes. Sessions are numbered in the order of their first row.
    static func sessionNumbers(_ rows: [RawRow]) -> [Int] {
        var numbers: [Int] = []
        var keyed: [String: Int] = [:]
        var sessions = 0, currentUnkeyed = -1
        var lastUnkeyed: Int64?
        for row in rows {
            if let key = row.sessionKey {
                if keyed[key] == nil { keyed[key] = sessions; sessions += 1 }
                numbers.append(keyed[key]!)
            } else {
                if lastUnkeyed.map({ row.time - $0 > 30 * 60_000 }) ?? true { currentUnkeyed = sessions; sessions += 1 }
                numbers.append(currentUnkeyed)
                lastUnkeyed = row.time
            }
        }
        return numbers
    }
}

private func close(_ a: Double, _ b: Double) -> Bool {
    abs(a - b) <= 1e-9 * max(1, abs(a), abs(b))
}

private func bytesPrecede(_ a: [String], _ b: [String]) -> Bool {
    for (x, y) in zip(a, b) where x != y { return x.utf8.lexicographicallyPrecedes(y.utf8) }
    return a.count < b.count
}

// MARK: - Paths

@Suite("Paths, retention and attribution against independent references")
struct JourneyAnalysesReferenceTests {
    static let seeds: [UInt64] = [5, 17]

    struct PathCase: CustomStringConvertible {
        var actor: FunnelActor
        var anchor: PathQuery.Anchor
        var steps: Int
        var collapse: Bool
        var range: TimeRange = .all
        var description: String { "\(actor) \(anchor) steps \(steps) collapse \(collapse) range \(range.from ?? 0)-\(range.to ?? 0)" }
    }

    /// The brute-force path of one actor's event types (in journey order), or nil without an anchor.
    static func referencePath(_ types: [String], _ anchor: PathQuery.Anchor, steps: Int, collapse: Bool,
                              roleTypes: [String: Set<String>]) -> [String]? {
        // `order` and `page_view` also match the types of their roles.
        func matches(_ event: String) -> (String) -> Bool {
            { $0 == event || (roleTypes[event]?.contains($0) ?? false) }
        }
        // Collapsing merges runs of one type: the same as merging repeats while walking away from the anchor.
        func runs(_ list: ArraySlice<String>) -> [String] {
            collapse ? list.reduce(into: []) { if $0.last != $1 { $0.append($1) } } : Array(list)
        }
        switch anchor {
        case .firstEvent:
            guard !types.isEmpty else { return nil }
            let nodes = Array(runs(types[...]).prefix(steps))
            return nodes.count < steps ? nodes + [PathReport.endNode] : nodes
        case .start(let event):
            guard let first = types.firstIndex(where: matches(event)) else { return nil }
            let nodes = Array(runs(types[first...]).prefix(steps))
            return nodes.count < steps ? nodes + [PathReport.endNode] : nodes
        case .end(let event):
            guard let last = types.lastIndex(where: matches(event)) else { return nil }
            let nodes = Array(runs(types[...last]).suffix(steps))
            return nodes.count < steps ? [PathReport.startNode] + nodes : nodes
        case .startStage:
            Issue.record("stages are not covered by this reference")
            return nil
        }
    }

    @Test("paths: top paths and every edge equal a brute force over the raw rows, users and sessions",
          arguments: seeds)
    func paths(seed: UInt64) throws {
        let data = try JourneyData(seed: seed)
        let journeys = try data.journeys()
        let roleTypes = ["order": try data.types(of: "order"), "page_view": try data.types(of: "page_view")]
        #expect(roleTypes == ["order": ["order", "purchase"], "page_view": ["page_view", "Page"]])

        // The brute force's sessions are the stored ones (same count, starts and ends per user).
        let stored = try data.database.query("SELECT user_id, start_ts, end_ts FROM sessions ORDER BY user_id, ordinal") {
            ($0.int64(0), $0.int64(1), $0.int64(2))
        }
        var storedByUser: [Int64: [[Int64]]] = [:]
        for (user, start, end) in stored { storedByUser[user, default: []].append([start, end]) }
        var sessionsByUser: [Int64: [Int]] = [:]
        var mismatched = 0
        for (user, rows) in journeys {
            let numbers = JourneyData.sessionNumbers(rows)
            sessionsByUser[user] = numbers
            let mine = Dictionary(grouping: rows.indices, by: { numbers[$0] }).keys.sorted().map { session in
                let members = rows.indices.filter { numbers[$0] == session }
                return [rows[members.first!].time, members.map { rows[$0].time }.max()!]
            }
            if mine != storedByUser[user] { mismatched += 1 }
        }
        #expect(mismatched == 0, "users whose sessions differ from the sessions table")
        #expect(Set(storedByUser.keys) == Set(journeys.keys))

        // The data has what paths must handle: rows at one instant, several and interleaved sessions per user.
        let tiedOrders = journeys.values.reduce(0) { count, rows in
            count + rows.indices.dropFirst().filter {
                rows[$0].isOrder && !rows[$0 - 1].isOrder && rows[$0].time == rows[$0 - 1].time
            }.count
        }
        #expect(tiedOrders > 10, "events at the instant of an order")
        let tiedEvents = journeys.values.reduce(0) { count, rows in
            count + rows.indices.dropFirst().filter { !rows[$0].isOrder && rows[$0].time == rows[$0 - 1].time
                && rows[$0].type != rows[$0 - 1].type }.count
        }
        #expect(tiedEvents > 50, "events of different types at one instant")
        #expect(sessionsByUser.values.filter { ($0.max() ?? 0) >= 2 }.count > 50, "users with three or more sessions")
        #expect(sessionsByUser.values.filter { zip($0, $0.dropFirst()).contains { $0 > $1 } }.count > 10,
                "users whose sessions interleave in journey order")

        let day = JourneyData.day, start = data.start
        let middle = TimeRange(from: try data.eventTime(at: 0.2), to: try data.eventTime(at: 0.67))
        #expect(middle.from! > start + 4 * day && middle.to! < start + 36 * day)
        var cases: [PathCase] = []
        for actor in FunnelActor.allCases {
            for collapse in [false, true] {
                cases.append(PathCase(actor: actor, anchor: .firstEvent, steps: 3, collapse: collapse))
                cases.append(PathCase(actor: actor, anchor: .firstEvent, steps: 6, collapse: collapse))
                cases.append(PathCase(actor: actor, anchor: .start("product_view"), steps: 4, collapse: collapse))
                cases.append(PathCase(actor: actor, anchor: .start("order"), steps: 3, collapse: collapse))
                cases.append(PathCase(actor: actor, anchor: .end("order"), steps: 5, collapse: collapse))
                cases.append(PathCase(actor: actor, anchor: .end("checkout"), steps: 2, collapse: collapse))
                cases.append(PathCase(actor: actor, anchor: .end("page_view"), steps: 3, collapse: collapse))
                cases.append(PathCase(actor: actor, anchor: .start("page_view"), steps: 5, collapse: collapse, range: middle))
                cases.append(PathCase(actor: actor, anchor: .end("product_view"), steps: 4, collapse: collapse, range: middle))
                cases.append(PathCase(actor: actor, anchor: .firstEvent, steps: 1, collapse: collapse, range: middle))
            }
        }

        var sawEnd = false, sawStart = false, collapseChanged = false
        for pathCase in cases {
            // The actors: users, or each user's sessions, with their kept rows' types in journey order.
            var actors: [[String]] = []
            for (user, rows) in journeys {
                let numbers = sessionsByUser[user]!
                let kept = rows.indices.filter { pathCase.range.contains(rows[$0].time) }
                switch pathCase.actor {
                case .user: actors.append(kept.map { rows[$0].type })
                case .session:
                    for indices in Dictionary(grouping: kept, by: { numbers[$0] }).values {
                        actors.append(indices.sorted().map { rows[$0].type })
                    }
                }
            }
            var counts: [[String]: Int] = [:]
            for types in actors {
                if let path = Self.referencePath(types, pathCase.anchor, steps: pathCase.steps, collapse: pathCase.collapse,
                                                 roleTypes: roleTypes) {
                    counts[path, default: 0] += 1
                }
            }
            let anchored = counts.values.reduce(0, +)
            let ranked = counts.sorted { a, b in a.value != b.value ? a.value > b.value : bytesPrecede(a.key, b.key) }
            var edgeCounts: [[String]: Int] = [:]   // [step, from, to]
            for (path, count) in counts {
                for index in path.indices.dropLast() {
                    edgeCounts[["\(index + 1)", path[index], path[index + 1]], default: 0] += count
                }
            }
            let edges = edgeCounts.map { (step: Int($0.key[0])!, from: $0.key[1], to: $0.key[2], actors: $0.value) }
                .sorted { a, b in
                    if a.step != b.step { return a.step < b.step }
                    if a.actors != b.actors { return a.actors > b.actors }
                    return bytesPrecede([a.from, a.to], [b.from, b.to])
                }

            var query = PathQuery(anchor: pathCase.anchor)
            query.actor = pathCase.actor
            query.steps = pathCase.steps
            query.collapse = pathCase.collapse
            query.range = pathCase.range
            query.top = 1_000_000
            let report = try PathEngine.run(data.database, query)
            let label = "seed \(seed): \(pathCase)"
            #expect(report.actorsWithAnchor == anchored, "\(label)")
            #expect(report.distinctPaths == counts.count, "\(label)")
            #expect(report.paths.map(\.nodes) == ranked.map(\.key), "\(label)")
            #expect(report.paths.map(\.actors) == ranked.map(\.value), "\(label)")
            #expect(report.paths.allSatisfy { $0.share == Double($0.actors) / Double(anchored) }, "\(label)")
            #expect(report.edges.count == edges.count, "\(label)")
            #expect(report.edges.map { [String($0.step), $0.from, $0.to, String($0.actors)] }
                    == edges.map { [String($0.step), $0.from, $0.to, String($0.actors)] }, "\(label)")
            // The first ten of the ranking are the default top.
            query.top = 10
            #expect(try PathEngine.run(data.database, query).paths.map(\.nodes) == Array(ranked.prefix(10).map(\.key)),
                    "\(label)")

            #expect(anchored > 0, "\(label): the data should anchor paths")
            sawEnd = sawEnd || counts.keys.contains { $0.last == PathReport.endNode && $0.count > 1 }
            sawStart = sawStart || counts.keys.contains { $0.first == PathReport.startNode && $0.count > 1 }
            if pathCase.collapse {
                var plain = query
                plain.collapse = false
                plain.top = 1_000_000
                if try PathEngine.run(data.database, plain).paths != report.paths { collapseChanged = true }
            }
        }
        #expect(sawEnd && sawStart, "short paths end with (end) and start with (start)")
        #expect(collapseChanged, "collapsing repeats should change some paths")
        var sessions = PathQuery()
        sessions.actor = .session
        let sessionCount = try data.database.scalarInt("SELECT count(*) FROM sessions") ?? 0
        #expect(try PathEngine.run(data.database, sessions).actorsWithAnchor == Int(sessionCount))
        #expect(try PathEngine.run(data.database, PathQuery()).actorsWithAnchor == journeys.count)
    }

    // MARK: - Retention

    struct RetentionCase: CustomStringConvertible {
        var unit: CalendarPeriod.Unit
        var periods: Int
        var start: String?
        var returnEvent: String?
        var range: TimeRange = .all
        /// Offset from the data's first instant; nil: the default as-of.
        var asOf: Int64?
        var description: String {
            "\(unit) x\(periods) \(start ?? "any")/\(returnEvent ?? "any") range \(range.from ?? 0)-\(range.to ?? 0) "
                + "asOf \(asOf.map(String.init) ?? "default")"
        }
    }

    /// The SQLite date text of the first day of the UTC period an instant (ms) falls in.
    static func periodStartSQL(_ unit: CalendarPeriod.Unit, _ ts: String) -> String {
        switch unit {
        case .day: return "date(\(ts) / 1000, 'unixepoch')"
        case .week: return "date(\(ts) / 1000, 'unixepoch', '-6 days', 'weekday 1')"   // back to Monday
        case .month: return "date(\(ts) / 1000, 'unixepoch', 'start of month')"
        }
    }

    /// How many periods lie between two period start dates.
    static func periodOffsetSQL(_ unit: CalendarPeriod.Unit, _ later: String, _ earlier: String) -> String {
        switch unit {
        case .day: return "CAST(round(julianday(\(later)) - julianday(\(earlier))) AS INTEGER)"
        case .week: return "CAST(round((julianday(\(later)) - julianday(\(earlier))) / 7) AS INTEGER)"
        case .month:
            func months(_ date: String) -> String {
                "(CAST(strftime('%Y', \(date)) AS INTEGER) * 12 + CAST(strftime('%m', \(date)) AS INTEGER))"
            }
            return "(\(months(later)) - \(months(earlier)))"
        }
    }

    /// The instant (ms) period `offset` after a cohort's start date starts.
    static func periodInstantSQL(_ unit: CalendarPeriod.Unit, _ cohort: String, _ offset: String) -> String {
        let shifted: String
        switch unit {
        case .day: shifted = "date(\(cohort), '+' || (\(offset)) || ' days')"
        case .week: shifted = "date(\(cohort), '+' || ((\(offset)) * 7) || ' days')"
        case .month: shifted = "date(\(cohort), '+' || (\(offset)) || ' months')"
        }
        return "(CAST(strftime('%s', \(shifted)) AS INTEGER) * 1000)"
    }

    /// Per cohort (start date) and period offset: size, users returned, period start and end instants.
    static func retentionSQL(_ unit: CalendarPeriod.Unit) -> String {
        """
        WITH RECURSIVE
        \(JourneyData.rawCTEs),
        entries AS (
            SELECT user_id, MIN(ts) AS ts FROM journey
            WHERE (?1 IS NULL OR type = ?1 OR (?1 = 'order' AND is_order) OR (?1 = 'page_view' AND is_page_view))
              AND ts >= ?3 AND ts < ?4
            GROUP BY user_id),
        cohorts AS (SELECT user_id, ts, \(periodStartSQL(unit, "ts")) AS cohort FROM entries),
        returns AS (
            SELECT DISTINCT c.user_id, c.cohort,
                   \(periodOffsetSQL(unit, periodStartSQL(unit, "j.ts"), "c.cohort")) AS period
            FROM cohorts c JOIN journey j ON j.user_id = c.user_id AND j.ts > c.ts
                                          AND (?2 IS NULL OR j.type = ?2 OR (?2 = 'order' AND j.is_order)
                                               OR (?2 = 'page_view' AND j.is_page_view))),
        offsets(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM offsets WHERE i + 1 < ?5),
        sizes AS (SELECT cohort, COUNT(*) AS size FROM cohorts GROUP BY cohort)
        SELECT s.cohort, s.size, o.i,
               (SELECT COUNT(*) FROM returns r WHERE r.cohort = s.cohort AND r.period = o.i),
               \(periodInstantSQL(unit, "s.cohort", "o.i")), \(periodInstantSQL(unit, "s.cohort", "o.i + 1")),
               \(unit == .month ? "substr(s.cohort, 1, 7)" : "s.cohort")
        FROM sizes s CROSS JOIN offsets o
        ORDER BY s.cohort, o.i
        """
    }

    @Test("retention: every cohort cell equals plain SQL over the raw rows (UTC days, weeks, months)",
          arguments: seeds)
    func retention(seed: UInt64) throws {
        let data = try JourneyData(seed: seed)
        let day = JourneyData.day, hour = JourneyData.hour
        let cases: [RetentionCase] = [
            // as-of exactly at midnight: the period starting then has a value (open), the next none.
            RetentionCase(unit: .day, periods: 10, start: nil, returnEvent: nil, asOf: 20 * day),
            RetentionCase(unit: .day, periods: 12, start: "order", returnEvent: nil,
                          range: TimeRange(from: data.start + 3 * day + 5 * hour, to: data.start + 15 * day), asOf: 40 * day),
            RetentionCase(unit: .day, periods: 7, start: "product_view", returnEvent: "product_view", asOf: 25 * day + 13 * hour),
            RetentionCase(unit: .week, periods: 6, start: "product_view", returnEvent: "order", asOf: 33 * day + 2 * hour),
            RetentionCase(unit: .week, periods: 6, start: nil, returnEvent: nil,
                          range: TimeRange(from: data.start + 7 * day, to: data.start + 28 * day), asOf: 30 * day + 5 * hour),
            RetentionCase(unit: .day, periods: 9, start: "page_view", returnEvent: nil,
                          range: TimeRange(from: try data.eventTime(at: 0.2), to: try data.eventTime(at: 0.67)),
                          asOf: 26 * day + 9 * hour),
            RetentionCase(unit: .week, periods: 8, start: "order", returnEvent: "order", asOf: nil),
            RetentionCase(unit: .day, periods: 5, start: "order", returnEvent: "page_view", asOf: 38 * day),
            RetentionCase(unit: .month, periods: 3, start: nil, returnEvent: nil, asOf: nil),
            RetentionCase(unit: .month, periods: 2, start: "page_view", returnEvent: "product_view", asOf: 31 * day + hour),
            RetentionCase(unit: .month, periods: 3, start: "order", returnEvent: "order",
                          range: TimeRange(from: data.start + 2 * day, to: data.start + 36 * day), asOf: 45 * day),
        ]
        let latest = try data.database.scalarInt("WITH \(JourneyData.rawCTEs) SELECT max(ts) FROM journey")
        var nilCells = 0, openCells = 0, closedCells = 0
        for retentionCase in cases {
            let label = "seed \(seed): \(retentionCase)"
            let asOf = retentionCase.asOf.map { data.start + $0 } ?? latest!
            let rows = try data.database.query(Self.retentionSQL(retentionCase.unit), [
                .string(retentionCase.start), .string(retentionCase.returnEvent),
                .integer(retentionCase.range.lower), .integer(retentionCase.range.upper),
                .integer(Int64(retentionCase.periods)),
            ]) { row in
                (cohort: row.string(6), size: row.int(1), offset: row.int(2), returned: row.int(3),
                 start: row.int64(4), end: row.int64(5))
            }
            // Expected cohorts, in date order.
            var expected: [RetentionReport.Cohort] = []
            for row in rows {
                if row.offset == 0 {
                    expected.append(RetentionReport.Cohort(label: row.cohort, start: row.start, size: row.size, cells: []))
                }
                let cell = row.start > asOf
                    ? RetentionReport.Cell(returned: nil, rate: nil, open: false)
                    : RetentionReport.Cell(returned: row.returned, rate: Double(row.returned) / Double(row.size),
                                           open: row.end > asOf)
                expected[expected.count - 1].cells.append(cell)
            }

            var query = RetentionQuery()
            query.period = retentionCase.unit
            query.periods = retentionCase.periods
            query.start = retentionCase.start
            query.returnEvent = retentionCase.returnEvent
            query.range = retentionCase.range
            query.asOf = retentionCase.asOf.map { data.start + $0 }
            let report = try RetentionEngine.run(data.database, query)
            #expect(report.asOf == asOf, "\(label)")
            #expect(report.groups.isEmpty, "\(label)")
            let cohorts = report.total.cohorts
            #expect(cohorts.map(\.label) == expected.map(\.label), "\(label)")
            #expect(cohorts.map(\.start) == expected.map(\.start), "\(label)")
            #expect(cohorts.map(\.size) == expected.map(\.size), "\(label)")
            for (got, want) in zip(cohorts, expected) {
                #expect(got.cells.map(\.returned) == want.cells.map(\.returned), "\(label) cohort \(want.label)")
                #expect(got.cells.map(\.open) == want.cells.map(\.open), "\(label) cohort \(want.label)")
                #expect(got.cells.map(\.rate) == want.cells.map(\.rate), "\(label) cohort \(want.label)")
            }
            // Mean curve: complete cells only.
            let meanBase = (0..<retentionCase.periods).map { offset in
                expected.filter { $0.cells[offset].returned != nil && !$0.cells[offset].open }.reduce(0) { $0 + $1.size }
            }
            let meanReturned = (0..<retentionCase.periods).map { offset in
                expected.filter { $0.cells[offset].returned != nil && !$0.cells[offset].open }
                    .reduce(0) { $0 + $1.cells[offset].returned! }
            }
            #expect(report.total.meanBase == meanBase, "\(label)")
            #expect(report.total.meanRates == zip(meanReturned, meanBase).map { $1 == 0 ? nil : Double($0) / Double($1) },
                    "\(label)")

            // The data exercises the case: cohorts, and returns after the entry period.
            #expect(expected.count > 1, "\(label): several cohorts")
            let later = expected.reduce(0) { $0 + $1.cells.dropFirst().reduce(0) { $0 + ($1.returned ?? 0) } }
            #expect(later > 0, "\(label): returns in period 1 or later")
            for cohort in expected {
                for cell in cohort.cells {
                    if cell.returned == nil { nilCells += 1 } else if cell.open { openCells += 1 } else { closedCells += 1 }
                }
            }
        }
        #expect(nilCells > 0 && openCells > 0 && closedCells > 0, "cells without value, open and complete")
    }

    // MARK: - Attribution

    /// Per order in [?1, ?2) its touchpoints: the user's sessions starting in [t - ?3, t], plus the order's own
    /// session (the one with its session id, or else the session without an id whose span holds it), in
    /// session order; and their weights under the five closed-form models.
    static let touchpointSQL = """
        WITH
        \(JourneyData.rawCTEs),
        ranged AS (SELECT * FROM ord WHERE ts >= ?1 AND ts < ?2),
        touch AS (
            SELECT ord.order_id, ord.ts, ord.revenue, s.ordinal, s.start_ts, s.channel_id, s.campaign_id
            FROM ranged ord JOIN sessions s ON s.user_id = ord.user_id
            WHERE s.start_ts BETWEEN ord.ts - ?3 AND ord.ts
               OR (ord.session_key IS NOT NULL AND s.session_key = ord.session_key)
               OR (ord.session_key IS NULL AND s.session_key IS NULL AND s.start_ts <= ord.ts AND s.end_ts >= ord.ts)),
        ranked AS (
            SELECT t.*, ROW_NUMBER() OVER (PARTITION BY t.order_id ORDER BY t.ordinal) AS k,
                   COUNT(*) OVER (PARTITION BY t.order_id) AS n,
                   COALESCE(ch.value, '(none)') AS channel, COALESCE(ca.value, '(none)') AS campaign,
                   (ch.value IS NOT NULL AND lower(ch.value) <> 'direct') AS marketing
            FROM touch t LEFT JOIN labels ch ON ch.id = t.channel_id LEFT JOIN labels ca ON ca.id = t.campaign_id),
        lnd AS (
            SELECT order_id, COALESCE(MAX(CASE WHEN marketing THEN k END), MAX(n)) AS chosen FROM ranked GROUP BY order_id)
        SELECT r.order_id, r.revenue, r.ts - r.start_ts AS age, r.channel, r.campaign, r.n,
               CASE WHEN r.k = 1 THEN 1.0 ELSE 0.0 END AS w_first,
               CASE WHEN r.k = r.n THEN 1.0 ELSE 0.0 END AS w_last,
               CASE WHEN r.k = l.chosen THEN 1.0 ELSE 0.0 END AS w_lnd,
               1.0 / r.n AS w_linear,
               CASE WHEN r.n = 1 THEN 1.0 WHEN r.n = 2 THEN 0.5 WHEN r.k = 1 OR r.k = r.n THEN 0.4
                    ELSE 0.2 / (r.n - 2) END AS w_position
        FROM ranked r JOIN lnd l ON l.order_id = r.order_id
        ORDER BY r.order_id, r.k
        """

    /// The same credits summed per value in SQL alone (the five closed-form models).
    static func creditSQL(_ column: String) -> String {
        """
        SELECT \(column), SUM(w_first), SUM(w_first * revenue), SUM(w_last), SUM(w_last * revenue),
               SUM(w_lnd), SUM(w_lnd * revenue), SUM(w_linear), SUM(w_linear * revenue),
               SUM(w_position), SUM(w_position * revenue)
        FROM (\(touchpointSQL)) GROUP BY \(column)
        """
    }

    struct AttributionCase: CustomStringConvertible {
        var lookback: Int64
        var halfLife: Int64 = 7 * 86_400_000
        var range: TimeRange = .all
        var description: String { "lookback \(lookback) half-life \(halfLife) range \(range.from ?? 0)-\(range.to ?? 0)" }
    }

    @Test("attribution: every model's credit per channel and campaign equals plain SQL over orders and sessions",
          arguments: seeds)
    func attribution(seed: UInt64) throws {
        let data = try JourneyData(seed: seed)
        let database = data.database
        let day = JourneyData.day, hour = JourneyData.hour
        let models: [AttributionModel] = [.first, .last, .lastNonDirect, .linear, .position, .timeDecay]
        #expect(Set(models) == Set(AttributionModel.allCases))
        let cases = [
            AttributionCase(lookback: 30 * day),
            AttributionCase(lookback: hour),
            AttributionCase(lookback: 2 * hour, halfLife: 3 * hour,
                            range: TimeRange(from: try data.orderTime(at: 0.33), to: try data.orderTime(at: 0.8))),
            AttributionCase(lookback: 5 * 60_000, halfLife: hour),
            AttributionCase(lookback: 7 * day, halfLife: day, range: TimeRange(from: data.start + 10 * day + 3 * hour,
                                                                               to: data.start + 30 * day)),
        ]

        // The data exercises the models: several touchpoints, own sessions older than the lookback,
        // last-non-direct differing from last, orders whose revenue does not count.
        func scalar(_ sql: String, _ values: [SQLValue]) throws -> Int {
            try database.query(sql, values) { $0.int(0) }.first ?? 0
        }
        let all: [SQLValue] = [.integer(.min), .integer(.max)]
        #expect(try scalar("SELECT count(*) FROM (\(Self.touchpointSQL)) WHERE n >= 3 AND w_first = 1",
                           all + [.integer(30 * day)]) > 20,
                "orders with three or more touchpoints in 30 days")
        #expect(try scalar("""
            WITH \(JourneyData.rawCTEs)
            SELECT count(*) FROM ord o JOIN sessions s ON s.user_id = o.user_id AND s.start_ts <= o.ts AND s.end_ts >= o.ts
                                                      AND s.session_key IS o.session_key
            WHERE s.start_ts < o.ts - 300000
            """, []) > 20, "orders whose own session started before a 5-minute lookback")
        #expect(try scalar("SELECT count(*) FROM (\(Self.touchpointSQL)) WHERE w_last = 1 AND w_lnd = 0",
                           all + [.integer(30 * day)]) > 5, "last-non-direct not the last touchpoint")
        #expect(try scalar("SELECT count(*) FROM (\(Self.touchpointSQL)) WHERE channel IN ('DIRECT', 'Direct', '(none)')",
                           all + [.integer(30 * day)]) > 5, "direct touchpoints in other letter cases, and none")
        #expect(try scalar("""
            SELECT count(*) FROM orders o JOIN labels l ON l.id = o.status_id WHERE lower(l.value) <> 'completed'
            """, []) > 5, "orders whose revenue does not count")
        #expect(try scalar("SELECT count(*) FROM orders WHERE status_id IS NULL", []) > 5, "orders without a status")
        #expect(try scalar("WITH \(JourneyData.rawCTEs) SELECT count(*) FROM ord WHERE order_id LIKE 'e:%'", []) > 20,
                "orders of order events")
        #expect(try scalar("""
            WITH \(JourneyData.rawCTEs)
            SELECT count(*) FROM (SELECT 1 FROM lines GROUP BY user_id, order_key HAVING count(*) > 1)
            """, []) > 5,
                "orders of several lines")
        #expect(try scalar("WITH \(JourneyData.rawCTEs) SELECT count(*) FROM file_orders WHERE merged", []) > 3,
                "orders-file rows merged into order events")
        #expect(try scalar("WITH \(JourneyData.rawCTEs) SELECT count(*) FROM lines WHERE revenue IS NULL", []) > 3,
                "order lines without an amount")
        #expect(try scalar("""
            SELECT count(*) FROM sessions a JOIN sessions b ON b.user_id = a.user_id AND b.ordinal = a.ordinal + 1
            WHERE b.start_ts < a.end_ts
            """, []) > 10, "sessions starting before the previous one ends")
        #expect(try scalar("""
            SELECT count(*) FROM orders o JOIN sessions s ON s.user_id = o.user_id AND s.session_key = o.session_key
            WHERE EXISTS (SELECT 1 FROM sessions t WHERE t.user_id = o.user_id AND t.ordinal > s.ordinal AND t.start_ts <= o.ts)
            """, []) > 5, "orders in a session other than the last one started before them")
        #expect(try scalar("""
            SELECT count(*) FROM orders o JOIN sessions s ON s.user_id = o.user_id AND s.start_ts = o.ts - 7200000
            WHERE o.ts >= ?1 AND o.ts < ?2
            """, [.integer(try data.orderTime(at: 0.33)), .integer(try data.orderTime(at: 0.8))]) > 3,
            "sessions starting exactly at the edge of a 2-hour lookback")

        for attributionCase in cases {
            let bounds: [SQLValue] = [.integer(attributionCase.range.lower), .integer(attributionCase.range.upper),
                                      .integer(attributionCase.lookback)]
            struct Touch {
                var order: String, revenue: Double, age: Int64, channel: String, campaign: String, weights: [Double]
            }
            let touches = try database.query(Self.touchpointSQL, bounds) { row in
                Touch(order: row.string(0), revenue: row.double(1), age: row.int64(2), channel: row.string(3),
                      campaign: row.string(4), weights: (6...10).map { row.double(Int32($0)) })
            }
            let orderRevenue = try database.query("""
                WITH \(JourneyData.rawCTEs) SELECT count(*), COALESCE(SUM(revenue), 0) FROM ord WHERE ts >= ?1 AND ts < ?2
                """, Array(bounds.prefix(2))) { ($0.int(0), $0.double(1)) }[0]

            // Time decay: 2^(-age / half-life) per touchpoint, normalised per order.
            var decay = [Double](repeating: 0, count: touches.count)
            var first = 0
            while first < touches.count {
                var end = first
                while end < touches.count && touches[end].order == touches[first].order { end += 1 }
                let raw = (first..<end).map { exp2(-Double(touches[$0].age) / Double(attributionCase.halfLife)) }
                let total = raw.reduce(0, +)
                for index in first..<end { decay[index] = raw[index - first] / total }
                first = end
            }

            for (dimension, key) in [(TouchpointDimension.channel, \Touch.channel), (.campaign, \Touch.campaign)] {
                let label = "seed \(seed): \(attributionCase) by \(dimension)"
                // Reference per value and model: (orders, revenue).
                var reference: [String: [(orders: Double, revenue: Double)]] = [:]
                for (index, touch) in touches.enumerated() {
                    var row = reference[touch[keyPath: key]] ?? Array(repeating: (0, 0), count: models.count)
                    for (position, weight) in (touch.weights + [decay[index]]).enumerated() {
                        row[position].orders += weight
                        row[position].revenue += weight * touch.revenue
                    }
                    reference[touch[keyPath: key]] = row
                }
                // The five closed-form models once more, summed by SQL itself.
                let summed = try database.query(Self.creditSQL(dimension == .channel ? "channel" : "campaign"), bounds) { row in
                    (row.string(0), (1...10).map { row.double(Int32($0)) })
                }
                #expect(Set(summed.map(\.0)) == Set(reference.keys), "\(label)")
                for (value, sums) in summed {
                    for position in 0..<5 {
                        #expect(close(sums[2 * position], reference[value]?[position].orders ?? .nan), "\(label) \(value)")
                        #expect(close(sums[2 * position + 1], reference[value]?[position].revenue ?? .nan), "\(label) \(value)")
                    }
                }

                var query = AttributionQuery()
                query.lookbackMilliseconds = attributionCase.lookback
                query.halfLifeMilliseconds = attributionCase.halfLife
                query.range = attributionCase.range
                query.dimension = dimension
                let report = try AttributionEngine.run(database, query, models: models)
                #expect(report.models == models)
                #expect(report.orders == orderRevenue.0, "\(label)")
                #expect(close(report.revenue, orderRevenue.1), "\(label)")
                #expect(close(report.touchpointsPerOrder ?? .nan, Double(touches.count) / Double(orderRevenue.0)), "\(label)")
                #expect(Set(report.rows.map(\.value)) == Set(reference.keys), "\(label)")
                for row in report.rows {
                    guard let want = reference[row.value] else { continue }
                    for (position, model) in models.enumerated() {
                        let got = row.credits[position]
                        #expect(close(got.orders, want[position].orders),
                                "\(label) \(model) \(row.value): orders \(got.orders) vs \(want[position].orders)")
                        #expect(close(got.revenue, want[position].revenue),
                                "\(label) \(model) \(row.value): revenue \(got.revenue) vs \(want[position].revenue)")
                        #expect(close(got.orderShare ?? .nan, want[position].orders / Double(orderRevenue.0)), "\(label)")
                        #expect(close(got.revenueShare ?? .nan, want[position].revenue / orderRevenue.1), "\(label)")
                    }
                }
                // Every model hands out exactly the orders and the revenue.
                for (position, model) in models.enumerated() {
                    #expect(close(report.rows.reduce(0) { $0 + $1.credits[position].orders }, Double(orderRevenue.0)),
                            "\(label) \(model)")
                    #expect(close(report.rows.reduce(0) { $0 + $1.credits[position].revenue }, orderRevenue.1),
                            "\(label) \(model)")
                }
                // Rows by the first model's orders, then name.
                let firsts = report.rows.map { ($0.credits[0].orders, $0.value) }
                #expect(zip(firsts, firsts.dropFirst()).allSatisfy { a, b in
                    a.0 != b.0 ? a.0 > b.0 : a.1.utf8.lexicographicallyPrecedes(b.1.utf8)
                }, "\(label)")
                #expect(report.rows.count > 3, "\(label): several values credited")
                // The models do differ on this data.
                let byModel = (0..<models.count).map { position in report.rows.map { $0.credits[position].orders } }
                #expect(Set(byModel.map { $0.map { ($0 * 1e6).rounded() } }).count == models.count || attributionCase.lookback < day,
                        "\(label): the models should disagree")
            }
        }
    }
}
