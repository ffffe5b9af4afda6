import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import Analytics
@testable import AnalyticsCore
@testable import AnalyticsIngest
@testable import AnalyticsQueries
@testable import AnalyticsReports
@testable import AnalyticsSessions
@testable import AnalyticsStorage
@testable import CSVScanner

/// Collects element names while checking that a document parses as XML.
final class XMLCheck: NSObject, XMLParserDelegate {
    var elements: [String: Int] = [:]
    var attributes: [[String: String]] = []

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String]) {
        elements[name, default: 0] += 1
        self.attributes.append(attributes)
    }

    static func parse(_ html: String) -> (ok: Bool, check: XMLCheck, error: String) {
        // XML has no doctype for HTML5; drop it before parsing.
        let body = html.replacingOccurrences(of: "<!DOCTYPE html>", with: "")
        let parser = XMLParser(data: Data(body.utf8))
        let check = XMLCheck()
        parser.delegate = check
        let ok = parser.parse()
        return (ok, check, parser.parserError.map { "\($0)" } ?? "")
    }
}

@Suite("Conversion report")
struct ReportTests {
    /// Generated data with campaigns, channels and devices, through the real importer.
    func fixture(events: Int = 6000, seed: UInt64 = 9) throws -> Fixture {
        let fixture = try Fixture()
        var generator = DataGenerator(events: events, seed: seed)
        generator.days = 42
        let output = try generator.write(to: fixture.directory.path("gen"))
        try fixture.load(try String(contentsOfFile: output.eventsPath, encoding: .utf8), name: "events.csv")
        try fixture.load(try String(contentsOfFile: output.ordersPath, encoding: .utf8), name: "orders.csv")
        return fixture
    }

