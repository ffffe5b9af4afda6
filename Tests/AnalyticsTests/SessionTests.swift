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

@Suite("Sessions")
struct SessionTests {
    @Test("a gap of exactly the timeout stays in the session; one millisecond more splits it")
    func timeoutBoundary() throws {
        let fixture = try Fixture()
        // 30 minutes exactly after 10:00:00.000 is 10:30:00.000: same session.
        // 10:30:00.000 + 30 min + 1 ms = 11:00:00.001: a new session.
        try fixture.events([
            "\(t(0)),u1,page_view", "\(t(30)),u1,page_view", "\(t(0, 0, ms: 1, hour: 11)),u1,page_view",
        ])
        let sessions = try fixture.sessions(of: "u1")
        #expect(sessions.map(\.events) == [2, 1])
        #expect(sessions.map(\.start) == [ms(0), ms(0, 0, ms: 1, hour: 11)])
        #expect(sessions[0].durationMilliseconds == 30 * 60_000)
    }

    @Test("the timeout can be changed; a rebuild applies it to everyone")
    func customTimeout() throws {
        let fixture = try Fixture(timeout: 45 * 60_000)
        try fixture.events(["\(t(0)),u1,page_view", "\(t(40)),u1,page_view", "\(t(40, hour: 11)),u1,page_view"])
        #expect(try fixture.sessions(of: "u1").map(\.events) == [2, 1])
        try SessionStore(database: fixture.database).rebuild(timeoutMilliseconds: 30 * 60_000)
        #expect(try fixture.sessions(of: "u1").map(\.events) == [1, 1, 1])
    }

    @Test("explicit session ids, scoped to the user, mix with sessionized rows")
    func explicitIDs() throws {
        let fixture = try Fixture()
        try fixture.events([
            // u1: two rows of session s1 an hour apart stay together (ids win over the timeout).
            "\(t(0)),u1,page_view,/a,email,,,s1",
            "\(t(0, hour: 11)),u1,product_view,/p,,,,s1",
            // Rows without an id are sessionized among themselves, ignoring s1's rows in between.
            "\(t(10)),u1,page_view,/b,social",
            "\(t(50)),u1,page_view,/c,social",
            // The same id under another user is another session.
            "\(t(5)),u2,page_view,/a,direct,,,s1",
        ])
        let u1 = try fixture.sessions(of: "u1")
        #expect(u1.count == 3)
        #expect(u1.map(\.sessionKey) == ["s1", nil, nil])
        #expect(u1.map(\.events) == [2, 1, 1])
        #expect(u1[0].durationMilliseconds == 3_600_000)
        #expect(u1.map(\.ordinal) == [1, 2, 3])
        #expect(try fixture.sessions(of: "u2").map(\.sessionKey) == ["s1"])
    }

    @Test("an order after the last page view but within the timeout joins the session")
    func orderJoins() throws {
        let fixture = try Fixture()
        try fixture.events(["\(t(0)),u1,page_view,/,email", "\(t(5)),u1,checkout,/checkout,email"])
        try fixture.orders(["o1,\(t(34)),u1,40.5", "o2,\(t(10, hour: 12)),u1,10"])
        let sessions = try fixture.sessions(of: "u1")
        #expect(sessions.map(\.events) == [3, 1])
        #expect(sessions.map(\.orders) == [1, 1])
        #expect(sessions[0].revenue == 40.5)
        #expect(sessions[0].durationMilliseconds == 34 * 60_000)
        // The second session starts with an order: it has no channel.
        #expect(sessions[1].channelID == nil)
    }

    @Test("the touchpoint comes from the first event; ties put events before orders")
    func touchpointFromFirstEvent() throws {
        let fixture = try Fixture()
        try fixture.orders(["o1,\(t(0)),u1,5"])
        try fixture.events(["\(t(1)),u1,page_view,/later,social,desktop", "\(t(0)),u1,page_view,/landing,email,mobile,spring"])
        let listed = try SessionStore(database: fixture.database).list(user: "u1")
        #expect(listed.count == 1)
        #expect(listed[0].channel == "email")
        #expect(listed[0].device == "mobile")
        #expect(listed[0].campaign == "spring")
        #expect(listed[0].landingPage == "/landing")
    }

