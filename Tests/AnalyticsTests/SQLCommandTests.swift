import Foundation
import Testing
@testable import Analytics
@testable import AnalyticsStorage

/// `analytics sql` and the readable views: read-only for real, exact outputs, clear errors.
@Suite("SQL access")
struct SQLCommandTests {
    /// Two users: u1 with two sessions (email, then social with a completed order of 100), u2 with one.
    func database() throws -> (Fixture, String) {
        let fixture = try Fixture()
        try fixture.events(["\(t(0)),u1,page_view,/a,email,mobile", "\(t(1)),u1,product_view,/p,email,mobile",
                            "\(t(0, day: 2)),u1,page_view,/b,social,desktop", "\(t(0)),u2,page_view,/a,,tablet"])
        try fixture.orders(["o1,\(t(2, day: 2)),u1,100,completed"])
        let path = fixture.directory.path("fixture.sqlite")
        try fixture.database.close()
        return (fixture, path)
    }

    @Test("journey_sessions and journey_orders: names, external ids, ISO times")
    func views() throws {
        let (fixture, path) = try database()
        defer { withExtendedLifetime(fixture) {} }
        let result = try ReadOnlySQL.run(path: path, sql: """
            SELECT user_id, session, start_time, duration_seconds, events, orders, revenue, channel, device, landing_page
            FROM journey_sessions ORDER BY user_id, session
            """)
        #expect(result.columns == ["user_id", "session", "start_time", "duration_seconds", "events", "orders", "revenue",
                                   "channel", "device", "landing_page"])
        #expect(result.rows == [
            [.text("u1"), .integer(1), .text("2024-03-01T10:00:00.000Z"), .real(60), .integer(2), .integer(0), .real(0),
             .text("email"), .text("mobile"), .text("/a")],
            [.text("u1"), .integer(2), .text("2024-03-02T10:00:00.000Z"), .real(120), .integer(2), .integer(1), .real(100),
             .text("social"), .text("desktop"), .text("/b")],
            [.text("u2"), .integer(1), .text("2024-03-01T10:00:00.000Z"), .real(0), .integer(1), .integer(0), .real(0),
             .null, .text("tablet"), .text("/a")],
        ])
        let orders = try ReadOnlySQL.run(path: path, sql: "SELECT order_id, user_id, time, amount, status FROM journey_orders")
        #expect(orders.rows == [[.text("o1"), .text("u1"), .text("2024-03-02T10:02:00.000Z"), .real(100), .text("completed")]])
    }

    @Test("writes are refused with exit 65 and the file stays byte for byte the same")
    func refusesWrites() throws {
        let (fixture, path) = try database()
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let attempts = [
            "DELETE FROM sessions", "UPDATE users SET external_id = 'x'", "INSERT INTO settings VALUES ('a', 'b')",
            "DROP TABLE sessions", "CREATE TABLE t (x)", "CREATE TEMP TABLE t (x)", "ATTACH ':memory:' AS x",
            "ATTACH '\(fixture.directory.path("other.sqlite"))' AS x", "PRAGMA writable_schema = ON",
            "PRAGMA query_only = OFF", "PRAGMA journal_mode = DELETE", "VACUUM", "BEGIN", "REINDEX",
            "WITH x AS (SELECT 1) DELETE FROM users",
        ]
        for sql in attempts {
            let result = try CLI.run(["sql", "--db", path, sql])
            #expect(result.status == 65, "\(sql): \(result.stderr)")
            #expect(result.stderr.contains("analytics sql only reads") || result.stderr.contains("readonly"),
                    "\(sql): \(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
        #expect(!FileManager.default.fileExists(atPath: fixture.directory.path("other.sqlite")))
        // Reading pragmas work.
        let info = try CLI.run(["sql", "--db", path, "PRAGMA table_info(sessions)", "--format", "csv"])
        #expect(info.status == 0, "\(info.stderr)")
        #expect(info.stdout.hasPrefix("cid,name,type,notnull,dflt_value,pk\n0,id,INTEGER,0,,1\n"))
    }

    @Test("every format, parameters, and errors that say where and what to do")
    func formatsAndErrors() throws {
        let (fixture, path) = try database()
        defer { withExtendedLifetime(fixture) {} }
        let sql = "SELECT channel, count(*) AS sessions, sum(revenue) AS revenue FROM journey_sessions "
            + "WHERE device != :skip GROUP BY channel ORDER BY channel"
        let csv = try CLI.run(["sql", "--db", path, sql, "--param", "skip=tablet", "--format", "csv"])
        #expect(csv.stdout == "channel,sessions,revenue\nemail,1,0.0\nsocial,1,100.0\n", "\(csv.stderr)")
        let json = try CLI.run(["sql", "--db", path, "SELECT :n + 1 AS next, :s AS s, NULL AS empty", "--param", "n=41",
                                "--param", ":s=x y", "--format", "json"])
        #expect(json.stdout.replacingOccurrences(of: " ", with: "").replacingOccurrences(of: "\n", with: "")
                == #"{"columns":["next","s","empty"],"rows":[{"next":42,"s":"xy","empty":null}]}"#)
        let markdown = try CLI.run(["sql", "--db", path, "SELECT 1.5 AS x", "--format", "markdown"])
        #expect(markdown.stdout.contains("| 1.5 |"))

        let syntax = try CLI.run(["sql", "--db", path, "SELECT 1,\n  FROM journey_sessions"])
        #expect(syntax.status == 65)
        #expect(syntax.stderr.contains("syntax error at line 2, column 3:\n    FROM journey_sessions\n    ^"), "\(syntax.stderr)")
        let missing = try CLI.run(["sql", "--db", path, "SELECT :limit"])
        #expect(missing.status == 65)
        #expect(missing.stderr.contains("add --param limit=VALUE"))
        let two = try CLI.run(["sql", "--db", path, "SELECT 1; SELECT 2"])
        #expect(two.stderr.contains("exactly one statement"))
        let table = try CLI.run(["sql", "--db", path, "SELECT nosuch FROM journey_sessions"])
        #expect(table.status == 65)
        #expect(table.stderr.contains("no such column: nosuch"))
    }
}

