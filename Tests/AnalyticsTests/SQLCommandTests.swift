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