    @Test("results do not depend on the order of rows in the files")
    func fileOrder() throws {
        let rows = ["\(t(0)),u1,page_view,/a,email", "\(t(0)),u1,product_view,/p,social", "\(t(20)),u1,add_to_cart,/p",
                    "\(t(0, hour: 12)),u1,page_view,/b,direct", "\(t(3)),u2,page_view,/a,social"]
        let forward = try Fixture(), backward = try Fixture()
        try forward.events(rows)
        try backward.events(rows.reversed())
        let a = try SessionStore(database: forward.database).list()
        let b = try SessionStore(database: backward.database).list()
        #expect(a.map(\.comparable) == b.map(\.comparable))
    }

    @Test("many buckets of users and many slots of upkeep: files one by one equal one file and a rebuild")
    func manyBuckets() throws {
        let directory = TemporaryDirectory()
        var generator = DataGenerator(events: 70_000, seed: 5)
        generator.days = 30
        let output = try generator.write(to: directory.path("data"))
        let lines = try String(contentsOfFile: output.eventsPath, encoding: .utf8).split(separator: "\n").map(String.init)
        let orders = try String(contentsOfFile: output.ordersPath, encoding: .utf8)
        let whole = try Fixture()
        try whole.load(lines.joined(separator: "\n") + "\n")
        try whole.load(orders)
        // More than one bucket (4,096 users) and one upkeep slot (1,024 users): orders first, then two halves.
        #expect(try whole.database.scalarInt("SELECT count(*) FROM users") ?? 0 > 2 * 4096)
        #expect(try whole.database.scalarInt("SELECT count(DISTINCT user_id) FROM orders") ?? 0 > SessionStore.usersPerSlot)
        let pieces = try Fixture()
        try pieces.load(orders)
        let body = Array(lines.dropFirst()), half = body.count / 2
        try pieces.load(([lines[0]] + body[..<half]).joined(separator: "\n") + "\n")
        try pieces.load(([lines[0]] + body[half...]).joined(separator: "\n") + "\n")
        let expected = try SessionStore(database: whole.database).list().map(\.comparable)
        #expect(try SessionStore(database: pieces.database).list().map(\.comparable) == expected)
        #expect(try timelineNames(pieces.database) == timelineNames(whole.database))
        try SessionStore(database: pieces.database).rebuild()
        #expect(try SessionStore(database: pieces.database).list().map(\.comparable) == expected)
    }

    @Test("incremental upkeep over several files equals a one-shot import and a full rebuild",
          arguments: [SessionStore.UpdateStrategy.automatic, .perUser, .everyone])
    func incrementalEqualsFull(strategy: SessionStore.UpdateStrategy) throws {
        let directory = TemporaryDirectory()
        let data = directory.path("data")
        var generator = DataGenerator(events: 3000, seed: 11)
        generator.days = 20
        let output = try generator.write(to: data)
        let lines = try String(contentsOfFile: output.eventsPath, encoding: .utf8).split(separator: "\n").map(String.init)
        let orderLines = try String(contentsOfFile: output.ordersPath, encoding: .utf8).split(separator: "\n").map(String.init)

        let whole = try Fixture()
        try whole.load(lines.joined(separator: "\n") + "\n")
        try whole.load(orderLines.joined(separator: "\n") + "\n")

        // The same rows in four event files and two order files, orders first.
        var pieces = try Fixture()
        pieces.strategy = strategy
        let header = lines[0], body = Array(lines.dropFirst())
        let half = orderLines.count / 2
        try pieces.load(([orderLines[0]] + orderLines[1..<half]).joined(separator: "\n") + "\n")
        // Three large files, then small ones of 40 rows that touch few users.
        var chunks: [Range<Int>] = []
        let quarter = body.count / 4
        for start in stride(from: 0, to: 3 * quarter, by: quarter) { chunks.append(start..<start + quarter) }
        for start in stride(from: 3 * quarter, to: body.count, by: 40) { chunks.append(start..<min(body.count, start + 40)) }
        for chunk in chunks {
            try pieces.load(([header] + body[chunk]).joined(separator: "\n") + "\n")
        }
        try pieces.load(([orderLines[0]] + orderLines[half...]).joined(separator: "\n") + "\n")

        // Label ids differ between the two databases (first-seen order), so compare names.
        let expected = try SessionStore(database: whole.database).list().map(\.comparable)
        #expect(expected.count > 100)
        #expect(try SessionStore(database: pieces.database).list().map(\.comparable) == expected)
        #expect(try timelineNames(pieces.database) == timelineNames(whole.database))
        try SessionStore(database: pieces.database).rebuild()
        #expect(try SessionStore(database: pieces.database).list().map(\.comparable) == expected)
        #expect(try timelineNames(pieces.database) == timelineNames(whole.database))
    }

