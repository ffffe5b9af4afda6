import Foundation
import Testing

/// The exact text of every output format on the sample data, compared with
/// files in `Tests/Snapshots/` (first written by the binary before the
/// one-target-per-layer split, so they also prove that split changed no output).
/// Run with `UPDATE_SNAPSHOTS=1` to rewrite them after an intended change, then
/// review the diff.
@Suite("Output snapshots")
struct SnapshotTests {
    static let root = ArchitectureTests.packageRoot
    static let snapshots = root.appending(path: "Tests/Snapshots")

    /// Snapshot name -> arguments.
    static let cases: [(String, [String])] = {
        var cases: [(String, [String])] = []
        for format in ["table", "csv", "json", "markdown"] {
            cases.append(("funnel.\(format)", ["funnel", "--format", format]))
            cases.append(("touchpoints.\(format)", ["touchpoints", "--by", "landing-page", "--format", format]))
        }
        cases += [
            ("funnel-session-device.table", ["funnel", "--by", "session", "--breakdown", "device",
                                             "--journey", "SampleData/journeys/checkout.yaml"]),
            ("funnel-week.csv", ["funnel", "--breakdown", "week", "--format", "csv"]),
            ("funnel-top.markdown", ["funnel", "--breakdown", "campaign", "--top", "2", "--format", "markdown"]),
            ("sessions.csv", ["sessions", "--limit", "25", "--format", "csv"]),
            ("sessions.table", ["sessions", "--limit", "10"]),
            ("journey.table", ["journey", "u446"]),
            ("journey.markdown", ["journey", "u446", "--format", "markdown"]),
            ("journey.csv", ["journey", "u96", "--format", "csv"]),
            ("journey.json", ["journey", "u96", "--format", "json"]),
            ("paths.table", ["paths", "--start", "product_view", "--steps", "4", "--top", "5"]),
            ("paths-edges.csv", ["paths", "--end", "order", "--steps", "3", "--edges", "--format", "csv"]),
            ("retention.markdown", ["retention", "--periods", "4", "--format", "markdown"]),
            ("retention.csv", ["retention", "--start", "order", "--return", "order", "--period", "month", "--periods", "2",
                               "--format", "csv"]),
            ("attribution.table", ["attribution", "--compare-models"]),
            ("attribution.json", ["attribution", "--model", "position", "--by", "campaign", "--format", "json"]),
            ("info.table", ["info"]),
            ("touchpoints-wide.table", ["touchpoints", "--wide"]),
            ("sessions-wide.table", ["sessions", "--limit", "5", "--wide"]),
            ("info.csv", ["info", "--format", "csv"]),
            ("info.json", ["info", "--format", "json"]),
            ("info.markdown", ["info", "--format", "markdown"]),
            ("info-migrations.csv", ["info", "--section", "migrations", "--format", "csv"]),
            ("info-roles.csv", ["info", "--section", "roles", "--format", "csv"]),
            ("info-summary.json", ["info", "--section", "summary", "--format", "json"]),
            ("sql.csv", ["sql", "SELECT channel, count(*) AS sessions, sum(orders) AS orders FROM journey_sessions "
                         + "GROUP BY channel ORDER BY channel", "--format", "csv"]),
            ("report.markdown", ["report", "--format", "markdown"]),
            ("report.json", ["report", "--format", "json"]),
            ("report.html", ["report", "--format", "html"]),
            ("report-ab.markdown", ["report", "--segment", "device=mobile", "--vs", "device=desktop", "--format", "markdown"]),
            // Funnel language v2: optional stage and exclusion from the journey file, then each mode.
            ("funnel-modes.table", ["funnel", "--journey", "SampleData/journeys/checkout-focused.yaml", "--time-to-convert",
                                    "--wide"]),
            ("funnel-drop-actor.json", ["funnel", "--journey", "SampleData/journeys/checkout-focused.yaml",
                                        "--exclude-mode", "drop-actor", "--time-to-convert", "--bins", "4", "--format", "json"]),
            ("funnel-strict.markdown", ["funnel", "--journey", "SampleData/journeys/checkout.yaml", "--order", "strict",
                                        "--actor", "session", "--format", "markdown"]),
            ("funnel-any.csv", ["funnel", "--journey", "SampleData/journeys/checkout.yaml", "--order", "any",
                                "--time-to-convert", "--bins", "3", "--format", "csv"]),
            ("funnel-conversions.table", ["funnel", "--journey", "SampleData/journeys/checkout.yaml", "--count", "conversions",
                                          "--breakdown", "device"]),
            ("funnel-refused.table", ["funnel", "--journey", "SampleData/journeys/checkout-focused.yaml", "--order", "any"]),
        ]
        return cases
    }()

    @Test("every command and format prints exactly its snapshot")
    func outputsMatchSnapshots() throws {
        let directory = TemporaryDirectory()
        let db = directory.path("snap.sqlite")
        let load = try CLI.run(["import", "SampleData/events.csv", "SampleData/orders.csv", "--db", db, "--quiet"], in: Self.root)
        #expect(load.status == 0, "\(load.stderr)")
        let update = ProcessInfo.processInfo.environment["UPDATE_SNAPSHOTS"] == "1"
        for (name, arguments) in Self.cases {
            // `info` prints the path: run it next to the database, so the path (and the widths) never change.
            let result = name.hasPrefix("info")
                ? try CLI.run(arguments + ["--db", "snap.sqlite"], in: directory.url)
                : try CLI.run(arguments + ["--db", db], in: Self.root)
            var output = result.stdout + result.stderr
            if name.hasPrefix("info") {
                // When the migrations ran is the only part of `info` that differs between runs.
                output = output.replacingOccurrences(of: #"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"#, with: "<applied_at>",
                                                     options: .regularExpression)
            }
            let file = Self.snapshots.appending(path: "\(name).out")
            if update {
                try Data(output.utf8).write(to: file)
                continue
            }
            let expected = try String(contentsOf: file, encoding: .utf8)
            #expect(output == expected, "\(name) differs from Tests/Snapshots/\(name).out")
        }
    }
}
