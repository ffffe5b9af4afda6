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
        let report = try ConversionReport.build(fixture.database, options: options)
        let html = report.html
        let (ok, check, error) = XMLCheck.parse(html)
        #expect(ok, "\(error)")
        #expect(report.pathSections.count == 2)
        #expect(check.elements["svg"] == 2 + report.pathSections.count, "the funnel and trend charts, and a Sankey per path report")
        #expect(check.elements["title"] ?? 0 >= 3, "the page and each chart have titles")
        #expect(check.elements["table"] ?? 0 >= 7)
        #expect(check.elements["caption"] == check.elements["table"])
        #expect(check.elements["script"] == 1, "one inline script (sortable tables, the matrix filter)")
        #expect(!html.contains("<script src"))
        #expect(check.attributes.contains { $0["scope"] == "col" })
        #expect(!html.contains("http://") || html.components(separatedBy: "http://").count - 1 == check.elements["svg"])
        #expect(!html.contains("https://"))
        for section in ["Headline", "Stage conversion", "Where it leaks", "Paths", "Touchpoint KPIs", "Attribution",
                        "Stage x channel", "Trend by week", "Retention cohorts", "Comparison", "Definitions and provenance",
                        "events.csv"] {
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

    @Test("paths, retention and attribution are the engines' numbers, with the report's period and conditions")
    func journeyAnalysesMatchEngines() throws {
        let fixture = try fixture()
        var options = ConversionReport.Options()
        options.range = TimeRange(from: ms(0, day: 1, hour: 0), to: Timestamp.milliseconds(year: 2024, month: 4, day: 12))
        options.filters = [try FieldFilter(parsing: "device!=tablet")]
        let report = try ConversionReport.build(fixture.database, options: options)
        let stages = options.journey.stages

        var paths = PathQuery(anchor: .startStage(stages[0]))
        paths.steps = ConversionReport.pathSteps
        paths.collapse = true
        paths.range = options.range
        paths.filters = options.filters
        let entry = try #require(report.entryPaths)
        #expect(entry == (try PathEngine.run(fixture.database, paths)))
        #expect(entry.actorsWithAnchor == report.funnel.stages[0].reached, "everyone entering the funnel has a path")
        #expect(!entry.edges.isEmpty && !entry.paths.isEmpty)
        let worst = try #require(report.worstStageIndex)
        #expect(worst >= 2, "the fixture's worst stage is after consideration")
        paths.anchor = .startStage(stages[worst - 1])
        let dropOff = try #require(report.dropOffPaths)
        #expect(dropOff == (try PathEngine.run(fixture.database, paths)))
        #expect(dropOff.anchor == "stage=\(stages[worst - 1].name)")

        var retention = RetentionQuery()
        retention.period = .week
        retention.periods = 8
        retention.range = options.range
        retention.filters = options.filters
        let cohorts = try #require(report.retention)
        #expect(cohorts == (try RetentionEngine.run(fixture.database, retention)))
        #expect(!cohorts.total.cohorts.isEmpty && cohorts.periods == 8)

        var attribution = AttributionQuery()
        attribution.lookbackMilliseconds = 30 * 86_400_000
        attribution.range = options.range
        let credits = try #require(report.attribution)
        #expect(credits == (try AttributionEngine.run(fixture.database, attribution, models: AttributionModel.allCases)))
        #expect(credits.models == AttributionModel.allCases && !credits.rows.isEmpty && credits.orders > 0)

        // The trend's interval sets the cohorts' period.
        options.interval = .month
        #expect(try ConversionReport.build(fixture.database, options: options).retention?.period == .month)
    }

    @Test("each analysis with data is a section in HTML, Markdown and JSON; existing JSON keys are kept")
    func journeyAnalysesInEveryFormat() throws {
        let fixture = try fixture()
        let report = try ConversionReport.build(fixture.database, options: ConversionReport.Options())
        let html = report.html
        let (ok, _, error) = XMLCheck.parse(html)
        #expect(ok, "\(error)")
        for id in ["paths", "attribution", "retention"] {
            #expect(html.contains("<h2 id=\"\(id)\">"), "\(id)")
        }
        // One Sankey per path report, its nodes and bands with exact counts in tooltips.
        #expect(html.components(separatedBy: "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"sankey\"").count - 1 == 2)
        let diagrams = report.pathSections.map { Sankey($0.report) }
        #expect(diagrams.allSatisfy { !$0.links.isEmpty && $0.nodes.count > 2 })
        #expect(html.components(separatedBy: "<path class=\"band\"").count - 1 == diagrams.reduce(0) { $0 + $1.links.count })
        #expect(html.contains("<h3>After awareness, the entry stage</h3>"))
        let worstStage = try #require(report.worstStageIndex)
        #expect(html.contains("before the worst stage (\(report.funnel.stages[worstStage].stage))</h3>"))
        let entry = try #require(report.entryPaths)
        #expect(html.contains("\(Format.grouped(Int64(entry.actorsWithAnchor))) users (100.0%)</title>"),
                "the entry node's tooltip")
        // The heat map: a shaded cell per cohort period with a value, the open ones hatched and starred, a legend.
        let retention = try #require(report.retention)
        let cells = retention.total.cohorts.flatMap(\.cells)
        let open = cells.filter { $0.open && $0.rate != nil }.count
        #expect(open > 0)
        #expect(html.components(separatedBy: " open\" title=").count - 1 == open)
        #expect(html.components(separatedBy: "*</td>").count - 1 == open)
        #expect(html.components(separatedBy: "<td class=\"num shade").count - 1
                == cells.filter { $0.rate != nil }.count + retention.total.meanRates.compactMap { $0 }.count)
        #expect(html.contains("<div class=\"legend\">") && html.contains("60% or more") && html.contains("* open week"))
        #expect(html.contains("<tr class=\"mean\">"))
        // Attribution: one column per model, a sentence on touchpoints.
        #expect(html.contains("The touchpoints of an order are"))
        #expect(html.contains(AttributionModel.allCases.map { "<th scope=\"col\">\($0.rawValue)</th>" }.joined()))
        let credits = try #require(report.attribution)
        for row in credits.rows { #expect(html.contains("<th scope=\"row\">\(row.value)</th>"), "\(row.value)") }

        let markdown = report.markdown
        for heading in ["## Paths", "### After awareness, the entry stage", "## Attribution", "### Revenue credited",
                        "## Retention cohorts", "| mean | "] {
            #expect(markdown.contains(heading), "\(heading)")
        }
        #expect(markdown.contains("| channel | first | last | last-non-direct | linear | position | time-decay |"))

        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.json.rendered().utf8)) as? [String: Any])
        #expect(Set(json.keys) == ["title", "period", "comparison_period", "filters", "headline", "funnel", "pain_points",
                                   "touchpoints_by_channel", "touchpoints_by_device", "stage_by_touchpoint", "trend",
                                   "comparison", "provenance", "paths", "retention", "attribution",
                                   // Added with issue 18.
                                   "worst_stage", "currency", "trend_periods", "trend_minimum_users", "incomplete_periods"])
        let paths = try #require(json["paths"] as? [String: Any])
        #expect((paths["entry"] as? [String: Any])?["anchor"] as? String == "stage=awareness")
        #expect((paths["before_worst_drop_off"] as? [String: Any])?["edges"] is [Any])
        #expect((json["retention"] as? [String: Any])?["total"] is [String: Any])
        #expect(((json["attribution"] as? [String: Any])?["models"] as? [String])?.count == AttributionModel.allCases.count)
    }

    @Test("without orders there is no attribution section; the rest is computed by hand")
    func noOrders() throws {
        let fixture = try Fixture()
        // 2024-03-01 is a Friday: all three users enter in the ISO week of Monday 2024-02-26.
        try fixture.events([
            "\(t(0)),u1,page_view", "\(t(1)),u1,product_view", "\(t(0, day: 9)),u1,page_view",
            "\(t(0)),u2,page_view",
            "\(t(0, day: 2)),u3,page_view", "\(t(5, day: 2)),u3,search",
        ])
        let report = try ConversionReport.build(fixture.database, options: ConversionReport.Options())
        #expect(report.attribution == nil)

        // Paths after awareness: u1 page_view > product_view > page_view, u2 stops, u3 searches.
        let entry = try #require(report.entryPaths)
        #expect(entry.actorsWithAnchor == 3)
        #expect(entry.paths.map(\.nodes) == [["page_view", "(end)"], ["page_view", "product_view", "page_view", "(end)"],
                                             ["page_view", "search", "(end)"]])
        // Consideration keeps 1 of 3 (2 lost), purchase 0 of 1 (1 lost): the worst stage (most users lost) is
        // consideration, whose previous stage is the entry: no second diagram.
        #expect(report.worstStageIndex == 1)
        #expect(report.dropOffPaths == nil)

        // One cohort of 3: u1 and u3 come back in week 0, u1 in week 1 (2024-03-09), which is still open (the
        // last event); weeks 2 to 7 have not started.
        let retention = try #require(report.retention)
        let cohort = try #require(retention.total.cohorts.first)
        #expect(retention.total.cohorts.count == 1 && cohort.label == "2024-02-26" && cohort.size == 3)
        #expect(cohort.cells.map(\.returned) == [2, 1, nil, nil, nil, nil, nil, nil])
        #expect(cohort.cells.prefix(2).map(\.open) == [false, true])

        let html = report.html
        let (ok, _, error) = XMLCheck.parse(html)
        #expect(ok, "\(error)")
        #expect(!html.contains("id=\"attribution\"") && !html.contains("touchpoints of an order"))
        #expect(html.contains("id=\"paths\"") && html.contains("id=\"retention\""))
        #expect(!html.contains("before the worst stage ("))
        #expect(html.contains(">33.3%*</td>"), "week 1 is open")
        #expect(!report.markdown.contains("## Attribution"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.json.rendered().utf8)) as? [String: Any])
        #expect(json["attribution"] is NSNull)
        #expect(json["retention"] is [String: Any] && json["paths"] is [String: Any])
    }

    @Test("an empty database has no paths, retention or attribution section; a worst drop-off at the second stage has one diagram")
    func noData() throws {
        let fixture = try Fixture()
        let empty = try ConversionReport.build(fixture.database, options: ConversionReport.Options())
        #expect(empty.entryPaths == nil && empty.dropOffPaths == nil && empty.retention == nil && empty.attribution == nil)
        let html = empty.html
        #expect(XMLCheck.parse(html).ok)
        for absent in ["id=\"paths\"", "id=\"retention\"", "id=\"attribution\"", "class=\"sankey\"", "class=\"heat\"",
                       "Share returning:", "<dt>Paths</dt>", "<dt>Attribution</dt>"] {
            #expect(!html.contains(absent), "\(absent)")
        }
        let markdown = empty.markdown
        #expect(!markdown.contains("## Paths") && !markdown.contains("## Retention") && !markdown.contains("## Attribution"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(empty.json.rendered().utf8)) as? [String: Any])
        #expect(json["paths"] is NSNull && json["retention"] is NSNull && json["attribution"] is NSNull)

        // Two stages: the worst drop-off is the second, whose previous stage is the entry: one diagram.
        try fixture.events(["\(t(0)),u1,page_view", "\(t(1)),u1,product_view", "\(t(0)),u2,page_view"])
        var options = ConversionReport.Options()
        options.journey = JourneyDefinition(name: "two", windowMilliseconds: 86_400_000, stages: [
            StageDefinition(name: "visit", events: ["page_view"]), StageDefinition(name: "view", events: ["product_view"]),
        ])
        let two = try ConversionReport.build(fixture.database, options: options)
        #expect(two.worstStageIndex == 1)
        #expect(two.entryPaths?.actorsWithAnchor == 2 && two.dropOffPaths == nil)
        #expect(two.html.components(separatedBy: "class=\"sankey\"").count - 1 == 1)
    }

    @Test("Sankey: heights proportional to users, small nodes folded into (other), flows kept, labels apart")
    func sankeyLayout() throws {
        // Step 1: a -> x1..x9 (9, 8, ..., 1 users) and a -> (end) (5); step 2: x1 -> (end) (9), x2 -> y (8).
        var edges = (1...9).map { PathReport.Edge(step: 1, from: "a", to: "x\($0)", actors: 10 - $0) }
        edges += [PathReport.Edge(step: 1, from: "a", to: "(end)", actors: 5),
                  PathReport.Edge(step: 2, from: "x1", to: "(end)", actors: 9), PathReport.Edge(step: 2, from: "x2", to: "y", actors: 8)]
        let report = PathReport(anchor: "start=a", steps: 3, actor: .user, collapse: true, range: .all, filters: [],
                                actorsWithAnchor: 50, distinctPaths: 10, paths: [], edges: edges)
        let sankey = Sankey(report)
        #expect(sankey.columns == 3)
        #expect(sankey.nodes.filter { $0.step == 2 }.map(\.name) == ["x1", "x2", "x3", "x4", "x5", "x6", "(other)", "(end)"])
        let other = try #require(sankey.nodes.first { $0.name == "(other)" })
        #expect(other.actors == 3 + 2 + 1 && other.folded.map(\.name) == ["x7", "x8", "x9"])
        #expect(sankey.nodes.filter { $0.step == 3 }.map(\.name) == ["y", "(end)"])
        // One scale for every node (above the 1.5-unit minimum).
        let scales = sankey.nodes.filter { $0.height > 1.5 }.map { $0.height / Double($0.actors) }
        #expect(scales.allSatisfy { abs($0 - scales[0]) < 1e-9 })
        // Every user arriving at a node is drawn; none leaves a node it did not reach.
        for (index, node) in sankey.nodes.enumerated() {
            let arriving = sankey.links.filter { $0.to == index }.reduce(0) { $0 + $1.actors }
            let leaving = sankey.links.filter { $0.from == index }.reduce(0) { $0 + $1.actors }
            if node.step > 1 { #expect(arriving == node.actors, "\(node.name)") }
            #expect(leaving <= node.actors)
        }
        #expect(sankey.links.contains { sankey.nodes[$0.to].name == "(other)" && $0.actors == 6 })
        // Labels: two lines per node, at least a slot apart in a column, and inside their lane.
        for step in 1...sankey.columns {
            let centers = sankey.nodes.filter { $0.step == step }.map { $0.y + $0.height / 2 }
            #expect(zip(centers, centers.dropFirst()).allSatisfy { $1 - $0 >= Sankey.minimumSlot })
        }
        #expect(Sankey.columnSpacing >= Sankey.nodeWidth + Sankey.labelGap + Sankey.labelWidth)
        #expect(Sankey.x(step: sankey.columns) + Sankey.nodeWidth + Sankey.labelGap + Sankey.labelWidth <= sankey.width)
        let long = Sankey.fitted("a_very_long_event_name_indeed")
        #expect(long.hasSuffix("…") && Sankey.estimatedWidth(long, size: Sankey.nameSize) <= Sankey.labelWidth)
        #expect(Sankey.fitted("product_view") == "product_view")
        // Well-formed SVG: a tooltip per node and band.
        let svg = sankey.svg(id: "s", title: "t", description: "d")
        let (ok, check, error) = XMLCheck.parse(svg)
        #expect(ok, "\(error)")
        #expect(check.elements["title"] == 1 + sankey.nodes.count + sankey.links.count)
        #expect(svg.contains("step 2: (other), 6 users (12.0%): x7 3, x8 2, x9 1"))
        // Seven names fit: folding only one into (other) would hide it for nothing.
        let seven = PathReport(anchor: "start=a", steps: 2, actor: .user, collapse: true, range: .all, filters: [],
                               actorsWithAnchor: 28, distinctPaths: 7,
                               paths: [], edges: (1...7).map { PathReport.Edge(step: 1, from: "a", to: "x\($0)", actors: $0) })
        #expect(!Sankey(seven).nodes.contains { $0.name == "(other)" })
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

    // MARK: Issue 18: a report people read on any screen

    @Test("one worst stage: the stage losing the most users, named the same in every place and format")
    func worstStageConsistent() throws {
        // Hand-made: 10 users enter; consideration keeps 4 (6 lost, 60%); purchase keeps 1 of 4 (3 lost, 75%).
        // By rate the worst would be purchase; by users lost (the rule) it is consideration, first under
        // "Where it leaks" too.
        let fixture = try Fixture()
        var events: [String] = [], orders: [String] = []
        for user in 1...10 { events.append("\(t(0)),u\(user),page_view") }
        for user in 1...4 { events.append("\(t(1)),u\(user),product_view") }
        orders.append("o1,\(t(2)),u1,10.00")
        try fixture.events(events)
        try fixture.orders(orders)
        let report = try ConversionReport.build(fixture.database, options: ConversionReport.Options())
        let worst = try #require(report.worstStageIndex)
        #expect(worst == 1)
        #expect(report.funnel.worstStageIndex == worst, "the funnel command names the same stage")
        #expect(report.leaks.first?.stageIndex == worst, "Where it leaks ranks the worst stage first")
        #expect(report.html.contains("Worst stage: <strong>consideration</strong>"))
        #expect(report.markdown.contains("Worst stage: **consideration**"))
        #expect(!report.html.contains("Worst drop-off") && !report.markdown.contains("Worst drop-off"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.json.rendered().utf8)) as? [String: Any])
        #expect((json["worst_stage"] as? [String: Any])?["stage"] as? String == "consideration")
        #expect((json["paths"] as? [String: Any])?["worst_drop_off_stage"] as? String == "consideration")
    }

    @Test("no confidence interval on the first stage; the later stages keep theirs")
    func noIntervalOnFirstStage() throws {
        let fixture = try fixture()
        let report = try ConversionReport.build(fixture.database, options: ConversionReport.Options())
        let table = report.stagesTable(report.funnel.stages)
        let column = try #require(table.columns.firstIndex(of: "95% CI"))
        #expect(table.rows[0][column].human == "-")
        #expect(table.rows.dropFirst().allSatisfy { $0[column].human.contains("%") })
        #expect(!report.html.contains("100.0% - 100.0%") && !report.markdown.contains("100.0% - 100.0%"))
    }

    @Test("currency: from the orders, on every amount; mixed currencies listed, not summed; none: the shop's currency")
    func currencyShown() throws {
        // One currency: every amount names it.
        let fixture = try fixture()
        let report = try ConversionReport.build(fixture.database, options: ConversionReport.Options())
        let code = try #require(ReportText.currency(report))
        #expect(report.html.contains(">\(code) ") && report.html.contains("revenue (\(code))"))
        #expect(report.markdown.contains("| Revenue | \(code) ") && report.markdown.contains("Amounts are in \(code)"))
        #expect(report.markdown.contains("### Revenue credited (\(code))"))
        #expect(report.summary.contains("Revenue: \(code) "))

        // Two currencies: each listed with its own total, never added up.
        let mixed = try Fixture()
        try mixed.events(["\(t(0)),u1,page_view", "\(t(0)),u2,page_view", "\(t(0)),u3,page_view"])
        try mixed.load("order_id,timestamp,user_id,revenue,currency\n"
            + "o1,\(t(1)),u1,100.00,EUR\no2,\(t(2)),u2,30.00,USD\no3,\(t(3)),u3,20.00,EUR\n", name: "orders.csv")
        let two = try ConversionReport.build(mixed.database, options: ConversionReport.Options())
        #expect(two.currencies == [CurrencyTotal(code: "EUR", orders: 2, revenue: 120),
                                   CurrencyTotal(code: "USD", orders: 1, revenue: 30)])
        #expect(ReportText.mixedCurrencies(two) && ReportText.currency(two) == nil)
        #expect(two.html.contains("<div class=\"value\">EUR 120.00</div><div class=\"value\">USD 30.00</div>"),
                "the headline lists each currency")
        #expect(two.markdown.contains("| Revenue | EUR 120.00 (2 orders); USD 30.00 (1 order) |"))
        #expect(!two.html.contains(">EUR 150.00") && !two.html.contains(">150.00</div>"), "never summed in the headline")
        #expect(two.html.contains("listed here and not summed") && two.markdown.contains("listed here and not summed"))
        #expect(two.html.contains("revenue (mixed currencies)"))

        // No currency column: the shop's currency.
        let none = try Fixture()
        try none.events(["\(t(0)),u1,page_view"])
        try none.orders(["o1,\(t(1)),u1,10.00"])
        let plain = try ConversionReport.build(none.database, options: ConversionReport.Options())
        #expect(plain.currencies.count == 1 && plain.currencies[0].code == nil)
        #expect(plain.html.contains("Amounts are in the shop&#39;s currency"))
        #expect(plain.markdown.contains("Amounts are in the shop's currency"))
    }

    @Test("trend: empty periods are gaps, never bridged; open periods dashed and marked; small points hollow with interval")
    func trendMarks() throws {
        // Week of 2024-02-26 (clipped to 2024-03-01): 25 users, 20 view a product. Week of 03-04: nobody new.
        // Week of 03-11: 3 users, 1 views. Data ends 03-12, so 03-11 (+30d window) is open, and so is 02-26.
        let fixture = try Fixture()
        var events: [String] = []
        for user in 1...25 { events.append("\(t(0)),a\(user),page_view") }
        for user in 1...20 { events.append("\(t(1)),a\(user),product_view") }
        for user in 1...3 { events.append("\(t(0, day: 11)),b\(user),page_view") }
        events.append("\(t(1, day: 11)),b1,product_view")
        try fixture.events(events)
        let report = try ConversionReport.build(fixture.database, options: ConversionReport.Options())
        let periods = ReportText.trendPeriods(report)
        #expect(periods.map(\.label) == ["2024-03-01", "2024-03-04", "2024-03-11"])
        #expect(periods.map { $0.group?.value } == ["2024-02-26", nil, "2024-03-11"])
        #expect(periods[0].clipped && !periods[1].clipped)
        #expect(periods.allSatisfy { $0.open }, "every cohort's window ends after the data")
        let html = report.html
        #expect(XMLCheck.parse(html).ok)
        let start = try #require(html.range(of: "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"100%\" viewBox"))
        let end = try #require(html.range(of: "</svg>", range: start.upperBound..<html.endIndex))
        let chart = String(html[start.lowerBound..<end.upperBound])
        #expect(chart.contains("id=\"trend-chart-title\""))
        // Points in weeks 1 and 3 only: no segment joins them across the empty week.
        #expect(chart.components(separatedBy: "stroke-width=\"2.5\"").count - 1 == 0, "no line bridges the empty week")
        #expect(!chart.contains("polyline"))
        // Consideration: week 1 on 25 users (solid), week 3 on 3 (hollow, with its interval); purchase: week 1 on
        // the 20 who viewed (solid, the minimum), week 3 on 1 (hollow).
        #expect(chart.components(separatedBy: "class=\"solid\"").count - 1 == 2)
        #expect(chart.components(separatedBy: "class=\"hollow\"").count - 1 == 2)
        #expect(chart.contains("1 of 3 users at awareness (33.3%); 95% CI"))
        #expect(chart.contains("fewer than \(ConversionReport.trendMinimumActors) users"))
        #expect(chart.contains("open: may still grow"))
        #expect(html.contains(">2024-03-01*</th>") && html.contains(">2024-03-04*</th>"), "open rows starred, first clipped")
        #expect(!html.contains(">2024-02-26"), "no cohort starts before the period")
        #expect(html.contains("<span class=\"mark hollow\"></span>") && html.contains("<span class=\"mark gap\"></span>")
                && html.contains("<span class=\"mark dashed\"></span>"), "the trend's legend")

        // Two neighbouring cohorts with points: joined by one dashed segment when either is open.
        var more = events
        for user in 1...22 { more.append("\(t(0, day: 5)),c\(user),page_view") }
        let second = try Fixture()
        try second.events(more)
        let joined = try ConversionReport.build(second.database, options: ConversionReport.Options()).html
        #expect(joined.contains("stroke-dasharray=\"6 4\""))
    }

    @Test("retention cohorts are clipped to the period; legends on every chart")
    func cohortsClippedAndLegends() throws {
        let fixture = try fixture()
        var options = ConversionReport.Options()
        options.range = TimeRange(from: Timestamp.milliseconds(year: 2024, month: 3, day: 6),
                                  to: Timestamp.milliseconds(year: 2024, month: 4, day: 1))
        let report = try ConversionReport.build(fixture.database, options: options)
        let html = report.html, markdown = report.markdown
        // The week of Monday 2024-03-04 starts before the period: labelled 2024-03-06.
        #expect(!html.contains(">2024-03-04") && html.contains("<th scope=\"row\">2024-03-06</th>"))
        #expect(!markdown.contains("| 2024-03-04"))
        // A legend after each chart: funnel, paths, matrix, trend (2), retention.
        #expect(html.components(separatedBy: "<div class=\"legend\">").count - 1 >= 6)
        #expect(html.contains("bar: users reaching the stage") && html.contains("<span class=\"key\">Events:</span>"))
    }

    @Test("a compared period that is not over, or has less data, is flagged as incomplete")
    func incompletePeriodWarning() throws {
        let fixture = try fixture()
        var options = ConversionReport.Options()
        options.comparison = .previousPeriod
        let report = try ConversionReport.build(fixture.database, options: options)
        let warnings = ReportText.incompletePeriods(report)
        #expect(warnings.contains { $0.hasPrefix("Incomplete period: A") }, "the previous period is before the data")
        #expect(report.html.contains("<p class=\"warning\">Incomplete period"))
        #expect(report.markdown.contains("> **Incomplete period"))
        // A period fully inside the data has no warning.
        options.range = TimeRange(from: Timestamp.milliseconds(year: 2024, month: 3, day: 15),
                                  to: Timestamp.milliseconds(year: 2024, month: 3, day: 22))
        let inside = try ConversionReport.build(fixture.database, options: options)
        #expect(ReportText.incompletePeriods(inside).isEmpty, "\(ReportText.incompletePeriods(inside))")
        // Without a comparison there is nothing to warn about.
        #expect(ReportText.incompletePeriods(try ConversionReport.build(fixture.database, options: ConversionReport.Options())).isEmpty)
    }

    @Test("interactive offline: one inline script, sortable tables, a filterable matrix, tooltips; print and narrow styles")
    func interactivityAndStyles() throws {
        let fixture = try fixture()
        let report = try ConversionReport.build(fixture.database, options: ConversionReport.Options())
        let html = report.html
        #expect(XMLCheck.parse(html).ok, "the script is CDATA-wrapped, so the page still parses as XML")
        #expect(html.components(separatedBy: "<script").count - 1 == 1 && !html.contains("<script src"))
        #expect(!html.contains("fetch(") && !html.contains("XMLHttpRequest") && !html.contains("https://"))
        #expect(html.contains("<table id=\"matrix-table\" class=\"filterable\">"))
        #expect(html.contains("aria-sort") && html.contains("table.filterable"))
        #expect(html.contains("users entering ("), "matrix cells have exact counts in tooltips")
        #expect(html.contains("<g class=\"bar\"><title>"), "funnel bars have exact counts in tooltips")
        #expect(html.contains("@media print") && html.contains("@media (max-width: 560px)"))
        #expect(html.contains(".scroll { overflow-x: auto; }"))
        // Charts resize: a viewBox and 100% width, never a fixed pixel width.
        for chart in html.components(separatedBy: "<svg ").dropFirst() {
            let tag = chart.prefix { $0 != ">" }
            #expect(tag.contains("viewBox=") && tag.contains("width=\"100%\""), "\(tag)")
        }
    }
}