    /// Generated events in two halves (by time) and their orders, written as files.
    private func halvesAndOrders(_ directory: TemporaryDirectory) throws -> (first: String, second: String, orders: String) {
        var generator = DataGenerator(events: 3000, seed: 11)
        generator.days = 20
        let output = try generator.write(to: directory.path("data"))
        let lines = try String(contentsOfFile: output.eventsPath, encoding: .utf8).split(separator: "\n").map(String.init)
        let body = Array(lines.dropFirst()), half = body.count / 2
        return (try directory.write("first.csv", ([lines[0]] + body[..<half]).joined(separator: "\n") + "\n"),
                try directory.write("second.csv", ([lines[0]] + body[half...]).joined(separator: "\n") + "\n"),
                output.ordersPath)
    }

    /// The sessions of a database, and whether a full rebuild gives the same.
    private func sessionsEqualRebuild(_ database: Database) throws -> Bool {
        let sessions = SessionStore(database: database)
        let kept = try sessions.list().map(\.comparable)
        try sessions.rebuild()
        return try sessions.list().map(\.comparable) == kept
    }

    /// Expects every user derived: none pending, every order counted in a session, the sessions
    /// those of a full rebuild.
    private func expectDerived(_ workspace: Workspace, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let database = workspace.database
        #expect(try database.scalarInt("SELECT count(*) FROM pending_derivation") == 0, sourceLocation: sourceLocation)
        #expect(try database.scalarInt("SELECT sum(orders) FROM sessions") == database.scalarInt("SELECT count(*) FROM orders"),
                sourceLocation: sourceLocation)
        #expect(try sessionsEqualRebuild(database), sourceLocation: sourceLocation)
    }

    @Test("an orders file followed by an events file in one command leaves its users to the events file; into a database with sessions, the result equals a rebuild")
    func ordersDeferredToEvents() throws {
        let directory = TemporaryDirectory()
        let files = try halvesAndOrders(directory)
        let workspace = try Workspace.open(path: directory.path("deferred.sqlite"))
        _ = try workspace.importFiles([files.first])
        // The orders (of both halves' users, many before the second half's events) and the second
        // half: sessions that the orders change must not be kept as they were stored.
        let summary = try workspace.importFiles([files.second, files.orders])
        #expect(summary.results.map(\.status) == [.imported, .imported])
        #expect(summary.results[1].phases.map(\.name).contains("sessions") == false)
        try expectDerived(workspace)

        // Into a database another command created (its readers read while it is written), each file
        // leaves its sessions current: the orders file derives its users itself.
        let path = directory.path("existing.sqlite")
        _ = try Workspace.open(path: path).importFiles([files.first])
        let existing = try Workspace.open(path: path)
        let later = try existing.importFiles([files.second, files.orders])
        #expect(later.results[1].phases.map(\.name).contains("sessions"))
        try expectDerived(existing)
    }

    @Test("users left pending are derived when the command ends without their events file (a repeat), or at the next open (a command cut off)")
    func pendingDerivedLater() throws {
        let directory = TemporaryDirectory()
        let files = try halvesAndOrders(directory)
        // The events file repeats an earlier import: skipped, so the command derives the orders' users itself.
        let repeated = try Workspace.open(path: directory.path("repeated.sqlite"))
        _ = try repeated.importFiles([files.first])
        let summary = try repeated.importFiles([files.orders, files.first])
        #expect(summary.results.map(\.status) == [.imported, .skipped])
        try expectDerived(repeated)

        // A command cut off after its orders file: the users wait, and the next open derives them.
        let path = directory.path("cut.sqlite")
        do {
            let cut = try Workspace.open(path: path)
            _ = try cut.importFiles([files.first])
            let importer = Importer.maintainingSessions(database: cut.database, options: ImportOptions())
            #expect(try importer.importFile(files.orders, deferDerivation: true).status == .imported)
            #expect(try cut.database.scalarInt("SELECT count(*) FROM pending_derivation") ?? 0 > 0)
            #expect(try cut.database.scalarInt("SELECT sum(orders) FROM sessions") == 0)
            try cut.close()
        }
        // While another connection writes (an import), opening neither waits for it nor derives them.
        do {
            let writer = try Database(path: path)
            try writer.execute("BEGIN IMMEDIATE")
            let started = Date()
            let reader = try Workspace.open(path: path)
            #expect(Date().timeIntervalSince(started) < 5)
            #expect(try reader.database.scalarInt("SELECT count(*) FROM pending_derivation") ?? 0 > 0)
            try writer.execute("ROLLBACK")
            try reader.close()
            try writer.close()
        }
        try expectDerived(try Workspace.open(path: path))
    }

    @Test("only the users an import touched are re-sessionized")
    func onlyTouchedUsers() throws {
        let fixture = try Fixture()
        try fixture.events(["\(t(0)),u1,page_view", "\(t(0)),u2,page_view", "\(t(0)),u3,page_view"])
        let before = try fixture.database.query("SELECT user_id, id FROM sessions ORDER BY user_id") { [$0.int64(0), $0.int64(1)] }
        try fixture.events(["\(t(5)),u2,page_view"])
        let after = try fixture.database.query("SELECT user_id, id FROM sessions ORDER BY user_id") { [$0.int64(0), $0.int64(1)] }
        // u1's and u3's session rows are untouched (same row ids); u2's was rewritten.
        #expect(after[0] == before[0])
        #expect(after[2] == before[2])
        #expect(after[1] != before[1])
    }
}

