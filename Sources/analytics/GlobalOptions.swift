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
