import Analytics
import ArgumentParser
import Foundation

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The stage-conversion report: headline, funnel, pain points, KPIs, journey map, trend, comparison.",
        discussion: """
            Given files or folders, imports them first (files imported before are skipped), so \
            `analytics report SampleData --out report.html` is the whole nightly job. With --out, \
            the report is written there (format from --format or the file's extension) and a short \
            summary is printed; without it, the report goes to standard output. The same database \
            and options give byte-identical reports.
            """)

    @OptionGroup var global: GlobalOptions
    @OptionGroup var period: TimeRangeOptions
    @OptionGroup var conditions: FilterOptions
    @OptionGroup var names: NameCheckOption

    @Argument(help: "CSV files or folders to import first (optional).")
    var paths: [String] = []

    @Option(help: ArgumentHelp("A journey file (YAML or JSON); default: the built-in customer journey.", valueName: "file"))
    var journey: String?

    @Option(help: ArgumentHelp("Compare with the previous period of the same length, or a period YYYY-MM-DD..YYYY-MM-DD (end inclusive).",
                               valueName: "previous|range"))
    var compareTo: String?

    @Option(help: ArgumentHelp("The touchpoint of the stage x touchpoint matrix (channel, device, campaign, landing-page), or with --vs a segment such as campaign=spring_a.",
                               valueName: "dimension[=value]"))
    var segment: String?

    @Option(help: ArgumentHelp("The second segment of an A/B comparison, e.g. campaign=spring_b.", valueName: "dimension=value"))
    var vs: String?

    @Option(help: ArgumentHelp("The field of the stage x touchpoint matrix: channel, device, campaign, landing-page or a "
                               + "property (touchpoints: of each actor's first event in the period; a property: on its counted stage-1 event).",
                               valueName: "field"))
    var breakdown: TouchpointDimension?

    @Option(help: "Trend interval: users grouped by the day, week or month of their first event.")
    var interval: TrendInterval = .week

    enum TrendInterval: String, CaseIterable, ExpressibleByArgument {
        case day, week, month
        var breakdown: FunnelBreakdown {
            switch self {
            case .day: return .day
            case .week: return .week
            case .month: return .month
            }
        }
    }

    @Option(help: "Smallest group (users at the previous stage) tested for pain points.")
    var minGroup: Int = 30

    @Flag(help: ArgumentHelp("Show per stage the distribution of the time to convert: mean, quantiles and a histogram."))
    var timeToConvert = false

    @Option(help: "With --time-to-convert: the histogram's bins (log-spaced), 1 to 100.")
    var bins = 10

    @Option(help: ArgumentHelp("Write the report to this file.", valueName: "file"))
    var out: String?

    @Option(help: "Report format: markdown, html or json (default: from --out's extension, else markdown).")
    var format: ReportFormat?

    enum ReportFormat: String, CaseIterable, ExpressibleByArgument { case markdown, html, json }

    /// The format a file name asks for, by its extension (any case).
    static func format(of path: String) throws -> ReportFormat {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "html", "htm": return .html
        case "json": return .json
        case "md", "markdown", "txt", "": return .markdown
        case let other:
            throw ValidationError("--out \(path): no report format for '.\(other)' files; use .html, .json or .md, "
                + "or say --format markdown|html|json.")
        }
    }

    func validate() throws {
        if format == nil, let out { _ = try Self.format(of: out) }
        if vs != nil && segment?.contains("=") != true {
            throw ValidationError("--vs needs --segment DIMENSION=VALUE, e.g. --segment campaign=spring_a --vs campaign=spring_b.")
        }
        if vs != nil && compareTo != nil { throw ValidationError("use either --compare-to or --segment/--vs, not both.") }
        if breakdown != nil && segment != nil && vs == nil {
            throw ValidationError("--breakdown and --segment both set the matrix; use one.")
        }
        _ = try options()
    }

    func options() throws -> ConversionReport.Options {
        var options = ConversionReport.Options()
        options.range = try period.range()
        options.interval = interval.breakdown
        options.minimumGroupSize = minGroup
        options.filters = conditions.filters
        guard (1...100).contains(bins) else { throw ValidationError("--bins must be between 1 and 100.") }
        if timeToConvert { options.timeToConvertBins = bins }
        if let breakdown { options.matrixDimension = breakdown }
        if let segment {
            let (dimension, value) = try Self.segment(segment)
            if let vs {
                let (other, otherValue) = try Self.segment(vs)
                guard other == dimension, let value, let otherValue else {
                    throw ValidationError("--segment and --vs must name the same dimension with values.")
                }
                options.comparison = .segments(dimension: dimension, a: value, b: otherValue)
            } else if value == nil {
                options.matrixDimension = dimension
            } else {
                throw ValidationError("--segment \(segment) needs --vs for an A/B comparison.")
            }
        }
        if let compareTo {
            if compareTo == "previous" {
                options.comparison = .previousPeriod
            } else {
                let parts = compareTo.components(separatedBy: "..")
                guard parts.count == 2, let range = try? TimeRange(from: parts[0], to: parts[1]),
                      let end = range.to else {
                    throw ValidationError("--compare-to takes 'previous' or YYYY-MM-DD..YYYY-MM-DD.")
                }
                options.comparison = .period(TimeRange(from: range.from, to: end + 86_400_000))
            }
        }
        return options
    }

    private static func segment(_ text: String) throws -> (TouchpointDimension, String?) {
        let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
        guard let dimension = TouchpointDimension(rawValue: parts[0]) else {
            throw ValidationError("unknown segment dimension '\(parts[0])'; use channel, device, campaign or landing-page.")
        }
        return (dimension, parts.count > 1 ? parts[1] : nil)
    }

    func run() throws {
        var options = try options()
        if let journey { options.journey = try JourneyDefinition.load(path: journey) }
        let (report, importStatus) = try global.withWorkspace(create: !paths.isEmpty) { workspace -> (ConversionReport, Int32) in
            var status: Int32 = 0
            if !paths.isEmpty {
                let summary = try workspace.importFiles(paths)
                for line in summary.briefLines { FileHandle.standardError.write(Data((line + "\n").utf8)) }
                status = summary.exitCode
            }
            try names.report(try workspace.unknownNames(journey: options.journey, filters: options.filters))
            return (try workspace.report(options), status)
        }
        let chosen = try format ?? out.map(Self.format(of:)) ?? .markdown
        let text: String
        switch chosen {
        case .markdown: text = report.markdown
        case .html: text = report.html
        case .json: text = report.json.rendered()
        }
        if let out {
            do { try text.write(toFile: out, atomically: true, encoding: .utf8) } catch {
                throw CommandFailure(message: "cannot write \(out): \(error.localizedDescription)", code: 73)
            }
            emit(report.summary + "\nReport written to \(out)\n")
        } else {
            emit(text)
        }
        if importStatus != 0 { throw ExitCode(importStatus) }
    }
}