@Suite("Timeline records: checked narrowing")
struct TimelineNarrowingTests {
    @Test("record fields take 0 for none and every value up to Int32.max; beyond is an error")
    func fieldLimits() throws {
        #expect(try TimelineRecord.field(nil, "page id") == 0)
        #expect(try TimelineRecord.field(Int64(Int32.max), "page id") == Int32.max)
        let error = #expect(throws: TimelineRecord.FieldOverflow.self) {
            _ = try TimelineRecord.field(Int64(Int32.max) + 1, "channel id")
        }
        #expect(error == TimelineRecord.FieldOverflow(field: "channel id", value: 2_147_483_648))
        #expect(throws: TimelineRecord.FieldOverflow.self) { _ = try TimelineRecord.field(-1, "page id") }
    }

    @Test("a label id beyond 32 bits fails the file's import instead of writing a wrong timeline")
    func oversizedLabelFailsImport() throws {
        let fixture = try Fixture()
        try fixture.events(["\(t(0)),u1,page_view,/a"])
        // The next label gets an id above Int32.max.
        try fixture.database.run("INSERT INTO labels (id, kind, value) VALUES (3000000000, 'page', '/far')")
        #expect(throws: TimelineRecord.FieldOverflow.self) { try fixture.events(["\(t(1)),u1,page_view,/new"]) }
        // The failed file left nothing behind: u1 still has one event in one timeline record.
        try EventBlock.createEventsView(in: fixture.database)
        #expect(try fixture.database.scalarInt("SELECT count(*) FROM events") == 1)
        #expect(try timelineNames(fixture.database)["u1"]?.count == 1)
    }
}

extension SessionStore.Listed {
    /// Everything but label ids, which depend on the order labels were first seen.
    var comparable: String {
        let s = session
        return [user, "\(s.ordinal)", s.sessionKey ?? "-", "\(s.start)", "\(s.end)", "\(s.events)", "\(s.pageViews)",
                "\(s.orders)", "\(s.revenueOrders)", "\(s.revenue)", channel, device, campaign, landingPage].joined(separator: "|")
    }
}

/// Every user's timeline with ids replaced by names, keyed by external user id.
func timelineNames(_ database: Database) throws -> [String: [String]] {
    let names = try LabelNames(database: database)
    var result: [String: [String]] = [:]
    var records: [TimelineRecord] = []
    for (user, blob) in try database.query("""
        SELECT u.external_id, t.records FROM timelines t JOIN users u ON u.id = t.user_id
        """, [], { ($0.string(0), $0.data(1)) }) {
        blob.withUnsafeBytes { TimelineRecord.decode($0, into: &records) }
        result[user] = records.map { record in
            ["\(record.timestamp)", names.name(Int64(record.eventTypeID)), names.name(Int64(record.pageID)),
             "\(record.sessionIndex)", names.name(Int64(record.channelID)), names.name(Int64(record.deviceID)),
             names.name(Int64(record.campaignID))].joined(separator: "|")
        }
    }
    return result
}
