import Analytics
import ArgumentParser
import Foundation

@main
struct AnalyticsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analytics",
        abstract: "Customer-journey analytics over clickstream and order events, stored in SQLite.",
        discussion: """
            Import nightly CSV exports, then ask where in the journey people drop off, \
            through which touchpoints, and how it changes over time.

            Exit codes (`analytics exit-codes`): 0 success; 1 some rows were rejected (the files were still imported); \
            2 a file was aborted or unreadable; 64 bad usage; 65 bad input such as an invalid journey; \
            66 no database at the path given (only import, report PATH and migrate create one); \
            70 a database error; 73 an output file cannot be written.
            """,
        version: EngineVersion.current,
        subcommands: [
            Report.self,
            Import.self,
            Funnel.self,
            Touchpoints.self,
            Paths.self,
            Retention.self,
            Attribution.self,
            SQL.self,
            Export.self,
            Sessions.self,
            Journey.self,
            Imports.self,
            Rejects.self,
            Presets.self,
            Generate.self,
            Info.self,
            Migrate.self,
            ExitCodes.self,
        ]
    )

    /// Runs the chosen command; library errors become a message and an exit
    /// code here (`CommandFailure`), everything else as ArgumentParser does it.
    static func main() async {
        if let failure = unknownCommand(Array(CommandLine.arguments.dropFirst())) {
            FileHandle.standardError.write(Data("error: \(failure)\n".utf8))
            Foundation.exit(64)
        }
        do {
            var command = try parseAsRoot()
            // `--wide` (FormatOption) lifts the width limit of every table the command prints.
            let wide = CommandLine.arguments.dropFirst().prefix { $0 != "--" }.contains("--wide")
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try TableWidth.$maximum.withValue(wide ? nil : TableWidth.standard) { try command.run() }
            }
        } catch {
            guard let failure = CommandFailure(error) else { exit(withError: error) }
            FileHandle.standardError.write(Data("error: \(failure.message)\n".utf8))
            Foundation.exit(failure.code)
        }
    }

    /// `analytics nosuch` and `analytics help nosuch`: the message naming the closest command, or nil
    /// when the arguments name a command (or none).
    static func unknownCommand(_ arguments: [String]) -> String? {
        let names = configuration.subcommands.map { $0._commandName } + ["help"]
        var words = arguments.prefix { !$0.hasPrefix("-") }[...]
        if words.first == "help" { words = words.dropFirst() }
        guard let word = words.first, !names.contains(word) else { return nil }
        let suggestion = UnknownField(name: word, known: names).suggestion
        return "no command '\(word)'" + (suggestion.map { "; did you mean '\($0)'?" } ?? ".")
            + " See 'analytics --help' for the commands."
    }
}
