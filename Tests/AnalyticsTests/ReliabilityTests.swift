import Foundation
import Testing
@testable import Analytics
@testable import AnalyticsCore
@testable import AnalyticsIngest
@testable import AnalyticsReports
@testable import AnalyticsStorage

/// Hostile inputs (issue 16): each test failed before its fix.
@Suite("Reliability")
struct ReliabilityTests {
    @Test("durations that overflow, or exceed 1000 years, are refused instead of crashing")
    func durationOverflow() throws {
        let huge = String(repeating: "999999999w", count: 16)
        #expect(DurationText.milliseconds(huge) == nil)
        #expect(DurationText.milliseconds("1000000h") == 3_600_000_000_000) // about 114 years: fine
        // 1000 years are 365,250 days: 52,178 weeks are within, 52,179 are not.
        #expect(DurationText.milliseconds("52179w") == nil)
        let within: Int64 = 52178 * 604_800_000
        #expect(DurationText.milliseconds("52178w") == within)
        #expect(throws: JourneyDefinition.Invalid.self) {
            _ = try JourneyDefinition.parse("window: \(huge)\nstages:\n  - {name: a, events: [x]}\n")
        }
        let directory = TemporaryDirectory()
        for arguments in [["funnel", "--window", huge], ["sessions", "rebuild", "--session-timeout", huge]] {
            let result = try CLI.run(arguments + ["--db", directory.path("d.sqlite")])
            #expect(result.status == 64, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains("is not a duration"))
        }
    }

    @Test("CSV output quotes CR, LF and CRLF; Markdown output escapes markup")
    func outputEscaping() {
        #expect(CSVTableWriter.quote("a\r\nb") == "\"a\r\nb\"")
        #expect(CSVTableWriter.quote("a\rb") == "\"a\rb\"")
        #expect(CSVTableWriter.quote("plain") == "plain")
        #expect(MarkdownTableWriter.escape("<script>alert(1)</script> | a\\b & c\r\nd")
            == "&lt;script&gt;alert(1)&lt;/script&gt; \\| a\\\\b &amp; c  d")
    }

    @Test("report --out picks the format by extension in any case; an unknown extension is a usage error")
    func reportExtensions() throws {
        let directory = TemporaryDirectory()
        let db = directory.path("r.sqlite")
        let sample = ArchitectureTests.packageRoot.appending(path: "SampleData/events.csv").path
        #expect(try CLI.run(["import", sample, "--db", db, "--quiet"]).status == 0)
        let html = try CLI.run(["report", "--db", db, "--out", directory.path("R.HTML")])
        #expect(html.status == 0, "\(html.stderr)")
        let written = try String(contentsOfFile: directory.path("R.HTML"), encoding: .utf8)
        #expect(written.hasPrefix("<!DOCTYPE html>") || written.hasPrefix("<!doctype html>"))
        let pdf = try CLI.run(["report", "--db", db, "--out", directory.path("x.pdf")])
        #expect(pdf.status == 64)
        #expect(pdf.stderr.contains("no report format for '.pdf' files"))
        #expect(!FileManager.default.fileExists(atPath: directory.path("x.pdf")))
    }

    @Test("generated event and order ids differ between seeds, so two generated sets import side by side")
    func generatedIDsPerSeed() throws {
        let directory = TemporaryDirectory()
        let first = try DataGenerator(events: 200, seed: 1).write(to: directory.path("one"))
        let second = try DataGenerator(events: 200, seed: 2).write(to: directory.path("two"))
        let workspace = try Workspace.open(path: directory.path("g.sqlite"))
        let summary = try workspace.importFiles([first.eventsPath, second.eventsPath])
        #expect(summary.results.map(\.rowsImported) == [first.events, second.events])
        #expect(summary.results.map(\.rowsDuplicate) == [0, 0])
    }

    @Test("a file aborted by a share of rejects reports nothing imported")
    func abortedShareReportsZero() throws {
        let directory = TemporaryDirectory()
        var lines = ["timestamp,user_id,event_type"]
        for minute in 0..<97 { lines.append("2024-03-01T10:\(String(format: "%02d", minute % 60)):00Z,u\(minute),page_view") }
        for _ in 0..<3 { lines.append("not a time,u1,page_view") }
        let path = try directory.write("share.csv", lines.joined(separator: "\n") + "\n")
        let workspace = try Workspace.open(path: directory.path("a.sqlite"))
        var options = ImportOptions()
        options.errorLimit = .fraction(0.02)
        let result = try workspace.importFiles([path], options: options).results[0]
        #expect(result.status == .aborted)
        #expect(result.rowsRead == 100)
        #expect(result.rowsRejected == 3)
        #expect(result.rowsImported == 0)
        #expect(try workspace.info().tables.first { $0.table == "events" }?.rows == 0)
    }

    @Test("only regular files are read: a FIFO or a link to /dev/zero is refused at once, the folder's other files import")
    func onlyRegularFiles() throws {
        let directory = TemporaryDirectory()
        let folder = directory.path("in")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        #expect(mkfifo(folder + "/a-pipe.csv", 0o644) == 0)
        try FileManager.default.createSymbolicLink(atPath: folder + "/b-zero.csv", withDestinationPath: "/dev/zero")
        try "timestamp,user_id,event_type\n2024-03-01T10:00:00Z,u1,page_view\n"
            .write(toFile: folder + "/c-good.csv", atomically: true, encoding: .utf8)
        let workspace = try Workspace.open(path: directory.path("f.sqlite"))
        let results = try workspace.importFiles([folder]).results
        #expect(results.map(\.status) == [.failed, .failed, .imported])
        #expect(results[0].message?.contains("is not a regular file") == true)
        #expect(results[1].message?.contains("is not a regular file") == true)
        #expect(results[2].rowsImported == 1)
    }

    @Test("one command imports orders files that name their users before events files; with any other kind of file, all in the order given; the summary keeps the order given")
    func ordersFirstInOneCommand() throws {
        let directory = TemporaryDirectory()
        let events = try directory.write("a-events.csv", """
            event_id,timestamp,user_id,event_type
            e1,2024-03-01T10:00:00Z,u1,page_view
            e2,2024-03-01T10:05:00Z,u1,checkout
            e3,2024-03-01T11:00:00Z,u2,page_view
            """)
        let byEvent = try directory.write("b-by-event.csv", "order_id,timestamp,revenue,status\ne2,2024-03-01T10:05:00Z,5.00,completed\n")
        let orders = try directory.write("c-orders.csv", "order_id,timestamp,user_id,revenue,status\ne2,2024-03-01T10:05:00Z,u1,5.00,refunded\n"
            + "o1,2024-03-01T11:01:00Z,u2,20.00,completed\n")
        let columns = "u.external_id, ordinal, start_ts, end_ts, events, orders, revenue_orders, revenue"
        let sql = "SELECT \(columns) FROM sessions s JOIN users u ON u.id = s.user_id ORDER BY 1, 2"
        func rows(_ workspace: Workspace) throws -> [[String]] {
            try workspace.database.query(sql, []) { row in (Int32(0)..<8).map { row.stringOrNil($0) ?? "" } }
        }
        for (name, files, importIDs) in [("two", [events, orders], [Int64(2), 1]), ("three", [events, byEvent, orders], [1, 2, 3])] {
            let workspace = try Workspace.open(path: directory.path(name + ".sqlite"))
            let summary = try workspace.importFiles(files)
            #expect(summary.results.map(\.path) == files)
            #expect(summary.results.map(\.importID) == importIDs, "\(name): import ids tell the order the files went in")
            // Sessions and order states are those of a file-by-file import in the order given.
            let sequential = try Workspace.open(path: directory.path(name + "-one-by-one.sqlite"))
            for file in files { _ = try sequential.importFiles([file]) }
            #expect(try rows(workspace) == rows(sequential), "\(name)")
            let status = "SELECT l.value FROM orders o JOIN labels l ON l.id = o.status_id WHERE order_id = 'e2'"
            #expect(try workspace.database.scalarText(status) == "refunded", "\(name): the later file's row wins")
        }
    }

    @Test("a file that brings the default channel grouping gives Direct also to sessions of users it does not touch")
    func defaultChannelForUntouchedUsers() throws {
        let directory = TemporaryDirectory()
        let orders = try directory.write("orders.csv", "order_id,timestamp,user_id,revenue\no1,2024-03-01T09:00:00Z,u9,20.00\n")
        let events = try directory.write("events.csv", """
            timestamp,user_id,event_type,page_url
            2024-03-01T10:00:00Z,u1,page_view,https://shop.example/?utm_source=newsletter&utm_medium=email
            2024-03-01T11:00:00Z,u2,page_view,https://shop.example/
            """)
        let workspace = try Workspace.open(path: directory.path("d.sqlite"))
        // Orders first (one command moves them first anyway), then the events with URLs.
        _ = try workspace.importFiles([orders, events])
        let channels = try workspace.database.query("""
            SELECT u.external_id, l.value FROM sessions s JOIN users u ON u.id = s.user_id
            LEFT JOIN labels l ON l.id = s.channel_id ORDER BY 1
            """, []) { [$0.string(0), $0.stringOrNil(1) ?? "(none)"] }
        #expect(channels == [["u1", "Email"], ["u2", "Direct"], ["u9", "Direct"]])
    }

    @Test("the first file into a new database runs in rollback-journal mode, everything after it in WAL mode; an open reader never makes an import wait")
    func journalModes() throws {
        let directory = TemporaryDirectory()
        let first = try directory.write("first.csv", "timestamp,user_id,event_type\n2024-03-01T10:00:00Z,u1,page_view\n")
        let second = try directory.write("second.csv", "timestamp,user_id,event_type\n2024-03-02T10:00:00Z,u2,page_view\n")
        let path = directory.path("j.sqlite")
        let workspace = try Workspace.open(path: path)
        #expect(workspace.database.createdFile)
        func walBytes() -> Int { ((try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int) ?? 0 }
        #expect(try workspace.importFiles([first]).results[0].rowsImported == 1)
        #expect(try workspace.database.journalMode() == "wal")
        #expect(walBytes() == 0, "the first file's pages went straight into the database file")
        // A reader in the middle of a read transaction: the next import neither waits nor switches.
        let reader = try Database(path: path, mode: .readOnly)
        try reader.execute("BEGIN")
        #expect(try reader.scalarInt("SELECT count(*) FROM users") == 1)
        let started = Date()
        #expect(try workspace.importFiles([second]).results[0].rowsImported == 1)
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(try reader.scalarInt("SELECT count(*) FROM users") == 1, "the reader keeps its snapshot")
        #expect(walBytes() > 0, "the second file went through the WAL")
        try reader.execute("COMMIT")
        #expect(try workspace.database.journalMode() == "wal")
        // Reopened, the file is not new: never rollback-journal mode again.
        #expect(try !Database(path: path).createdFile)
    }

    @Test("user ids with quotes, backslashes, control characters and non-ASCII letters are stored exactly as given")
    func unusualUserIDs() throws {
        let directory = TemporaryDirectory()
        let ids = ["plain", "with \"quotes\"", "back\\slash", "ünïcødé ✓", "[1,2]", "a\tb"]
        let quoted = ids.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        for (name, users) in [("no-control.csv", Array(quoted.dropLast())), ("control.csv", quoted)] {
            let rows = users.enumerated().map { "2024-03-01T10:0\($0.offset):00Z,\($0.element),page_view" }
            let path = try directory.write(name, (["timestamp,user_id,event_type"] + rows).joined(separator: "\n") + "\n")
            let workspace = try Workspace.open(path: directory.path(name + ".sqlite"))
            #expect(try workspace.importFiles([path]).results[0].rowsImported == users.count)
            let stored = try workspace.database.query("SELECT external_id FROM users ORDER BY id", []) { $0.string(0) }
            #expect(stored == Array(ids.prefix(users.count)), "\(name)")
        }
    }

    @Test("more new users than one save writes keep their ids across the saves")
    func manyNewUsers() throws {
        let database = try Store.open(path: ":memory:")
        let count = LabelStore.usersPerSave + 1234
        try database.transaction {
            let labels = try LabelStore(database: database)
            for index in 0..<count {
                var text = "user-\(index)"
                #expect(try text.withUTF8 { try labels.userID(UnsafeRawBufferPointer($0)) } == Int64(index + 1))
            }
            try labels.saveUsers()
        }
        #expect(try database.scalarInt("SELECT count(*) FROM users") == Int64(count))
        for index in [0, LabelStore.usersPerSave - 1, LabelStore.usersPerSave, count - 1] {
            #expect(try database.scalarText("SELECT external_id FROM users WHERE id = ?", .integer(Int64(index + 1))) == "user-\(index)")
        }
    }

    @Test("users met by two reading threads while one of them writes those met so far: each stored once, under its id")
    func usersWrittenWhileReading() throws {
        let database = try Store.open(path: ":memory:")
        // Each thread meets its own users and, in the middle, users the other meets too.
        let perThread = LabelStore.usersPerSave + 20_000
        @Sendable func name(_ thread: Int, _ index: Int) -> String {
            index % 4 == 0 ? "shared-\(index)" : "thread\(thread)-\(index)"
        }
        @Sendable func meet(_ labels: LabelStore, thread: Int, writing: Bool) throws -> [String: Int64] {
            var ids: [String: Int64] = [:]
            for index in 0..<perThread {
                var text = name(thread, index)
                ids[text] = try text.withUTF8 { try labels.userID(UnsafeRawBufferPointer($0)) }
                if writing && index % 5_000 == 0 { try labels.saveUsersIfMany() }
            }
            return ids
        }
        var seen: [String: Int64] = [:]
        try database.transaction {
            let labels = try LabelStore(database: database)
            let other = Unchecked(labels.fork())
            let otherIDs = Unchecked<Result<[String: Int64], any Error>?>(nil)
            let done = DispatchGroup()
            DispatchQueue.global().async(group: done) { otherIDs.value = Result { try meet(other.value, thread: 1, writing: false) } }
            seen = try meet(labels, thread: 0, writing: true)
            done.wait()
            for (text, id) in try #require(otherIDs.value).get() {
                #expect(seen[text] == nil || seen[text] == id, "\(text) has one id")
                seen[text] = id
            }
            // Some were written while the other thread met users, the rest now.
            #expect(try database.scalarInt("SELECT count(*) FROM users") ?? 0 >= Int64(LabelStore.usersPerSave))
            try labels.saveUsers()
        }
        #expect(try database.scalarInt("SELECT count(*) FROM users") == Int64(seen.count))
        #expect(try database.scalarInt("SELECT max(id) FROM users") == Int64(seen.count))
        let stored = Dictionary(uniqueKeysWithValues: try database.query("SELECT external_id, id FROM users", []) {
            ($0.string(0), $0.int64(1))
        })
        #expect(stored == seen)
    }

    @Test("amounts beyond 1e12 are rejects, not sums that lose their cents or show as 0")
    func amountRange() throws {
        let directory = TemporaryDirectory()
        let path = try directory.write("amounts.csv", """
            order_id,timestamp,user_id,revenue
            o1,2024-03-01T10:00:00Z,u1,1e300
            o2,2024-03-01T10:00:00Z,u1,9300000000000000000
            o3,2024-03-01T10:00:00Z,u1,999999999999.99
            """)
        let workspace = try Workspace.open(path: directory.path("m.sqlite"))
        let result = try workspace.importFiles([path]).results[0]
        #expect(result.rowsImported == 1)
        #expect(result.rowsRejected == 2)
        let rejects = try workspace.rejects(format: .csv)
        #expect(rejects.rows.allSatisfy { row in
            if case .text(let reason) = row[3] { return reason.hasPrefix("amount out of range") }
            return false
        })
    }

    @Test("a file's rejects are recorded up to 10,000 and counted beyond")
    func rejectsCapped() throws {
        let directory = TemporaryDirectory()
        let bad = String(repeating: "nope,u1,page_view\n", count: 10_050)
        let path = try directory.write("bad.csv", "timestamp,user_id,event_type\n2024-03-01T10:00:00Z,u1,page_view\n" + bad)
        let workspace = try Workspace.open(path: directory.path("r.sqlite"))
        let result = try workspace.importFiles([path]).results[0]
        #expect(result.rowsRejected == 10_050)
        #expect(result.warnings.contains { $0.hasPrefix("50 more rejected rows were counted but not recorded") })
        #expect(try workspace.rejects(format: .csv).rows.count == 10_000)
    }

    @Test("YAML anchors and aliases, and files over 1 MiB, are refused before parsing (no billion laughs)")
    func yamlLimits() throws {
        let directory = TemporaryDirectory()
        var laughs = "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
        for (name, previous) in zip("bcdefghij", "abcdefghi") {
            laughs += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ",") + "]\n"
        }
        let mapping = try directory.write("laughs.yaml", laughs)
        let mappingError = #expect(throws: IngestError.self) { _ = try ColumnMapping(file: mapping) }
        #expect(mappingError?.description.contains("anchors and aliases") == true)
        let journey = try directory.write("journey.yaml", "name: x\nstages:\n  - &s {name: a, events: [x]}\n  - *s\n")
        #expect(throws: JourneyDefinition.Invalid.self) { _ = try JourneyDefinition.load(path: journey) }
        let big = try directory.write("big.yaml", "name: x\n# " + String(repeating: "x", count: 1 << 20) + "\n")
        let bigError = #expect(throws: JourneyDefinition.Invalid.self) { _ = try JourneyDefinition.load(path: big) }
        #expect(bigError?.problem.contains("larger than 1024 KiB") == true)
        // Globs and query strings are not anchors.
        let fine = try JourneyDefinition.parse("stages:\n  - {name: a, events: [x], page: /p?a=1&b=2*}\n")
        #expect(fine.stages[0].page == "/p?a=1&b=2*")
    }

    @Test("the ledger's key is the content and the options that change what is stored; a file whose every row is rejected is not imported")
    func ledgerKey() throws {
        let directory = TemporaryDirectory()
        let path = try directory.write("export.csv", "when,who,what\n2024-03-01T10:00:00Z,u1,page_view\n")
        let workspace = try Workspace.open(path: directory.path("k.sqlite"))
        // With the wrong mapping every row is rejected: an error, not an import.
        var wrong = ImportOptions()
        wrong.mapping = try ColumnMapping(pairs: ["timestamp=who", "user_id=when", "event_type=what"])
        let failed = try workspace.importFiles([path], options: wrong).results[0]
        #expect(failed.status == .aborted)
        #expect(failed.message?.contains("every row (1) was rejected") == true)
        // Corrected, the same file imports; again with the same options it is a repeat.
        var right = ImportOptions()
        right.mapping = try ColumnMapping(pairs: ["timestamp=when", "user_id=who", "event_type=what"])
        #expect(try workspace.importFiles([path], options: right).results[0].status == .imported)
        #expect(try workspace.importFiles([path], options: right).results[0].status == .skipped)
        // Other storage options make it another import, which does not replace the first.
        var roles = right
        roles.mapping = roles.mapping.merging(try ColumnMapping(roles: ["page_view=page_view"]))
        roles.force = true
        #expect(try workspace.importFiles([path], options: roles).results[0].previousImportID == nil)
    }

    @Test("--force re-import of an older orders file keeps what a later file changed")
    func forceKeepsLaterUpdates() throws {
        let directory = TemporaryDirectory()
        let older = try directory.write("older.csv", "order_id,timestamp,user_id,revenue,status\no1,2024-03-01T10:00:00Z,u1,20,completed\n")
        let later = try directory.write("later.csv", "order_id,timestamp,user_id,revenue,status\no1,2024-03-01T10:00:00Z,u1,20,refunded\n")
        let workspace = try Workspace.open(path: directory.path("o.sqlite"))
        _ = try workspace.importFiles([older, later])
        #expect(try workspace.touchpoints(by: .channel).total.revenue == 0) // refunded
        var force = ImportOptions()
        force.force = true
        let again = try workspace.importFiles([older], options: force).results[0]
        #expect(again.status == .imported)
        #expect(try workspace.touchpoints(by: .channel).total.revenue == 0) // still refunded
        #expect(try workspace.touchpoints(by: .channel).total.orders == 1)
    }

    @Test("two processes importing the same folder at once into a new database give one import, like a sequential run")
    func concurrentImports() throws {
        let sample = ArchitectureTests.packageRoot.appending(path: "SampleData").path
        for round in 0..<3 {
            let directory = TemporaryDirectory()
            let db = directory.path("c.sqlite")
            let processes = (0..<2).map { _ -> (Process, Pipe) in
                let process = Process()
                process.executableURL = CLI.executable
                process.arguments = ["import", sample, "--db", db, "--quiet"]
                let errors = Pipe()
                process.standardOutput = FileHandle.nullDevice
                process.standardError = errors
                return (process, errors)
            }
            for (process, _) in processes { try process.run() }
            for (process, errors) in processes {
                let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                #expect(process.terminationStatus == 0, "round \(round): \(message)")
            }
            let database = try Database(path: db, mode: .readOnly)
            try EventBlock.createEventsView(in: database)
            #expect(try database.scalarInt("SELECT count(*) FROM events") == 4000, "round \(round)")
            #expect(try database.scalarInt("SELECT count(*) FROM imports WHERE status = 'completed'") == 2, "round \(round)")
            #expect(try database.scalarInt("SELECT count(*) FROM schema_migrations") == Int64(Migration.embedded.count))
        }
    }

    /// Starts an import, kills it with SIGKILL as soon as its WAL grows past 1 MB (or it ends), and waits.
    static func killDuring(_ arguments: [String], db: String) throws {
        let process = Process()
        process.executableURL = CLI.executable
        process.arguments = arguments + ["--db", db, "--quiet"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline {
            let size = (try? FileManager.default.attributesOfItem(atPath: db + "-wal")[.size] as? Int) ?? 0
            if size > 1_000_000 { break }
            usleep(2_000)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    @Test("kill -9 during a --force re-import or an orders update leaves the data, sessions and timelines consistent")
    func killDuringForceAndOrders() throws {
        let directory = TemporaryDirectory()
        let data = directory.path("data")
        #expect(try CLI.run(["generate", "--events", "60000", "--seed", "8", "--out", data]).status == 0)
        let db = directory.path("k.sqlite")
        #expect(try CLI.run(["import", data, "--db", db, "--quiet"]).status == 0)
        func state() throws -> [Int64?] {
            let database = try Database(path: db)
            defer { try? database.close() }
            #expect(try database.scalarText("PRAGMA integrity_check") == "ok")
            try EventBlock.createEventsView(in: database)
            return [try database.scalarInt("SELECT count(*) FROM events"),
                    try database.scalarInt("SELECT count(*) FROM orders"),
                    try database.scalarInt("SELECT sum(revenue * 100) FROM orders"),
                    try database.scalarInt("SELECT count(*) FROM sessions"),
                    try database.scalarInt("SELECT sum(orders) FROM sessions"),
                    try database.scalarInt("SELECT count(*) FROM timelines")]
        }
        let before = try state()
        // A forced re-import of the same file: killed or not, the same rows, sessions and timelines.
        try Self.killDuring(["import", data + "/events.csv", "--force"], db: db)
        #expect(try state() == before)
        // An orders update (every order refunded): killed, either all of it or none, with sessions to match.
        let orders = try String(contentsOfFile: data + "/orders.csv", encoding: .utf8)
        let refunds = orders.split(separator: "\n").enumerated().map { index, line -> String in
            guard index > 0 else { return String(line) }
            var fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            if let status = orders.split(separator: "\n").first?.split(separator: ",").firstIndex(of: "status") {
                fields[status] = "refunded"
            }
            return fields.joined(separator: ",")
        }.joined(separator: "\n") + "\n"
        try refunds.write(toFile: directory.path("refunds.csv"), atomically: true, encoding: .utf8)
        try Self.killDuring(["import", directory.path("refunds.csv")], db: db)
        let after = try state()
        #expect(after[0] == before[0] && after[1] == before[1] && after[3] == before[3] && after[5] == before[5])
        // Sessions agree with the orders either way: a full rebuild changes nothing.
        #expect(try CLI.run(["sessions", "rebuild", "--db", db]).status == 0)
        #expect(try state() == after)
    }

    @Test("an events-file row of type order is an order everywhere: sessions, KPIs, funnels, the journey")
    func orderRowsOneDefinition() throws {
        let directory = TemporaryDirectory()
        let path = try directory.write("events.csv", """
            timestamp,user_id,event_type,revenue
            2024-03-01T10:00:00Z,u1,page_view,
            2024-03-01T10:01:00Z,u1,product_view,
            2024-03-01T10:02:00Z,u1,order,10
            2024-03-01T11:00:00Z,u2,page_view,
            """)
        let workspace = try Workspace.open(path: directory.path("o.sqlite"))
        _ = try workspace.importFiles([path])
        let total = try workspace.touchpoints(by: .channel).total
        #expect(total.orders == 1)
        #expect(total.revenue == 10)
        #expect(total.conversionRate == 0.5)
        #expect(try workspace.funnel(FunnelQuery(journey: .customerJourney)).stages.map(\.reached) == [2, 1, 1, 0, 0])
        let journey = try workspace.journey(of: "u1").render(.json)
        #expect(journey.contains("\"orders\": 1"))
    }

    @Test("a file that grows while it is read is an error, and nothing of it is imported")
    func growingFile() throws {
        let directory = TemporaryDirectory()
        var text = "timestamp,user_id,event_type\n"
        for row in 0..<20_000 { text += "2024-03-01T10:00:00Z,u\(row % 50),page_view\n" }
        let path = try directory.write("growing.csv", text)
        let workspace = try Workspace.open(path: directory.path("g.sqlite"))
        var appended = false
        // The progress callback runs while the file is read: the export is still being written.
        let result = try workspace.importFiles([path], progress: { _ in
            guard !appended, let handle = FileHandle(forWritingAtPath: path) else { return }
            appended = true
            handle.seekToEndOfFile()
            handle.write(Data("2024-03-01T11:00:00Z,late,page_view\n".utf8))
            handle.closeFile()
        }).results[0]
        #expect(appended)
        #expect(result.status == .failed)
        #expect(result.message?.contains("the file changed while it was read") == true)
        #expect(try workspace.info().tables.first { $0.table == "events" }?.rows == 0)
    }

    @Test("a file that fails after its events were grouped leaves the next file of the run unharmed")
    func failureThenNextFile() throws {
        let directory = TemporaryDirectory()
        var rows = "event_id,timestamp,user_id,event_type\n"
        for index in 0..<200 { rows += "e\(index),\(index % 10 == 0 ? "bad" : "2024-03-01T10:00:00Z"),u\(index % 9),page_view\n" }
        let events = try directory.write("a-events.csv", rows)
        let orders = try directory.write("b-orders.csv", "order_id,timestamp,user_id,revenue\no1,2024-03-01T11:00:00Z,u1,10\n")
        let db = directory.path("f.sqlite")
        // 10% rejects against a 2% limit: the events file is aborted after it was read and stored.
        let result = try CLI.run(["import", events, orders, "--db", db, "--max-errors", "2%", "--format", "json"])
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stdout.contains("\"status\": \"aborted\""))
        #expect(result.stdout.contains("\"status\": \"imported\""), "\(result.stdout) \(result.stderr)")
        #expect(try count("orders", in: db) == 1)
        #expect(try count("sqlite_schema", in: db, where: "name = 'sessions_by_start'") == 1)
    }

    @Test("a file that brings the default channel grouping re-derives all of a touched user's sessions")
    func defaultChannelSwitch() throws {
        let directory = TemporaryDirectory()
        let first = try directory.write("1.csv", """
            event_id,timestamp,user_id,event_type,channel
            e1,2024-03-01T10:00:00Z,u1,page_view,
            e2,2024-03-02T10:00:00Z,u1,page_view,
            """)
        let second = try directory.write("2.csv", """
            event_id,timestamp,user_id,event_type,page_url
            e3,2024-03-03T10:00:00Z,u1,page_view,https://shop.example/
            """)
        let db = directory.path("c.sqlite")
        #expect(try CLI.run(["import", first, "--db", db]).status == 0)
        #expect(try CLI.run(["import", second, "--db", db]).status == 0)
        let incremental = try CLI.run(["sessions", "--db", db, "--format", "csv"]).stdout
        #expect(try CLI.run(["sessions", "rebuild", "--db", db]).status == 0)
        #expect(try CLI.run(["sessions", "--db", db, "--format", "csv"]).stdout == incremental)
        #expect(incremental.components(separatedBy: "Direct").count - 1 == 3, "\(incremental)")
    }
}
