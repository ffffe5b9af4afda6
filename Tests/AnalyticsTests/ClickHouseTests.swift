import Foundation
import Testing
@testable import Analytics
@testable import AnalyticsQueries

/// The ClickHouse round trip (issue 13, parts 4 and 5): generated data is exported, loaded into
/// chDB (ClickHouse in-process, PyPI's `chdb`) by running `load.sql` from inside the export folder,
/// and the emitted funnel and touchpoint SQL must give every number the engine gives.
@Suite("ClickHouse export and emitted SQL, checked in chDB")
struct ClickHouseTests {
    static let chdbAvailable: Bool = {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import chdb"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }()

    /// Loads `directory/load.sql` into a fresh chDB session (from inside the folder, as a user would)
    /// and runs each query; returns rows per query and the seconds the load took.
    static func chdb(_ directory: String, queries: [String: String]) throws -> (rows: [String: [[Any]]], loadSeconds: Double) {
        let script = """
            import json, os, sys, time
            from chdb import session
            directory, queries = sys.argv[1], json.load(open(sys.argv[2]))
            os.chdir(directory)
            s = session.Session(os.path.join(directory, ".chdb"))
            started = time.time()
            s.query(open("load.sql").read())
            loaded = time.time() - started
            out = {"load_seconds": loaded, "rows": {}}
            for name, sql in queries.items():
                out["rows"][name] = json.loads(s.query(sql, "JSONCompact").bytes())["data"]
            print(json.dumps(out))
            """
        let queriesPath = directory + "/../queries.json"
        try JSONSerialization.data(withJSONObject: queries).write(to: URL(fileURLWithPath: queriesPath))
        let data = try python(["-c", script, directory, queriesPath], failure: "chDB failed")
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return (try #require(json["rows"] as? [String: [[Any]]]), json["load_seconds"] as? Double ?? 0)
    }

    /// A JSON value as a number (ClickHouse quotes 64-bit integers); nil for null.
    static func number(_ value: Any) -> Double? {
        if let number = value as? NSNumber { return number.doubleValue }
        if let text = value as? String { return Double(text) }
        return nil
    }

    static func close(_ a: Double?, _ b: Double?) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        return a == b || abs(a - b) <= 1e-9 * max(abs(a), abs(b))
    }

    @Test("funnels (checkout by user and by session, the customer journey, filtered) and KPIs by channel equal chDB's",
          .enabled(if: chdbAvailable, "the chdb Python module is not importable (pip install chdb); ClickHouse round trip skipped"))
    func roundTrip() throws {
        let directory = TemporaryDirectory()
        var generator = DataGenerator(events: 20_000, seed: 13)
        generator.days = 40
        let output = try generator.write(to: directory.path("gen"))
        let workspace = try Workspace.open(path: directory.path("a.sqlite"))
        defer { try? workspace.close() }
        _ = try workspace.importFiles([output.eventsPath, output.ordersPath])

        let started = Date()
        let summary = try workspace.exportClickHouse(to: directory.path("export"))
        let exportSeconds = Date().timeIntervalSince(started)
        #expect(summary.files == ["events.tsv.gz", "orders.tsv.gz", "sessions.tsv.gz", "load.sql"])

        let checkout = try JourneyDefinition.load(path: packageRoot.appending(path: "SampleData/journeys/checkout.yaml").path)
        var funnels: [String: FunnelQuery] = [:]
        funnels["checkout_user"] = FunnelQuery(journey: checkout)
        var bySession = FunnelQuery(journey: checkout)
        bySession.actor = .session
        funnels["checkout_session"] = bySession
        funnels["customer_user"] = FunnelQuery(journey: .customerJourney)
        var filtered = FunnelQuery(journey: .customerJourney)
        filtered.actor = .session
        filtered.range = try TimeRange(from: "2024-03-05", to: "2024-04-01")
        filtered.filters = [try FieldFilter(parsing: "channel!=social,display"), try FieldFilter(parsing: "device~*o*")]
        funnels["customer_filtered"] = filtered
        var queries = try funnels.mapValues { try workspace.funnelSQL($0) }
        queries["kpis_channel"] = try workspace.touchpointsSQL(by: .channel)
        let emailRange = try TimeRange(from: "2024-03-10", to: nil)
        let emailFilters = [try FieldFilter(parsing: "device=mobile")]
        queries["kpis_campaign_filtered"] = try workspace.touchpointsSQL(by: .campaign, range: emailRange, filters: emailFilters)
        queries["counts"] = "SELECT (SELECT count() FROM events), (SELECT count() FROM orders), (SELECT count() FROM sessions)"

        let (rows, loadSeconds) = try Self.chdb(directory.path("export"), queries: queries)
        let counts = try #require(rows["counts"]?.first).map { Self.number($0) }
        #expect(counts == [Double(summary.events), Double(summary.orders), Double(summary.sessions)])
        print("ClickHouse round trip: \(summary.users) users, \(summary.events) events, \(summary.orders) orders, "
              + "\(summary.sessions) sessions; export \(String(format: "%.2f", exportSeconds)) s, chDB load "
              + "\(String(format: "%.2f", loadSeconds)) s")

        for (name, query) in funnels {
            let report = try workspace.funnel(query)
            let emitted = try #require(rows[name])
            #expect(emitted.map { Self.number($0[0]).map(Int.init) } == report.stages.indices.map { $0 + 1 }, "\(name)")
            #expect(emitted.map { $0[1] as? String } == report.stages.map(\.stage), "\(name)")
            #expect(emitted.map { Self.number($0[2]).map(Int.init) } == report.stages.map(\.reached), "\(name)")
            #expect(report.stages[2].reached > 0, "\(name): the data should reach the third stage")
        }

        for (name, report) in [("kpis_channel", try workspace.touchpoints(by: .channel)),
                               ("kpis_campaign_filtered", try workspace.touchpoints(by: .campaign, range: emailRange,
                                                                                     filters: emailFilters))] {
            let emitted = try #require(rows[name])
            let expected = report.rows + [report.total]
            #expect(emitted.count == expected.count, "\(name)")
            for (row, kpi) in zip(emitted, expected) {
                #expect(row[0] as? String == kpi.touchpoint, "\(name)")
                let ours: [Double?] = [Double(kpi.sessions), Double(kpi.users), Double(kpi.events), kpi.bounceRate,
                                       kpi.averageSessionSeconds, kpi.medianSessionSeconds, kpi.p90SessionSeconds,
                                       kpi.engagedRate, kpi.conversionRate, Double(kpi.orders), kpi.revenue,
                                       kpi.averageOrderValue, kpi.revenuePerSession]
                let theirs = row.dropFirst().map { Self.number($0) }
                for (index, column) in ClickHouseTouchpointSQL.columns.enumerated() {
                    #expect(Self.close(ours[index], theirs[index]),
                            "\(name) \(kpi.touchpoint) \(column): ours \(String(describing: ours[index])), chDB \(String(describing: theirs[index]))")
                }
            }
        }
    }

