import Foundation
import Testing
@testable import Analytics
@testable import AnalyticsCore
@testable import AnalyticsIngest
@testable import AnalyticsQueries
@testable import AnalyticsReports
@testable import AnalyticsSessions
@testable import AnalyticsStorage
@testable import CSVScanner

/// The package's folder, for SampleData.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
let sampleData = packageRoot.appending(path: "SampleData")

/// Counts rows of a table through a fresh read connection.
func count(_ table: String, in path: String, where condition: String = "1") throws -> Int64 {
    let database = try Database(path: path, mode: .readOnly)
    if table == "events" { try EventBlock.createEventsView(in: database) }
    return try database.scalarInt("SELECT count(*) FROM \(table) WHERE \(condition)") ?? -1
}

/// Lines of a CSV file minus its header (files here have no quoted line breaks).
/// The first file of an import's JSON summary.
private func firstFile(_ json: String) throws -> [String: Any]? {
    ((try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])?["files"] as? [[String: Any]])?.first
}

/// An order's status label.
private func orderStatus(_ orderID: String, in database: Database) throws -> String? {
    try database.scalarText("SELECT l.value FROM orders o JOIN labels l ON l.id = o.status_id WHERE o.order_id = ?",
                            .text(orderID))
}

func dataLines(_ url: URL) throws -> Int64 {
    Int64(try String(contentsOf: url, encoding: .utf8).split(separator: "\n").count - 1)
}

@Suite("Import (CLI)")
struct ImportTests {
    @Test("SampleData imports fully, and a second import adds nothing")
    func importsSampleData() throws {
        let directory = TemporaryDirectory()
        let db = directory.path("s.sqlite")
        let first = try CLI.run(["import", sampleData.path, "--db", db, "--format", "json"])
        #expect(first.status == 0, "\(first.stderr)")
        let events = try dataLines(sampleData.appending(path: "events.csv"))
        let orders = try dataLines(sampleData.appending(path: "orders.csv"))
        #expect(try count("events", in: db) == events)
        #expect(try count("orders", in: db) == orders)
        #expect(try count("rejects", in: db) == 0)
        #expect(try count("sessions", in: db) > 0)
        let summary = try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any]
        let total = summary?["total"] as? [String: Any]
        #expect(total?["rows_imported"] as? Int == Int(events + orders))
        // Every file's checksum, also of those hashed ahead while the one before was imported, is
        // its content's (Python's hashlib, an independent SHA-256).
        let files = summary?["files"] as? [[String: Any]] ?? []
        #expect(files.count >= 2)
        for file in files {
            let path = try #require(file["path"] as? String)
            #expect(file["sha256"] as? String == (try sha256Hex(path)), "\(path)")
        }

