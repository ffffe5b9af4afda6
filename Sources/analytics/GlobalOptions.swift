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

    /// Opens the database and applies pending migrations, or exits with a clear message.
    func openStore() throws -> Database {
        try CommandErrors.run { try Store.open(path: databasePath) }
    }
}

/// The `--format` option of tabular commands.
struct FormatOption: ParsableArguments {
    @Option(name: .long, help: "Output format: table, csv, json or markdown.")
    var format: OutputFormat = .table
}

extension OutputFormat: ExpressibleByArgument {}

/// Turns library errors into a message on stderr and a meaningful exit code.
enum CommandErrors {
    static func run<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as StoreError {
            fail(error.description, code: 70)
        } catch let error as Migrator.Failure {
            fail(error.description, code: 70)
        } catch let error as SQLiteError {
            fail(error.description, code: 70)
        }
    }

    static func fail(_ message: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        exit(code)
    }
}

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

    @Option(help: ArgumentHelp("Time zone for dates and zone-less times in --from/--to (default UTC).", valueName: "zone"))
    var timezone: String?

    func validate() throws { _ = try range() }

    func range() throws -> TimeRange {
        var zone: TimeZone?
        if let timezone {
            guard let parsed = TimeZone(identifier: timezone) else {
                throw ValidationError("unknown time zone '\(timezone)'; use a name such as UTC or Europe/Berlin.")
            }
            zone = parsed
        }
        do {
            return try TimeRange(from: from, to: to, zone: zone)
        } catch let error as TimeRange.Invalid {
            throw ValidationError(error.description)
        }
    }
}

/// Parses durations such as 30m or 7d for options.
func parseDuration(_ text: String, option: String) throws -> Int64 {
    guard let milliseconds = DurationText.milliseconds(text), milliseconds > 0 else {
        throw ValidationError("\(option) '\(text)' is not a duration; use forms such as 90s, 30m, 1h30m or 7d.")
    }
    return milliseconds
}