    @Test("--since exports whole rows of the users later imports touched; load.sql replaces them",
          .enabled(if: chdbAvailable, "the chdb Python module is not importable (pip install chdb); ClickHouse round trip skipped"))
    func incremental() throws {
        let directory = TemporaryDirectory()
        var generator = DataGenerator(events: 3000, seed: 4)
        generator.days = 20
        let output = try generator.write(to: directory.path("gen"))
        let workspace = try Workspace.open(path: directory.path("a.sqlite"))
        defer { try? workspace.close() }
        _ = try workspace.importFiles([output.eventsPath])
        let first = try workspace.exportClickHouse(to: directory.path("full"))
        _ = try workspace.importFiles([output.ordersPath])
        let later = try workspace.exportClickHouse(to: directory.path("full/inc"), since: 1)
        #expect(later.users < first.users && later.orders > 0)
        // The base export, then the increment, into one chDB database: the KPIs of the whole.
        let script = """
            import os, sys
            from chdb import session
            s = session.Session(sys.argv[1] + "/.chdb")
            os.chdir(sys.argv[1]); s.query(open("load.sql").read())
            os.chdir(sys.argv[1] + "/inc"); s.query(open("load.sql").read())
            print(s.query(sys.argv[2], "TSV").bytes().decode(), end="")
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, directory.path("full"), try workspace.touchpointsSQL(by: .channel)]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)
        let report = try workspace.touchpoints(by: .channel)
        let lines = text.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        #expect(lines.map { $0[0] } == (report.rows + [report.total]).map(\.touchpoint))
        #expect(lines.map { Int($0[1]) } == (report.rows + [report.total]).map(\.sessions))
        #expect(lines.map { Int($0[3]) } == (report.rows + [report.total]).map(\.events))
        #expect(lines.map { Int($0[10]) } == (report.rows + [report.total]).map(\.orders))
    }

    @Test("filters compile to ClickHouse: globs, absent values, properties")
    func compiledFilters() throws {
        #expect(ClickHouseSQL.regex(glob: "/checkout*") == "^(?s:\\/checkout.*)$")
        #expect(ClickHouseSQL.regex(glob: "a?[!x]") == "^(?s:a.[^x])$")
        #expect(ClickHouseSQL.literal("it's \\") == "'it\\'s \\\\'")
        #expect(ClickHouseSQL.condition(try FieldFilter(parsing: "channel!=email"), on: "c") == "c NOT IN ('email')")
        #expect(ClickHouseSQL.condition(try FieldFilter(parsing: "price>=10"), on: "p")
                == "ifNull(toFloat64OrNull(trimBoth(p)) >= 10, 0)")
    }
}
