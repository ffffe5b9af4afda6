import Analytics
import ArgumentParser
import Foundation

/// Options every subcommand shares.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "The database file (created when missing).",
        discussion: "Defaults to $ANALYTICS_DB, else analytics.sqlite in the current folder.",
        valueName: "path"))
    var db: String?

    /// The database path after the environment default.
    var databasePath: String {
        db ?? ProcessInfo.processInfo.environment["ANALYTICS_DB"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "analytics.sqlite"
    }

    /// Opens the workspace, runs `body` with it and closes it, so the database
    /// file alone holds the data afterwards (no write-ahead log left behind).
    /// Only commands that import (`create`) make a missing database; the others
    /// fail with exit 66 ("no database at PATH").
    func withWorkspace<T>(create: Bool = false, _ body: (Workspace) throws -> T) throws -> T {
        let workspace = try Workspace.open(path: databasePath, create: create)
        let result: T
        do {
            result = try body(workspace)
        } catch {
            try? workspace.close()
            throw error
        }
        try workspace.close()
        return result
    }
}

/// The `--format` option of tabular commands, and `--wide` (read before the command runs: see
/// `AnalyticsCommand.main`, which binds `TableWidth.maximum` for the whole command).
struct FormatOption: ParsableArguments {
    @Option(name: .long, help: "Output format: table, csv, json or markdown.")
    var format: OutputFormat = .table

    @Flag(help: ArgumentHelp("Tables as wide as their content (default: at most 100 characters; long texts shortened, "
                             + "then the last columns left out and named)."))
    var wide = false
}

extension OutputFormat: @retroactive ExpressibleByArgument {}
extension TouchpointDimension: @retroactive ExpressibleByArgument {}

/// Writes text to standard output without an extra newline.
func emit(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
}

/// `--from`, `--to` and `--timezone`, shared by the query commands.
struct TimeRangeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Start of the period, inclusive: a date (2024-03-01) or a timestamp.", valueName: "time"))
    var from: String?

    @Option(help: ArgumentHelp("End of the period, exclusive: a date or a timestamp.", valueName: "time"))
    var to: String?

    @Option(help: ArgumentHelp("Time zone for dates and zone-less times in --from/--to (default UTC).", valueName: "zone"),
            transform: parseTimeZone)
    var timezone: TimeZone?

    func validate() throws { _ = try range() }

    func range() throws -> TimeRange {
        do {
            return try TimeRange(from: from, to: to, zone: timezone)
        } catch let error as TimeRange.Invalid {
            throw ValidationError(error.description)
        }
    }
}

/// `--where`, shared by the query commands.
struct FilterOptions: ParsableArguments {
    @Option(name: .customLong("where"), help: ArgumentHelp(
        "Keep only what meets a condition (repeatable, all must hold): FIELD=V[,V...], FIELD!=V, FIELD<N, FIELD<=N, "
            + "FIELD>N, FIELD>=N, FIELD~GLOB or FIELD? (present). FIELD is event_type, page, channel, device, campaign "
            + "or a property (see `analytics info`).",
        valueName: "condition"),
            transform: { text in
                do { return try FieldFilter(parsing: text) } catch let error as FieldFilter.Malformed {
                    throw ValidationError(error.description)
                }
            })
    var filters: [FieldFilter] = []
}

/// Parses durations such as 30m or 7d for options (`@Option(transform:)`).
func parseDuration(_ text: String, option: String) throws -> Int64 {
    guard let milliseconds = DurationText.milliseconds(text), milliseconds > 0 else {
        throw ValidationError("\(option) '\(text)' is not a duration; use forms such as 90s, 30m, 1h30m or 7d (at most 1000 years).")
    }
    return milliseconds
}

/// Parses an IANA time zone name (`@Option(transform:)`).
func parseTimeZone(_ text: String) throws -> TimeZone {
    guard let zone = TimeZone(identifier: text) else {
        throw ValidationError("unknown time zone '\(text)'; use a name such as UTC or Europe/Berlin.")
    }
    return zone
}

/// `--strict-names`: names no stored row has are warnings on stderr, or with the flag an error (exit 65).
struct NameCheckOption: ParsableArguments {
    @Flag(help: "Refuse (exit 65) instead of warning when an event type, page or value named is not in the database.")
    var strictNames = false

    /// Warns about each unknown name, or throws them all with `--strict-names`.
    func report(_ unknown: [UnknownName]) throws {
        guard !unknown.isEmpty else { return }
        if strictNames {
            throw CommandFailure(message: unknown.map(\.description).joined(separator: "\n       ")
                                 + "\n(drop --strict-names to run anyway; `analytics info` lists what the database holds)",
                                 code: 65)
        }
        for name in unknown { warn("\(name)") }
    }
}

/// Writes a warning to standard error (the output itself stays clean for scripts).
func warn(_ message: String) {
    FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
}
