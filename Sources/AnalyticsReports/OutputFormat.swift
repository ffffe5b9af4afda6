/// How a command prints its result.
public enum OutputFormat: String, CaseIterable, Sendable {
    /// Aligned columns with human units (`42.1%`, `3m 12s`), for a terminal.
    case table
    /// RFC 4180 CSV with plain numbers (rates as fractions, durations in seconds).
    case csv
    /// One JSON document with plain numbers.
    case json
    /// A GitHub-flavoured Markdown table with human units.
    case markdown
}
