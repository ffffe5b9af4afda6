import Analytics
import ArgumentParser

/// `analytics presets [NAME]`: the bundled mappings of known export layouts.
struct Presets: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the bundled mappings of known export layouts (import --preset NAME), or print one.",
        discussion: """
            Without a name: each preset, what it reads and the columns it expects. With a name: its mapping \
            as YAML, to copy into a file, edit and use with --mapping FILE. A field may be an SQLite \
            expression over the file's columns (docs/ingest.md).
            """)

    @Argument(help: "A preset to print as YAML.")
    var name: String?

    @OptionGroup var output: FormatOption

    func run() throws {
        guard let name else {
            let table = ResultTable(columns: ["preset", "reads", "columns"],
                                    rows: ImportPreset.all.map { [.text($0.name), .text($0.summary), .text($0.columns.joined(separator: ", "))] })
            return emit(table.render(output.format))
        }
        guard let preset = ImportPreset.named(name) else {
            throw CommandFailure(message: "unknown preset '\(name)'; known: " + ImportPreset.all.map(\.name).joined(separator: ", "),
                                 code: 64)
        }
        emit(preset.yaml)
    }
}