    @Test("the report's numbers are the funnel and KPI engines' numbers")
    func numbersMatchEngines() throws {
        let fixture = try fixture()
        var options = ConversionReport.Options()
        options.range = TimeRange(from: ms(0, day: 1, hour: 0), to: Timestamp.milliseconds(year: 2024, month: 4, day: 12))
        let report = try ConversionReport.build(fixture.database, options: options)

        var query = FunnelQuery(journey: .customerJourney)
        query.range = options.range
        #expect(report.funnel == (try FunnelEngine.run(fixture.database, query)))
        query.breakdown = .channel
        #expect(report.matrix == (try FunnelEngine.run(fixture.database, query)))
        let kpis = try TouchpointReport.compute(fixture.database, by: .channel, range: options.range)
        #expect(report.kpisByChannel == kpis)
        #expect(report.kpisByDevice == (try TouchpointReport.compute(fixture.database, by: .device, range: options.range)))
        #expect(report.headline.map(\.value) == [Double(kpis.total.users), Double(kpis.total.sessions),
                                                 Double(kpis.total.orders), kpis.total.revenue,
                                                 kpis.total.conversionRate, report.funnel.stages.last?.conversionFromFirst])
        // The trend's cohorts partition the users entering.
        #expect(report.trend.groups.reduce(0) { $0 + ($1.stages.first?.reached ?? 0) } == report.funnel.stages[0].reached)
        // Leaks are ranked by users lost.
        #expect(report.leaks.map(\.lost) == report.leaks.map(\.lost).sorted(by: >))
        #expect(report.leaks.count == report.funnel.stages.count - 1)
    }

    @Test("pain points: each test is recomputed by hand from the breakdown funnels, with Holm's correction")
    func painPoints() throws {
        let fixture = try fixture(events: 20000, seed: 4)
        let report = try ConversionReport.build(fixture.database, options: ConversionReport.Options())
        let tested = report.leaks.flatMap(\.tested)
        #expect(!tested.isEmpty)
        #expect(report.testsRun == tested.count)
        var query = FunnelQuery(journey: .customerJourney)
        query.range = report.period
        for leak in report.leaks where !leak.tested.isEmpty {
            let stage = leak.stageIndex
            for point in leak.tested {
                query.breakdown = FunnelBreakdown(point.dimension)
                let split = try FunnelEngine.run(fixture.database, query)
                let group = try #require(split.groups.first { $0.value == point.value })
                let trials = group.stages[stage - 1].reached, successes = group.stages[stage].reached
                let allTrials = report.funnel.stages[stage - 1].reached, allSuccesses = report.funnel.stages[stage].reached
                #expect(point.trials == trials && point.successes == successes)
                let test = try #require(Statistics.twoProportionZTest(successes1: successes, trials1: trials,
                                                                      successes2: allSuccesses - successes,
                                                                      trials2: allTrials - trials))
                #expect(point.p == test.p)
                #expect(point.adjustedP >= point.p)
                #expect(point.significant == (point.adjustedP < 0.05 && point.rate < point.restRate))
                #expect(trials >= 30 && allTrials - trials >= 30)
                let overall = Double(allSuccesses) / Double(allTrials)
                #expect(abs(point.usersLost - max(0, (overall - point.rate) * Double(trials))) < 1e-9)
            }
        }
        let adjusted = Statistics.holm(tested.map(\.p)).sorted()
        #expect(tested.map(\.adjustedP).sorted() == adjusted)
    }

    @Test("HTML is one well-formed, self-contained file with its charts and tables")
    func html() throws {
        let fixture = try fixture()
        var options = ConversionReport.Options()
        options.comparison = .segments(dimension: .campaign, a: "spring_a", b: "spring_b")
        let html = try ConversionReport.build(fixture.database, options: options).html
        let (ok, check, error) = XMLCheck.parse(html)
        #expect(ok, "\(error)")
        #expect(check.elements["svg"] == 2, "the funnel and trend charts")
        #expect(check.elements["title"] ?? 0 >= 3, "the page and each chart have titles")
        #expect(check.elements["table"] ?? 0 >= 7)
        #expect(check.elements["caption"] == check.elements["table"])
        #expect(check.elements["script"] == nil)
        #expect(check.attributes.contains { $0["scope"] == "col" })
        #expect(!html.contains("http://") || html.components(separatedBy: "http://").count - 1 == check.elements["svg"])
        #expect(!html.contains("https://"))
        for section in ["Headline", "Stage conversion", "Where it leaks", "Touchpoint KPIs", "Stage x channel",
                        "Trend by week", "Comparison", "Definitions and provenance", "events.csv"] {
            #expect(html.contains(section), "\(section)")
        }
    }

    @Test("the same database and options give byte-identical reports (in one process; see mainJob for several)")
    func deterministic() throws {
        let fixture = try fixture()
        var options = ConversionReport.Options()
        options.comparison = .previousPeriod
        options.range = TimeRange(from: Timestamp.milliseconds(year: 2024, month: 3, day: 22),
                                  to: Timestamp.milliseconds(year: 2024, month: 4, day: 12))
        let first = try ConversionReport.build(fixture.database, options: options)
        let second = try ConversionReport.build(fixture.database, options: options)
        #expect(first.html == second.html)
        #expect(first.markdown == second.markdown)
        #expect(first.json.rendered() == second.json.rendered())
        #expect(first.comparisonPeriod == TimeRange(from: Timestamp.milliseconds(year: 2024, month: 3, day: 1),
                                                    to: Timestamp.milliseconds(year: 2024, month: 3, day: 22)))
    }

    @Test("period comparison: both funnels, differences, intervals and verdicts")
    func periodComparison() throws {
        let fixture = try fixture()
        var options = ConversionReport.Options()
        let from = Timestamp.milliseconds(year: 2024, month: 3, day: 22), to = Timestamp.milliseconds(year: 2024, month: 4, day: 12)
        options.range = TimeRange(from: from, to: to)
        options.comparison = .period(TimeRange(from: from - 21 * 86_400_000, to: from))
        let report = try ConversionReport.build(fixture.database, options: options)
        var query = FunnelQuery(journey: .customerJourney)
        query.range = TimeRange(from: from - 21 * 86_400_000, to: from)
        let previous = try FunnelEngine.run(fixture.database, query)
        let comparison = try #require(report.comparison)
        #expect(comparison.stages.count == 4)
        for (index, stage) in comparison.stages.enumerated() {
            #expect(stage.trialsA == previous.stages[index].reached)
            #expect(stage.successesA == previous.stages[index + 1].reached)
            #expect(stage.trialsB == report.funnel.stages[index].reached)
            #expect(stage.successesB == report.funnel.stages[index + 1].reached)
            if let a = stage.rateA, let b = stage.rateB { #expect(stage.difference == b - a) }
            if let p = stage.p, p >= 0.05 { #expect(stage.verdict == .noSignificantDifference) }
        }
        let headline = try #require(report.headline.first)
        #expect(headline.previous != nil)
        let markdown = report.markdown
        #expect(markdown.contains("## Comparison"))
        #expect(markdown.contains("| metric | value | previous | change |"))
    }

    @Test("an A/B comparison of two segments uses their breakdown funnels")
    func segmentComparison() throws {
        let fixture = try fixture()
        var options = ConversionReport.Options()
        options.comparison = .segments(dimension: .campaign, a: "spring_a", b: "spring_b")
        let report = try ConversionReport.build(fixture.database, options: options)
        var query = FunnelQuery(journey: .customerJourney)
        query.range = report.period
        query.breakdown = .campaign
        let split = try FunnelEngine.run(fixture.database, query)
        let a = try #require(split.groups.first { $0.value == "spring_a" })
        let comparison = try #require(report.comparison)
        #expect(comparison.labelA == "campaign=spring_a")
        #expect(comparison.stages[0].trialsA == a.stages[0].reached)
        #expect(comparison.stages[0].successesA == a.stages[1].reached)
        #expect(report.comparisonPeriod == nil)
    }

    @Test("the main job from the CLI: import SampleData, write report.html and a summary; re-runs are idempotent")
    func mainJob() throws {
        let directory = TemporaryDirectory()
        let out = directory.path("report.html")
        let first = try CLI.run(["report", sampleData.path, "--out", out], in: directory.url)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("Stage conversion report"))
        #expect(first.stdout.contains("Where it leaks"))
        #expect(first.stderr.contains("import events.csv: 4,000 rows imported"))
        let html = try String(contentsOfFile: out, encoding: .utf8)
        let second = try CLI.run(["report", sampleData.path, "--out", out], in: directory.url)
        #expect(second.status == 0)
        #expect(second.stderr.contains("already imported"))
        #expect(try String(contentsOfFile: out, encoding: .utf8) == html)
        let json = try CLI.run(["report", "--format", "json"], in: directory.url)
        // Byte-identical across processes too (hash seeds differ per process, so any
        // dependence on dictionary order would show here).
        #expect(try CLI.run(["report", "--format", "json"], in: directory.url).stdout == json.stdout)
        let markdown = try CLI.run(["report", "--format", "markdown", "--compare-to", "previous"], in: directory.url)
        #expect(try CLI.run(["report", "--format", "markdown", "--compare-to", "previous"], in: directory.url).stdout
                == markdown.stdout)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["funnel"] != nil && object?["pain_points"] != nil && object?["provenance"] != nil)
        let bad = try CLI.run(["report", "--segment", "campaign=spring_a"], in: directory.url)
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("--vs"))
    }
}
