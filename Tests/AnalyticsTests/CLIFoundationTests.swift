import Foundation
import Testing
@testable import AnalyticsStorage

@Suite("CLI: foundation")
struct CLIFoundationTests {
    @Test("info on a new database prints valid JSON with the migrations")
    func infoJSON() throws {
        let directory = TemporaryDirectory()
        #expect(try CLI.run(["migrate", "--db", directory.path("new.sqlite")]).status == 0)
        let result = try CLI.run(["info", "--db", directory.path("new.sqlite"), "--format", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let migrations = object?["migrations"] as? [[String: Any]]
        #expect(migrations?.compactMap { $0["name"] as? String } == ["create_events", "create_sessions", "open_event_model", "event_blocks", "order_records", "sql_views", "identities", "event_details", "timeline_property_columns", "pending_derivation", "compact_timelines", "users_external_id_index"])
        #expect(object?["sqlite_version"] as? String == "3.40.1" || (object?["sqlite_version"] as? String)?.hasPrefix("3.") == true)
        let tables = object?["tables"] as? [[String: Any]]
        #expect(tables?.contains { $0["table"] as? String == "events" && $0["rows"] as? Int == 0 } == true)
    }

    @Test("info as a table and CSV")
    func infoTable() throws {
        let directory = TemporaryDirectory()
        #expect(try CLI.run(["migrate", "--db", directory.path("a.sqlite")]).status == 0)
        let table = try CLI.run(["info", "--db", directory.path("a.sqlite")])
        #expect(table.status == 0)
        #expect(table.stdout.contains("create_events"))
        #expect(table.stdout.contains("sqlite_version"))
        let csv = try CLI.run(["info", "--db", directory.path("a.sqlite"), "--format", "csv"])
        #expect(csv.stdout.hasPrefix("table,rows\n"))
        #expect(csv.stdout.contains("events,0\n"))
    }

    @Test("the database defaults to ANALYTICS_DB, then analytics.sqlite in the current folder")
    func defaultPath() throws {
        let directory = TemporaryDirectory()
        let fromEnvironment = try CLI.run(["migrate"], in: directory.url,
                                          environment: ["ANALYTICS_DB": directory.path("env.sqlite")])
        #expect(fromEnvironment.status == 0)
        #expect(FileManager.default.fileExists(atPath: directory.path("env.sqlite")))
        #expect(!FileManager.default.fileExists(atPath: directory.path("analytics.sqlite")))
        let plain = try CLI.run(["migrate"], in: directory.url)
        #expect(plain.status == 0)
        #expect(FileManager.default.fileExists(atPath: directory.path("analytics.sqlite")))
    }

    @Test("a bad --db path gives a clear message and a non-zero exit")
    func badPath() throws {
        let result = try CLI.run(["migrate", "--db", "/nonexistent-folder/sub/x.sqlite"])
        #expect(result.status == 70)
        #expect(result.stderr.contains("cannot open the database '/nonexistent-folder/sub/x.sqlite'"))
        #expect(result.stderr.contains("--db"))
    }

    @Test("analytics exit-codes and analytics help exit-codes list every exit code")
    func exitCodes() throws {
        for arguments in [["exit-codes"], ["help", "exit-codes"]] {
            let result = try CLI.run(arguments)
            #expect(result.status == 0)
            for code in ["0 ", "1 ", "2 ", "64", "65", "66", "70", "73"] { #expect(result.stdout.contains("\n\(code)") || result.stdout.hasPrefix(code), "\(code)") }
        }
    }

    @Test("query commands on a missing database exit 66 and create nothing; import, report PATH and migrate create it")
    func missingDatabase() throws {
        let directory = TemporaryDirectory()
        let db = directory.path("typo.sqlite")
        for command in [["info"], ["funnel"], ["touchpoints"], ["sessions"], ["journey", "u1"], ["imports"], ["rejects"],
                        ["report"], ["sessions", "rebuild"]] {
            let result = try CLI.run(command + ["--db", db])
            #expect(result.status == 66, "\(command): \(result.stderr)")
            #expect(result.stderr.contains("no database at \(db)"))
            #expect(!FileManager.default.fileExists(atPath: db), "\(command) created the file")
        }
        let sample = ArchitectureTests.packageRoot.appending(path: "SampleData").path
        #expect(try CLI.run(["report", sample, "--db", db, "--out", directory.path("r.md")]).status == 0)
        #expect(FileManager.default.fileExists(atPath: db))
    }

    @Test("migrate applies then reports up to date")
    func migrate() throws {
        let directory = TemporaryDirectory()
        let first = try CLI.run(["migrate", "--db", directory.path("m.sqlite")])
        #expect(first.stdout.contains("applied 1 create_events"))
        let second = try CLI.run(["migrate", "--db", directory.path("m.sqlite")])
        #expect(second.stdout.contains("up to date"))
    }
}

@Suite("CLI: standalone binary")
struct StandaloneBinaryTests {
    @Test("the binary copied alone to another folder creates and migrates a new database there")
    func copiedBinary() throws {
        let directory = TemporaryDirectory()
        let copy = directory.url.appending(path: "analytics")
        try FileManager.default.copyItem(at: CLI.executable, to: copy)
        let process = Process()
        process.executableURL = copy
        process.arguments = ["info", "--format", "json"]
        process.currentDirectoryURL = directory.url
        let migrate = Process()
        migrate.executableURL = copy
        migrate.arguments = ["migrate"]
        migrate.currentDirectoryURL = directory.url
        try migrate.run()
        migrate.waitUntilExit()
        #expect(migrate.terminationStatus == 0)
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "ANALYTICS_DB")
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        #expect((object?["migrations"] as? [[String: Any]])?.count == Migration.embedded.count)
        #expect(FileManager.default.fileExists(atPath: directory.path("analytics.sqlite")))
    }
}

@Suite("CLI: no write-ahead log left behind")
struct CLIWriteAheadLogTests {
    @Test("after every command, successful or failing, the database file alone holds the data")
    func noWALAfterCommands() throws {
        let directory = TemporaryDirectory()
        let db = directory.path("wal.sqlite")
        let sample = ArchitectureTests.packageRoot.appending(path: "SampleData").path
        let commands: [[String]] = [
            ["import", sample, "--quiet"], ["import", sample, "--quiet", "--force"], ["funnel"], ["funnel", "--by", "session"],
            ["touchpoints", "--by", "device"], ["sessions", "--limit", "3"], ["sessions", "rebuild"], ["journey", "nobody"],
            ["funnel", "--journey", directory.path("missing.yaml")], ["report", "--out", directory.path("r.html")],
            ["imports"], ["rejects"], ["info"], ["migrate"],
        ]
        for command in commands {
            let result = try CLI.run(command + ["--db", db])
            #expect(result.status != 70, "\(command): \(result.stderr)")
            let wal = try? FileManager.default.attributesOfItem(atPath: db + "-wal")[.size] as? NSNumber
            #expect(wal == nil || wal?.intValue == 0, "\(command) left a WAL of \(wal?.intValue ?? 0) bytes")
        }
        // The file alone is complete: a copy without its WAL has every event.
        let copy = directory.path("copy.sqlite")
        try FileManager.default.copyItem(atPath: db, toPath: copy)
        let info = try CLI.run(["info", "--db", copy, "--format", "csv"])
        #expect(info.stdout.contains("events,4000\n"), "\(info.stdout)")
        let check = try Database(path: copy, mode: .readOnly)
        #expect(try check.scalarText("PRAGMA integrity_check") == "ok")
    }
}

@Suite("CLI: renamed options")
struct CLIRenamedOptionTests {
    @Test("funnel --actor is the documented name; --by still works, hidden from help; both at once is a usage error")
    func actorAlias() throws {
        let directory = TemporaryDirectory()
        let db = directory.path("alias.sqlite")
        let sample = ArchitectureTests.packageRoot.appending(path: "SampleData/events.csv").path
        #expect(try CLI.run(["import", sample, "--db", db, "--quiet"]).status == 0)
        let actor = try CLI.run(["funnel", "--actor", "session", "--format", "csv", "--db", db])
        let by = try CLI.run(["funnel", "--by", "session", "--format", "csv", "--db", db])
        #expect(actor.status == 0 && by.status == 0)
        #expect(actor.stdout == by.stdout)
        #expect(actor.stdout != (try CLI.run(["funnel", "--format", "csv", "--db", db])).stdout)
        let help = try CLI.run(["help", "funnel"])
        #expect(help.stdout.contains("--actor"))
        #expect(!help.stdout.contains("--by "))
        let both = try CLI.run(["funnel", "--actor", "user", "--by", "session", "--db", db])
        #expect(both.status == 64)
        #expect(both.stderr.contains("--actor"))
    }
}

@Suite("CLI: unknown commands")
struct UnknownCommandTests {
    @Test("an unknown command, or help for one, exits 64 with the closest command")
    func unknownCommands() throws {
        let help = try CLI.run(["help", "nosuch"])
        #expect(help.status == 64)
        #expect(help.stdout.isEmpty)
        #expect(help.stderr == "error: no command 'nosuch'. See 'analytics --help' for the commands.\n")
        let typo = try CLI.run(["funel", "--db", "x.sqlite"])
        #expect(typo.status == 64)
        #expect(typo.stderr.contains("no command 'funel'; did you mean 'funnel'?"))
        let known = try CLI.run(["help", "funnel"])
        #expect(known.status == 0)
        #expect(known.stdout.contains("OVERVIEW: Journey funnel"))
        #expect(try CLI.run(["sessions", "rebuild", "--help"]).status == 0)
    }
}
