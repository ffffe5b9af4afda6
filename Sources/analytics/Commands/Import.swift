import Analytics
import ArgumentParser
import Foundation

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import CSV files of clickstream events and orders (plain or .csv.gz).",
        discussion: """
            Each file is one transaction: it is imported whole (all its valid rows) or not at all. \
            A file whose content was imported before is skipped. Rejected rows are recorded with \
            their line and reason (see `analytics rejects`). Sessions are brought up to date for \
            the users each file touched. When every file given is an events file or an orders file \
            with a user column, the orders files are imported first (sessions are then derived \
            once); the summary lists the files in the order given.

            Exit codes: 0 all rows imported (or files skipped); 1 some rows were rejected but the \
            files were imported; 2 a file was aborted (too many rejects) or could not be read.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var output: FormatOption

    @Argument(help: "CSV files or folders (a folder imports its *.csv and *.csv.gz files in name order).")
    var paths: [String]

    @Option(help: "Force the kind of every file instead of telling it from the header: events, orders or event-details.")
    var kind: FileKind?

    @Option(name: .customLong("map"), help: ArgumentHelp(
        "Map a field to a source column, e.g. --map timestamp=event_time (repeatable).", valueName: "field=column"))
    var mappings: [String] = []

    @Option(help: ArgumentHelp("A YAML or JSON file of field: column pairs, with optional roles, properties and ignore keys.",
                               valueName: "file"))
    var mapping: String?

    @Option(help: ArgumentHelp("A bundled mapping for a known export layout: rees46, ga4, ga-sessions, segment-tracks, "
                               + "segment-pages, segment-details or shopify-orders (`analytics presets` lists them and "
                               + "their columns; --mapping and --map override it).", valueName: "name"))
    var preset: String?

    @Option(name: .customLong("role"), help: ArgumentHelp(
        "Event types that play a role, e.g. --role order=purchase or --role page_view=Page,screen (repeatable; roles: order, page_view).",
        valueName: "role=event,..."))
    var roles: [String] = []

    @Option(name: .customLong("ignore-column"), help: ArgumentHelp(
        "A column not to keep as a property (repeatable); every unmapped column is kept by default.", valueName: "column"))
    var ignoredColumns: [String] = []

    @Option(help: "The field separator: ',', ';', 'tab' or any single character.")
    var delimiter: String = ","

    @Option(help: ArgumentHelp("Time zone for timestamps without one, e.g. Europe/Berlin (default: reject them).",
                               valueName: "zone"),
            transform: parseTimeZone)
    var assumeTimezone: TimeZone?

    @Option(help: ArgumentHelp("Abort a file (importing nothing from it) after more than N rejected rows, or above a share such as 1%.",
                               valueName: "n|p%"))
    var maxErrors: String?

    @Flag(help: "Abort a file at its first rejected row (same as --max-errors 0).")
    var strict = false

    @Flag(help: "Import files again even if their content was imported before, replacing that import.")
    var force = false

    @Option(help: ArgumentHelp("Change the session timeout (e.g. 45m) and rebuild all sessions before importing.",
                               valueName: "duration"),
            transform: { try parseDuration($0, option: "--session-timeout") })
    var sessionTimeout: Int64?

    @Flag(name: [.short, .long], help: "No progress line.")
    var quiet = false

    func validate() throws {
        if strict && maxErrors != nil { throw ValidationError("--strict and --max-errors cannot be combined.") }
        if let maxErrors, ImportOptions.ErrorLimit(argument: maxErrors) == nil {
            throw ValidationError("--max-errors takes a number of rows (100) or a percentage (2.5%).")
        }
        if delimiterByte == nil { throw ValidationError("--delimiter must be one ASCII character or 'tab'.") }
    }

    private var delimiterByte: UInt8? {
        if delimiter == "tab" || delimiter == "\\t" || delimiter == "\t" { return 0x09 }
        guard delimiter.utf8.count == 1, let byte = delimiter.utf8.first, byte != UInt8(ascii: "\""),
              byte != 0x0A, byte != 0x0D else { return nil }
        return byte
    }

    func run() throws {
        var options = ImportOptions()
        options.kind = kind
        options.delimiter = delimiterByte ?? UInt8(ascii: ",")
        options.assumedZone = assumeTimezone
        options.force = force
        options.errorLimit = strict ? .count(0) : maxErrors.flatMap(ImportOptions.ErrorLimit.init(argument:)) ?? .unlimited
        var presetMapping = ColumnMapping()
        if let preset {
            guard let found = ImportPreset.named(preset) else {
                throw ValidationError("unknown preset '\(preset)'; known: "
                                      + ImportPreset.all.map(\.name).joined(separator: ", ") + " (analytics presets)")
            }
            presetMapping = try found.mapping()
        }
        let fileMapping = presetMapping.merging(try mapping.map(ColumnMapping.init(file:)) ?? ColumnMapping())
        options.mapping = fileMapping.merging(try ColumnMapping(pairs: mappings)).merging(try ColumnMapping(roles: roles))
        options.mapping.ignore(columns: ignoredColumns)
        let meter = ProgressLine(enabled: !quiet && isatty(STDERR_FILENO) == 1)
        let summary = try global.withWorkspace(create: true) { workspace in
            try workspace.importFiles(paths, options: options, sessionTimeout: sessionTimeout, progress: meter.show,
                                      afterEachFile: meter.clear)
        }
        emit(summary.render(output.format))
        if summary.exitCode != 0 { throw ExitCode(summary.exitCode) }
    }
}

extension FileKind: @retroactive ExpressibleByArgument {}

/// The progress line on a terminal: bytes and rows done, rows/s, ETA; at most 4 updates a second.
final class ProgressLine {
    private let enabled: Bool
    private var lastShown = Date.distantPast
    private var visible = false

    init(enabled: Bool) { self.enabled = enabled }

    func show(_ progress: ImportProgress) {
        guard enabled else { return }
        if progress.step != .reading {
            let text = "\(URL(fileURLWithPath: progress.path).lastPathComponent): "
                + "\(Format.grouped(Int64(progress.rows))) rows read, \(progress.step.rawValue)..."
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
            visible = true
            return
        }
        guard Date().timeIntervalSince(lastShown) >= 0.25 else { return }
        lastShown = Date()
        let rate = progress.seconds > 0 ? Double(progress.rows) / progress.seconds : 0
        var text = "\(URL(fileURLWithPath: progress.path).lastPathComponent): "
            + "\(megabytes(progress.bytesDone)) / \(megabytes(progress.bytesTotal)) MB, "
            + "\(Format.grouped(Int64(progress.rows))) rows, \(Format.grouped(Int64(rate))) rows/s"
        if progress.bytesDone > 0, progress.bytesTotal > progress.bytesDone {
            let remaining = progress.seconds * Double(progress.bytesTotal - progress.bytesDone) / Double(progress.bytesDone)
            text += ", ETA \(Format.duration(remaining))"
        }
        FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
        visible = true
    }

    func clear() {
        guard visible else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        visible = false
        lastShown = .distantPast
    }

    private func megabytes(_ bytes: Int64) -> String { Format.decimal(Double(bytes) / 1_048_576, places: 1) }
}