/// `journey_events`, `window_funnel` and `retention` inside SQLite: in `analytics sql` and as a
/// loadable extension in the real sqlite3 shell, equal to the engine's own numbers.
@Suite("SQL functions and the journey_events table")
struct JourneySQLTests {
    /// Generated data with orders (events and an orders file).
    func generated(seed: UInt64) throws -> (Fixture, String) {
        let fixture = try Fixture()
        var generator = DataGenerator(events: 5000, seed: seed)
        generator.days = 30
        let output = try generator.write(to: fixture.directory.path("gen"))
        try fixture.load(try String(contentsOfFile: output.eventsPath, encoding: .utf8))
        try fixture.load(try String(contentsOfFile: output.ordersPath, encoding: .utf8))
        let path = fixture.directory.path("fixture.sqlite")
        try fixture.database.close()
        return (fixture, path)
    }

    static let customerJourneySQL = """
        SELECT depth, count(*) FROM (
          SELECT window_funnel(2592000000, ts, event_type = 'page_view', event_type = 'product_view',
                               event_type = 'order', event_type = 'order',
                               event_type IN ('review', 'referral', 'share')) AS depth
          FROM journey_events GROUP BY user_id %@) WHERE depth > 0 GROUP BY depth ORDER BY depth
        """

    /// Per-depth counts turned into reached-per-stage (reached_k = actors with depth >= k).
    func reached(_ rows: [(Int, Int)], stages: Int) -> [Int] {
        (1...stages).map { stage in rows.filter { $0.0 >= stage }.map(\.1).reduce(0, +) }
    }