        let second = try CLI.run(["import", sampleData.path, "--db", db])
        #expect(second.status == 0)
        #expect(second.stdout.contains("skipped"))
        #expect(second.stdout.contains("already imported"))
        #expect(try count("events", in: db) == events)
        #expect(try count("orders", in: db) == orders)
        #expect(try count("imports", in: db) == 2)
    }

    @Test("the bad-rows file yields exactly the expected rejects")
    func badRows() throws {
        let directory = TemporaryDirectory()
        let db = directory.path("b.sqlite")
        let file = sampleData.appending(path: "bad/events_with_bad_rows.csv").path
        let result = try CLI.run(["import", file, "--db", db])
        #expect(result.status == 1, "exit 1: rows rejected, file imported")
        #expect(result.stdout.contains("10 rows rejected"))
        #expect(try count("events", in: db) == 3)
        let database = try Database(path: db)
        let rejects = try ImportLedger.rejects(database)
        let expected: [(Int64, String)] = [
            (3, "wrong number of fields: expected 9, found 7"),
            (4, "unparsable timestamp: 'yesterday'"),
            (5, "timestamp has no time zone (use --assume-timezone ZONE): '2024-03-01 10:00:00'"),
            (6, "empty required field user_id"),
            (7, "non-numeric revenue: 'abc'"),
            (8, "invalid UTF-8 in field page"),
            (11, "a field is longer than 65536 bytes"),
            (12, "text after a closing quote"),
            (13, "empty required field event_type"),
            (15, "unterminated quote: a quoted field is not closed before the end of the file or within 1000 lines; "
                + "this line is rejected and reading goes on at the next"),
        ]
        #expect(rejects.map(\.line) == expected.map(\.0))
        #expect(rejects.map(\.reason) == expected.map(\.1))
        #expect(rejects[0].raw == "b2,2024-03-01T10:00:05Z,u1,page_view,/,organic_search,mobile")
        #expect(rejects.allSatisfy { $0.raw.utf8.count <= CSVReader.rawTextLimit + 3 })
        // The good rows, including the quoted multi-line page and the epoch timestamp.
        try EventBlock.createEventsView(in: database)
        let pages = try database.query("""
            SELECT l.value FROM events e JOIN labels l ON l.id = e.page_id ORDER BY e.event_id
            """) { $0.string(0) }
        #expect(pages == ["/", "/", "/search?q=\"red\nshoes\""])
        #expect(try database.scalarInt("SELECT ts FROM events WHERE event_id = 'b12'") == 1_709_287_680_000)

        let listed = try CLI.run(["rejects", "--db", db, "--import", "1", "--format", "csv"])
        #expect(listed.stdout.split(separator: "\n").count >= 11)
        #expect(listed.stdout.contains("unterminated quote"))
    }

    @Test("--strict and --max-errors abort a file and import nothing from it")
    func errorLimits() throws {
        let directory = TemporaryDirectory()
        let file = sampleData.appending(path: "bad/events_with_bad_rows.csv").path
        for arguments in [["--strict"], ["--max-errors", "5"], ["--max-errors", "50%"]] {
            let db = directory.path("limit-\(arguments.joined()).sqlite")
            let result = try CLI.run(["import", file, "--db", db] + arguments)
            #expect(result.status == 2, "\(arguments)")
            #expect(result.stdout.contains("aborted") || result.stderr.contains("aborted"))
            #expect(try count("events", in: db) == 0)
            #expect(try count("imports", in: db, where: "status = 'aborted'") == 1)
            #expect(try count("rejects", in: db) >= 1, "the rejects that caused the abort are kept")
        }
        let lenient = try CLI.run(["import", file, "--db", directory.path("lenient.sqlite"), "--max-errors", "80%"])
        #expect(lenient.status == 1)
        #expect(try count("events", in: directory.path("lenient.sqlite")) == 3)
    }

    @Test("one orders file into an empty database: a repeated order id updates the order, an identical repeat is a duplicate")
    func orderRepeatsInOneFile() throws {
        let directory = TemporaryDirectory()
        let db = directory.path("o.sqlite")
        // Orders into an empty table are inserted without a lookup; the file's own repeats must still be found.
        let orders = try directory.write("orders.csv", """
            order_id,timestamp,user_id,revenue,currency,status
            o1,2024-03-01T10:00:00Z,u1,50.00,EUR,completed
            o2,2024-03-01T11:00:00Z,u2,20.00,EUR,completed
            o1,2024-03-01T10:00:00Z,u1,50.00,EUR,refunded
            o2,2024-03-01T11:00:00Z,u2,20.00,EUR,completed
            """)
        let result = try CLI.run(["import", orders, "--db", db, "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let file = try firstFile(result.stdout)
        #expect(file?["rows_imported"] as? Int == 2)
        #expect(file?["rows_updated"] as? Int == 1)
        #expect(file?["rows_duplicate"] as? Int == 1)
        let database = try Database(path: db)
        #expect(try database.scalarInt("SELECT count(*) FROM orders") == 2)
        #expect(try orderStatus("o1", in: database) == "refunded")
    }

    @Test("a later orders file updates an order's status; identical rows count as duplicates")
    func orderUpdates() throws {
        let directory = TemporaryDirectory()
        let db = directory.path("o.sqlite")
        let day1 = try directory.write("orders-1.csv", """
            order_id,timestamp,user_id,revenue,currency,status
            o1,2024-03-01T10:00:00Z,u1,50.00,EUR,completed
            o2,2024-03-01T11:00:00Z,u2,20.00,EUR,completed
            """)
        let day2 = try directory.write("orders-2.csv", """
            order_id,timestamp,user_id,revenue,currency,status
            o1,2024-03-01T10:00:00Z,u1,50.00,EUR,refunded
            o2,2024-03-01T11:00:00Z,u2,20.00,EUR,completed
            o3,2024-03-02T09:00:00Z,u1,10.00,EUR,
            """)
        #expect(try CLI.run(["import", day1, "--db", db]).status == 0)
        let second = try CLI.run(["import", day2, "--db", db, "--format", "json"])
        #expect(second.status == 0)
        let file = try firstFile(second.stdout)
        #expect(file?["rows_updated"] as? Int == 1)
        #expect(file?["rows_duplicate"] as? Int == 1)
        #expect(file?["rows_imported"] as? Int == 1)
        let database = try Database(path: db)
        #expect(try orderStatus("o1", in: database) == "refunded")
        #expect(try count("orders", in: db) == 3)
        // u1's session now holds a refunded order: an order, but no revenue.
        #expect(try database.scalarInt("SELECT sum(orders) FROM sessions WHERE user_id = (SELECT id FROM users WHERE external_id = 'u1')") == 2)
        #expect(try database.query("SELECT sum(revenue) FROM sessions WHERE user_id = (SELECT id FROM users WHERE external_id = 'u1')") { $0.double(0) } == [10.0])
    }

    @Test("event ids already stored, or repeated in a file, are skipped as duplicates (bulk and incremental loads)")
    func eventDuplicates() throws {
        let directory = TemporaryDirectory()
        let header = "event_id,timestamp,user_id,event_type\n"
        var big = header
        for index in 0..<300 { big += "e\(index),2024-03-01T10:\(String(format: "%02d", index % 60)):00Z,u\(index % 7),page_view\n" }
        let first = try directory.write("a-big.csv", big)
        // Small next to the stored rows: an incremental load.
        let small = try directory.write("b-small.csv", header + "e5,2024-03-01T10:05:00Z,u5,page_view\ne900,2024-03-01T11:00:00Z,u1,page_view\ne900,2024-03-01T11:00:01Z,u1,page_view\n")
        let db = directory.path("d.sqlite")
        #expect(try CLI.run(["import", first, "--db", db]).status == 0)
        let incremental = try CLI.run(["import", small, "--db", db, "--format", "json"])
        #expect(incremental.stdout.contains("\"rows_duplicate\": 2"))
        #expect(try count("events", in: db) == 301)

        // Large next to the stored rows: a bulk load, which builds indexes afterwards.
        let db2 = directory.path("d2.sqlite")
        #expect(try CLI.run(["import", small, "--db", db2]).status == 0)
        let bulk = try CLI.run(["import", first, "--db", db2, "--format", "json"])
        #expect(bulk.stdout.contains("\"rows_duplicate\": 1"), "e5 was stored before")
        #expect(bulk.stdout.contains("\"rows_imported\": 299"))
        #expect(try count("events", in: db2) == 301)
        let database = try Database(path: db2)
        #expect(try database.scalarInt("SELECT count(*) FROM sqlite_schema WHERE name = 'event_blocks'") == 1)
        #expect(try database.scalarText("PRAGMA integrity_check") == "ok")
        // The stored copy of e5 is the first one (from the small file).
        try EventBlock.createEventsView(in: database)
        #expect(try database.scalarInt("SELECT import_id FROM events WHERE event_id = 'e5'") == 1)
    }

    @Test("a file of 70,000 new users: the external-id index is built after them, unique, and finds them in the next file")
    func manyNewUsers() throws {
        let fixture = try Fixture()
        try fixture.events(["\(t(0)),early,page_view"])
        // More new users than `LabelStore.usersPerSave` and than were stored: the index is dropped
        // while they are written and built again before the file ends.
        try fixture.events((0..<70_000).map { "\(t(1)),u\($0),page_view" })
        let database = fixture.database
        #expect(try database.scalarInt("SELECT count(*) FROM users") == 70_001)
        #expect(try database.scalarInt("SELECT count(DISTINCT external_id) FROM users") == 70_001)
        #expect(try database.scalarText("SELECT sql FROM sqlite_schema WHERE name = ?", .text(LabelStore.externalIDIndex))?
            .contains("UNIQUE") == true)
        let plan = try database.query("EXPLAIN QUERY PLAN SELECT id FROM users WHERE external_id = 'u5'") { $0.string(3) }
        #expect(plan.contains { $0.contains(LabelStore.externalIDIndex) })
        let before = try database.query("SELECT external_id, id FROM users WHERE external_id IN ('u0', 'u69999')") {
            [$0.string(0): $0.int64(1)]
        }
        // A small file looks its users up by external id (through the index): the same ids, one new user.
        try fixture.events(["\(t(2)),u0,page_view", "\(t(2)),u69999,page_view", "\(t(2)),late,page_view"])
        #expect(try database.scalarInt("SELECT count(*) FROM users") == 70_002)
        #expect(try database.query("SELECT external_id, id FROM users WHERE external_id IN ('u0', 'u69999')") {
            [$0.string(0): $0.int64(1)]
        } == before)
        #expect(try database.scalarText("PRAGMA integrity_check") == "ok")
    }

    @Test("--force re-imports a file, replacing the earlier import atomically")
    func force() throws {
        let directory = TemporaryDirectory()
        let db = directory.path("f.sqlite")
        let file = try directory.write("events.csv", "timestamp,user_id,event_type\n2024-03-01T10:00:00Z,u1,page_view\n2024-03-01T10:01:00Z,u1,product_view\n")
        #expect(try CLI.run(["import", file, "--db", db]).status == 0)
        let forced = try CLI.run(["import", file, "--db", db, "--force"])
        #expect(forced.status == 0)
        #expect(try count("events", in: db) == 2)
        #expect(try count("imports", in: db, where: "status = 'replaced'") == 1)
        #expect(try count("imports", in: db, where: "status = 'completed'") == 1)
        #expect(try count("sessions", in: db) == 1)
    }

    @Test("a missing required column names it and the columns found")
    func missingColumn() throws {
        let directory = TemporaryDirectory()
        let file = try directory.write("x.csv", "timestamp,event_type\n2024-03-01T10:00:00Z,page_view\n")
        let result = try CLI.run(["import", file, "--db", directory.path("m.sqlite")])
        #expect(result.status == 2)
        #expect(result.stdout.contains("missing required events column user_id; the header has: timestamp, event_type"))
    }

    @Test("--map, --mapping files, other delimiters, assumed zones and gzip")
    func mappingAndFormats() throws {
        let directory = TemporaryDirectory()
        let db = directory.path("map.sqlite")
        let file = try directory.write("export.csv", """
            event_time;event_type;product_id;price;user_id;user_session
            2019-10-01 00:00:00 UTC;view;44600062;35.79;541312140;72d76fde
            2019-10-01 00:00:05 UTC;cart;44600062;35.79;541312140;72d76fde
            """)
        let result = try CLI.run(["import", file, "--db", db, "--delimiter", ";", "--map", "timestamp=event_time",
                                  "--map", "session_id=user_session", "--map", "revenue=price"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        // Unmapped columns are kept as properties; the column mapped to revenue is kept under its name too.
        #expect(result.stdout.contains("kept as properties: product_id, price"))
        #expect(!result.stdout.contains("ignored columns"))
        #expect(try count("events", in: db) == 2)
        #expect(try count("sessions", in: db) == 1)

        let mapping = try directory.write("mapping.yaml", "timestamp: time\nuser_id: visitor\nevent_type: action\n")
        let local = try directory.write("local.csv", "time\tvisitor\taction\n2024-03-01 11:00:00\tv1\tpage_view\n")
        let zoned = try CLI.run(["import", local, "--db", db, "--mapping", mapping, "--delimiter", "tab",
                                 "--assume-timezone", "Europe/Berlin"])
        #expect(zoned.status == 0, "\(zoned.stdout)")
        let database = try Database(path: db)
        try EventBlock.createEventsView(in: database)
        #expect(try database.scalarInt("SELECT ts FROM events WHERE user_id = (SELECT id FROM users WHERE external_id = 'v1')")
                == Timestamp.milliseconds(year: 2024, month: 3, day: 1) + 10 * 3_600_000)

        let gz = try directory.write("day.csv", "timestamp,user_id,event_type\n1709287200,g1,page_view\n")
        let gzip = Process()
        gzip.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        gzip.arguments = ["gzip", "-f", gz]
        try gzip.run()
        gzip.waitUntilExit()
        let imported = try CLI.run(["import", directory.url.path, "--db", db])
        #expect(imported.stdout.contains("day.csv.gz"))
        #expect(try count("events", in: db, where: "user_id = (SELECT id FROM users WHERE external_id = 'g1')") == 1)

        let unknown = try CLI.run(["import", file, "--db", db, "--map", "when=event_time"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("unknown field 'when'"))
    }

    @Test("a file hashed ahead that changes before its turn is hashed again: the ledger has the checksum of what was imported")
    func hashedAheadThenChanged() throws {
        let directory = TemporaryDirectory()
        let first = try directory.write("a.csv", "timestamp,user_id,event_type,event_id\n2024-03-01T10:00:00Z,u1,page_view,a1\n")
        let second = try directory.write("b.csv", "timestamp,user_id,event_type,event_id\n2024-03-02T10:00:00Z,u2,page_view,b1\n")
        let database = try Store.open(path: directory.path("h.sqlite"))
        let importer = Importer.maintainingSessions(database: database, options: ImportOptions())
        importer.hashAhead([first, second])
        defer { importer.stopHashing() }
        #expect(try importer.importFile(first).status == .imported)
        // b.csv is hashed once a.csv's hash was taken; then rewritten with other content of the same size.
        Thread.sleep(forTimeInterval: 0.5)
        _ = try directory.write("b.csv", "timestamp,user_id,event_type,event_id\n2024-03-02T10:00:00Z,u2,page_view,b2\n")
        let result = try importer.importFile(second)
        #expect(result.status == .imported)
        let expected = try sha256Hex(second)
        #expect(result.sha256 == expected)
        #expect(try database.scalarText("SELECT sha256 FROM imports WHERE path = ?", .text(second)) == expected)
        // A file missing when the one before began, there when its turn comes, is imported.
        let third = directory.path("c.csv")
        importer.hashAhead([first, third])
        #expect(try importer.importFile(first).status == .skipped)
        // c.csv was looked for (and missing) once a.csv's hash was taken.
        Thread.sleep(forTimeInterval: 0.5)
        _ = try directory.write("c.csv", "timestamp,user_id,event_type,event_id\n2024-03-03T10:00:00Z,u3,page_view,c1\n")
        #expect(try importer.importFile(third).status == .imported)
    }

    @Test("an unreadable file fails with exit 2 and the others still import")
    func unreadable() throws {
        let directory = TemporaryDirectory()
        let good = try directory.write("good.csv", "timestamp,user_id,event_type\n2024-03-01T10:00:00Z,u1,page_view\n")
        let result = try CLI.run(["import", directory.path("missing.csv"), good, "--db", directory.path("u.sqlite")])
        #expect(result.status == 2)
        #expect(result.stdout.contains("cannot read the file"))
        #expect(try count("events", in: directory.path("u.sqlite")) == 1)
    }

    @Test("kill -9 during a large import leaves the database consistent and without that file's rows")
    func killed() throws {
        let directory = TemporaryDirectory()
        let data = directory.path("data")
        #expect(try CLI.run(["generate", "--events", "150000", "--seed", "3", "--out", data]).status == 0)
        let small = try directory.write("first.csv", "timestamp,user_id,event_type\n2024-03-01T10:00:00Z,u1,page_view\n")
        // The file fits SQLite's page cache, so its WAL grows only while it commits: a kill
        // can land just after the commit. Then the whole file is there, which is right too;
        // try again until one kill lands inside the transaction.
        var killedInside = false
        for attempt in 1...5 where !killedInside {
            let db = directory.path("k\(attempt).sqlite")
            #expect(try CLI.run(["import", small, "--db", db]).status == 0)
            let process = Process()
            process.executableURL = CLI.executable
            process.arguments = ["import", data + "/events.csv", "--db", db, "--quiet"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            // Wait until the import is writing (its WAL grows), then read while it runs and kill it.
            let wal = db + "-wal"
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                let size = (try? FileManager.default.attributesOfItem(atPath: wal)[.size] as? Int) ?? 0
                if size > 2_000_000 { break }
                usleep(5_000)
            }
            // A reader is not blocked and sees the database as before the import, or after it.
            let seen = try count("events", in: db)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()

            let database = try Database(path: db)
            #expect(try database.scalarText("PRAGMA integrity_check") == "ok")
            try EventBlock.createEventsView(in: database)
            let events = try database.scalarInt("SELECT count(*) FROM events")
            let imports = try database.scalarInt("SELECT count(*) FROM imports")
            // Never a part of the file: all of it with its ledger row, or none of it.
            #expect((events == 1 && imports == 1) || (events == 150_001 && imports == 2), "\(String(describing: events)) events")
            #expect(seen == 1 || seen == 150_001)
            try database.close()
            guard process.terminationReason == .uncaughtSignal, events == 1 else { continue }
            killedInside = true
            // The file imports cleanly afterwards.
            let again = try CLI.run(["import", data + "/events.csv", "--db", db])
            #expect(again.status == 0)
            #expect(try count("events", in: db) == 150_001)
        }
        #expect(killedInside, "no kill landed inside the import's transaction in 5 attempts")
    }
}
