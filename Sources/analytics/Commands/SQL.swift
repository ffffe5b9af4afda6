import Analytics
import ArgumentParser

struct SQL: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sql",
        abstract: "Run one read-only SQL query over the database (tables and the journey_* views).",
        discussion: """
            The database is opened read-only with PRAGMA query_only, and anything but reading is refused \
            (INSERT, UPDATE, DELETE, CREATE, ATTACH, PRAGMA settings): exit 65, the file unchanged. Views for \
            people: journey_sessions (one row per session, names resolved, ISO times) and journey_orders; \
            docs/schema.md documents them. Parameters: `:name`, `@name` or `$name` in the SQL, `--param name=value` \
            (a value that reads as a number is bound as one). Example: \
            analytics sql "SELECT channel, count(*) AS sessions FROM journey_sessions GROUP BY channel" --format csv
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption

    @Argument(help: "One SQL statement (SELECT or WITH ... SELECT).")
    var query: String

    @Option(name: .customLong("param"), help: ArgumentHelp("A parameter value, name=value (repeatable).",
                                                           valueName: "name=value"))
    var parameters: [String] = []

    func run() throws {
        var values: [String: String] = [:]
        for parameter in parameters {
            let parts = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else {
                throw ValidationError("--param '\(parameter)' is not name=value.")
            }
            let name = parts[0].first.map { ":@$".contains($0) } == true ? String(parts[0].dropFirst()) : parts[0]
            values[name] = parts[1]
        }
        let result = try global.withWorkspace { try $0.sql(query, parameters: values) }
        emit(result.render(output.format))
    }
}