    @Test("window_funnel over journey_events equals analytics funnel, by user and by session", arguments: [UInt64(3), 11])
    func windowFunnel(seed: UInt64) throws {
        let (fixture, path) = try generated(seed: seed)
        defer { withExtendedLifetime(fixture) {} }
        let workspace = try Workspace.open(path: path, create: false)
        for actor in FunnelActor.allCases {
            let sql = String(format: Self.customerJourneySQL, actor == .session ? ", session" : "")
            let rows = try workspace.sql(sql).rows.map { row -> (Int, Int) in
                guard case .integer(let depth) = row[0], case .integer(let count) = row[1] else { return (0, 0) }
                return (Int(depth), Int(count))
            }
            var query = FunnelQuery(journey: .customerJourney)
            query.actor = actor
            let funnel = try workspace.funnel(query)
            #expect(reached(rows, stages: 5) == funnel.stages.map(\.reached), "\(actor)")
            if actor == .user { #expect(funnel.stages[3].reached > 0, "the data should have repeat orders") }
        }
        // journey_events has every event and order once, in journey order per user.
        let counts = try workspace.sql("SELECT count(*), count(DISTINCT user_id), sum(event_type = 'order') FROM journey_events")
        let stored = try workspace.info()
        let events = stored.tables.first { $0.table == "events" }?.rows ?? -1
        let orders = stored.tables.first { $0.table == "orders" }?.rows ?? -1
        #expect(counts.rows.first?[0] == .integer(events + orders))
        #expect(counts.rows.first?[2] == .integer(orders))
        let sessions = try workspace.sql("SELECT count(*) FROM (SELECT DISTINCT user_id, session FROM journey_events)")
        let stored2 = try workspace.sql("SELECT count(*) FROM journey_sessions")
        #expect(sessions.rows == stored2.rows)
    }

    @Test("journey_events: one user's rows by user_id, as the journey view lists them")
    func oneUser() throws {
        let fixture = try Fixture()
        try fixture.events(["\(t(0)),u1,page_view,/a,email,mobile,spring", "\(t(1)),u1,product_view,/p,,mobile",
                            "\(t(0, day: 2)),u1,page_view,/b,social,desktop", "\(t(0)),u2,page_view,/a"])
        try fixture.orders(["o1,\(t(2, day: 2)),u1,100,refunded"])
        let path = fixture.directory.path("fixture.sqlite")
        try fixture.database.close()
        let workspace = try Workspace.open(path: path, create: false)
        let result = try workspace.sql("SELECT * FROM journey_events WHERE user_id = :u", parameters: ["u": "u1"])
        #expect(result.columns == ["user_id", "session", "session_id", "ts", "time", "event_type", "page", "channel",
                                   "device", "campaign", "amount", "order_id", "event_id"])
        #expect(result.rows.map { $0[1] } == [.integer(1), .integer(1), .integer(2), .integer(2)])
        #expect(result.rows.map { $0[5] } == [.text("page_view"), .text("product_view"), .text("page_view"), .text("order")])
        #expect(result.rows.map { $0[7] } == [.text("email"), .null, .text("social"), .null])
        #expect(result.rows[3][10] == .real(100))
        #expect(result.rows[3][11] == .text("o1"))
        #expect(result.rows[0][4] == .text("2024-03-01T10:00:00Z"))
        #expect(try workspace.sql("SELECT count(*) FROM journey_events WHERE user_id = 'nobody'").rows == [[.integer(0)]])
        let retention = try workspace.sql("""
            SELECT user_id, retention(event_type = 'page_view', event_type = 'order', event_type = 'search')
            FROM journey_events GROUP BY user_id ORDER BY user_id
            """)
        #expect(retention.rows == [[.text("u1"), .text("[1,1,0]")], [.text("u2"), .text("[1,0,0]")]])
        #expect(throws: SQLRefused.self) { try workspace.sql("SELECT window_funnel(1, ts) FROM journey_events") }
    }

    @Test("journey_properties: one row per property of an event or order, names resolved")
    func properties() throws {
        let fixture = try Fixture()
        try fixture.load("""
            timestamp,user_id,event_type,event_id,country,brand
            \(t(0)),w,page_view,e1,DE,
            \(t(1)),w,product_view,e2,,acme
            \(t(0)),v,page_view,e3,,
            """)
        let path = fixture.directory.path("fixture.sqlite")
        try fixture.database.close()
        let workspace = try Workspace.open(path: path, create: false)
        let result = try workspace.sql("SELECT user_id, session, event_type, event_id, property, value FROM journey_properties")
        #expect(result.rows == [[.text("w"), .integer(1), .text("page_view"), .text("e1"), .text("country"), .text("DE")],
                                [.text("w"), .integer(1), .text("product_view"), .text("e2"), .text("brand"), .text("acme")]])
        let joined = try workspace.sql("""
            SELECT e.event_type, p.value FROM journey_events AS e
            JOIN journey_properties AS p ON p.user_id = e.user_id AND p.event_id = e.event_id WHERE p.property = 'brand'
            """)
        #expect(joined.rows == [[.text("product_view"), .text("acme")]])
    }

    /// The built extension next to the test bundle (as `CLI.executable` finds the binary).
    static var extensionPath: String? {
        let binary = CLI.executable.deletingLastPathComponent()
        let library = binary.appending(path: "libJourneyExtension.so")
        return FileManager.default.fileExists(atPath: library.path) ? library.path : nil
    }

    @Test("the loadable extension in the sqlite3 shell gives analytics funnel's counts")
    func sqliteShell() throws {
        guard let shell = ["/usr/bin/sqlite3", "/bin/sqlite3"].first(where: FileManager.default.isExecutableFile(atPath:)) else {
            print("skipped: the sqlite3 shell is not installed (Debian package sqlite3)")
            return
        }
        let library = try #require(Self.extensionPath, "libJourneyExtension.so is built with the package")
        let (fixture, path) = try generated(seed: 5)
        defer { withExtendedLifetime(fixture) {} }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: shell)
        process.arguments = [path, ".load \(library.replacingOccurrences(of: ".so", with: ""))",
                             String(format: Self.customerJourneySQL, "")]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(errors)")
        let rows = text.split(separator: "\n").map { line -> (Int, Int) in
            let parts = line.split(separator: "|").compactMap { Int($0) }
            return parts.count == 2 ? (parts[0], parts[1]) : (0, 0)
        }
        let funnel = try Workspace.open(path: path, create: false).funnel(FunnelQuery(journey: .customerJourney))
        #expect(reached(rows, stages: 5) == funnel.stages.map(\.reached))
    }
}
