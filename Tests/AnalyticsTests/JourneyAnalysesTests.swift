import Foundation
import Testing
@testable import Analytics
@testable import AnalyticsCore
@testable import AnalyticsIngest
@testable import AnalyticsQueries
@testable import AnalyticsReports
@testable import AnalyticsSessions
@testable import AnalyticsStorage

/// The worked examples of docs/metrics.md ("Paths", "Retention", "Attribution"), computed by hand.
@Suite("Paths, retention and attribution: worked examples")
struct JourneyAnalysesTests {
    // MARK: Paths

    /// - u1: page_view 10:00, product_view 10:01, product_view 10:02, add_to_cart 10:03, order 10:05 (orders file)
    /// - u2: page_view 10:00, product_view 10:01, page_view 10:02
    /// - u3: search 10:00 (no product view: no anchor)
    /// - u4: product_view 10:00, add_to_cart 10:01, add_to_cart 10:02
    func pathsFixture() throws -> Fixture {
        let fixture = try Fixture()
        try fixture.events([
            "\(t(0)),u1,page_view", "\(t(1)),u1,product_view", "\(t(2)),u1,product_view", "\(t(3)),u1,add_to_cart",
            "\(t(0)),u2,page_view", "\(t(1)),u2,product_view", "\(t(2)),u2,page_view",
            "\(t(0)),u3,search",
            "\(t(0)),u4,product_view", "\(t(1)),u4,add_to_cart", "\(t(2)),u4,add_to_cart",
        ])
        try fixture.orders(["o1,\(t(5)),u1,80"])
        return fixture
    }

    func paths(_ fixture: Fixture, _ anchor: PathQuery.Anchor, steps: Int, collapse: Bool = false,
               actor: FunnelActor = .user) throws -> PathReport {
        var query = PathQuery(anchor: anchor)
        query.steps = steps
        query.collapse = collapse
        query.actor = actor
        return try PathEngine.run(fixture.database, query)
    }

    @Test("paths after the first product view: short paths end with (end), ties in byte order, every edge")
    func pathsAfterStart() throws {
        let report = try paths(try pathsFixture(), .start("product_view"), steps: 3)
        #expect(report.actorsWithAnchor == 3)
        #expect(report.distinctPaths == 3)
        #expect(report.paths.map(\.nodes) == [
            ["product_view", "add_to_cart", "add_to_cart"],
            ["product_view", "page_view", "(end)"],
            ["product_view", "product_view", "add_to_cart"],
        ])
        #expect(report.paths.map(\.actors) == [1, 1, 1])
        let third: Double? = 1.0 / 3
        #expect(report.paths.map(\.share) == [third, third, third])
        #expect(report.edges.map { "\($0.step):\($0.from)>\($0.to)=\($0.actors)" } == [
            "1:product_view>add_to_cart=1", "1:product_view>page_view=1", "1:product_view>product_view=1",
            "2:add_to_cart>add_to_cart=1", "2:page_view>(end)=1", "2:product_view>add_to_cart=1",
        ])
    }

    @Test("--collapse merges consecutive repeats; orders are `order` nodes; --top keeps the most common")
    func pathsCollapsed() throws {
        let fixture = try pathsFixture()
        let report = try paths(fixture, .start("product_view"), steps: 3, collapse: true)
        #expect(report.paths.map(\.nodes) == [
            ["product_view", "add_to_cart", "(end)"],
            ["product_view", "add_to_cart", "order"],
            ["product_view", "page_view", "(end)"],
        ])
        var top = PathQuery(anchor: .firstEvent)
        top.steps = 2
        top.top = 1
        let first = try PathEngine.run(fixture.database, top)
        // First events: u1 page_view > product_view, u2 page_view > product_view, u3 search > (end), u4 product_view > add_to_cart.
        #expect(first.actorsWithAnchor == 4)
        #expect(first.paths.map(\.nodes) == [["page_view", "product_view"]])
        #expect(first.paths.map(\.actors) == [2])
        #expect(first.paths.first?.share == 0.5)
    }

    @Test("--end: the events leading to the last occurrence; a short path starts with (start)")
    func pathsToEnd() throws {
        let fixture = try pathsFixture()
        let three = try paths(fixture, .end("order"), steps: 3)
        #expect(three.paths.map(\.nodes) == [["product_view", "add_to_cart", "order"]])
        let six = try paths(fixture, .end("order"), steps: 6)
        #expect(six.paths.map(\.nodes) == [["(start)", "page_view", "product_view", "product_view", "add_to_cart", "order"]])
        // The last page view: u1 10:00, u2 10:02 (not 10:00).
        let pages = try paths(fixture, .end("page_view"), steps: 2)
        #expect(pages.paths.map(\.nodes) == [["(start)", "page_view"], ["product_view", "page_view"]])
    }

    @Test("several anchors in one read give exactly the reports of one read each")
    func pathsSeveralAnchors() throws {
        let fixture = try pathsFixture()
        let anchors: [PathQuery.Anchor] = [.start("product_view"), .end("order"), .firstEvent,
                                           .startStage(StageDefinition(name: "cart", events: ["add_to_cart"]))]
        for collapse in [false, true] {
            var query = PathQuery()
            query.steps = 3
            query.collapse = collapse
            let together = try PathEngine.run(fixture.database, query, anchors: anchors)
            let apart = try anchors.map { anchor -> PathReport in
                var single = query
                single.anchor = anchor
                return try PathEngine.run(fixture.database, single)
            }
            #expect(together == apart)
            #expect(Set(together.map(\.actorsWithAnchor)) == [3, 1, 4, 2])
        }
    }

    @Test("by session: each session is an actor; the anchor may come from a journey stage")
    func pathsBySession() throws {
        let fixture = try Fixture()
        // u5: two sessions (gap of 2 h): product_view, page_view | product_view.
        try fixture.events(["\(t(0)),u5,product_view", "\(t(1)),u5,page_view", "\(t(0, hour: 12)),u5,product_view"])
        let report = try paths(fixture, .start("product_view"), steps: 3, actor: .session)
        #expect(report.actorsWithAnchor == 2)
        #expect(report.paths.map(\.nodes) == [["product_view", "(end)"], ["product_view", "page_view", "(end)"]])
        let byUser = try paths(fixture, .startStage(StageDefinition(name: "consideration", events: ["product_view"])), steps: 3)
        #expect(byUser.paths.map(\.nodes) == [["product_view", "page_view", "product_view"]])
    }

    // MARK: Retention

    /// Weekly cohorts in UTC (2024-03-04 and 2024-03-11 are Mondays):
    /// - a: enters Tue 03-05 10:00; another event at the same instant (never a return); returns Wed 03-06
    ///   (week 0) and Mon 03-18 10:00 (week 2, the latest event stored: the as-of time).
    /// - b: enters Sun 03-10 23:59:59.999; returns Mon 03-11 00:00:00.000 (week 1: the exact boundary).
    /// - c: enters Mon 03-11 00:00, never returns.
    func retentionFixture() throws -> Fixture {
        let fixture = try Fixture()
        try fixture.events([
            "\(t(0, day: 5)),a,page_view", "\(t(0, day: 5)),a,search", "\(t(0, day: 6)),a,page_view",
            "\(t(0, day: 18)),a,page_view",
            "2024-03-10T23:59:59.999Z,b,page_view", "2024-03-11T00:00:00.000Z,b,page_view",
            "2024-03-11T00:00:00.000Z,c,page_view",
        ])
        return fixture
    }

    @Test("weekly cohorts: counts, open periods, empty future periods and the mean of complete periods")
    func retentionWeeks() throws {
        var query = RetentionQuery()
        query.periods = 3
        let fixture = try retentionFixture()
        let report = try RetentionEngine.run(fixture.database, query)
        #expect(report.asOf == ms(0, day: 18))
        let cohorts = report.total.cohorts
        #expect(cohorts.map(\.label) == ["2024-03-04", "2024-03-11"])
        #expect(cohorts.map(\.size) == [2, 1])
        #expect(cohorts[0].cells.map(\.returned) == [1, 1, 1])
        #expect(cohorts[0].cells.map(\.open) == [false, false, true])
        #expect(cohorts[1].cells.map(\.returned) == [0, 0, nil])
        #expect(cohorts[1].cells.map(\.open) == [false, true, false])
        #expect(cohorts[1].cells[2].rate == nil)
        #expect(report.total.meanRates == [1.0 / 3, 0.5, nil])
        #expect(report.total.meanBase == [3, 2, 0])
    }

    @Test("--start/--return: the entry is the first start event in range; a return must be strictly later")
    func retentionStartAndReturn() throws {
        let fixture = try retentionFixture()
        var query = RetentionQuery()
        query.start = "search"
        query.returnEvent = "page_view"
        query.periods = 3
        // a's entry is its search at 03-05 10:00; its page view at the same instant does not count.
        var report = try RetentionEngine.run(fixture.database, query)
        #expect(report.total.cohorts.map(\.size) == [1])
        #expect(report.total.cohorts[0].cells.map(\.returned) == [1, 0, 1])
        // Entries only from 03-11: b enters at its second event, c at its first (cohort 03-11), a at 03-18.
        query.start = nil
        query.returnEvent = nil
        query.range = TimeRange(from: ms(0, day: 11, hour: 0), to: nil)
        query.asOf = Timestamp.milliseconds(year: 2024, month: 4, day: 10)
        report = try RetentionEngine.run(fixture.database, query)
        #expect(report.total.cohorts.map(\.label) == ["2024-03-11", "2024-03-18"])
        #expect(report.total.cohorts.map(\.size) == [2, 1])
        #expect(report.total.cohorts[0].cells.map(\.returned) == [0, 0, 0])
        #expect(report.total.cohorts[0].cells.map(\.open) == [false, false, false])
    }

    @Test("periods in a time zone across a daylight-saving change")
    func retentionTimeZone() throws {
        let berlin = TimeZone(identifier: "Europe/Berlin")!
        let day = CalendarPeriod(.day, zone: berlin)
        // 2024-03-31 in Berlin has 23 hours: from 2024-03-30T23:00Z to 2024-03-31T22:00Z.
        let index = day.index(of: Timestamp.milliseconds(year: 2024, month: 3, day: 31) + 12 * 3_600_000)
        #expect(day.label(of: index) == "2024-03-31")
        #expect(day.start(of: index) == Timestamp.milliseconds(year: 2024, month: 3, day: 30) + 23 * 3_600_000)
        #expect(day.end(of: index) == Timestamp.milliseconds(year: 2024, month: 3, day: 31) + 22 * 3_600_000)
        let week = CalendarPeriod(.week, zone: berlin)
        #expect(week.label(of: week.index(of: Timestamp.milliseconds(year: 2024, month: 3, day: 31))) == "2024-03-25")
        var indexer = CalendarPeriod.Indexer(day)
        for hour in stride(from: -30, through: 60, by: 1) {
            let instant = Timestamp.milliseconds(year: 2024, month: 3, day: 31) + Int64(hour) * 3_600_000 + 1
            #expect(indexer.index(of: instant) == day.index(of: instant))
        }

        // Entry 2024-03-30T23:30Z = 00:30 on the 31st in Berlin; return 2024-03-31T21:59Z = 23:59 the same Berlin day.
        let fixture = try Fixture()
        try fixture.events(["2024-03-30T23:30:00Z,z,page_view", "2024-03-31T21:59:00Z,z,page_view"])
        var query = RetentionQuery()
        query.period = .day
        query.periods = 2
        query.zone = berlin
        var report = try RetentionEngine.run(fixture.database, query)
        #expect(report.zone == "Europe/Berlin")
        #expect(report.total.cohorts.map(\.label) == ["2024-03-31"])
        // The next Berlin day starts at 22:00Z, after the as-of time (the return, 21:59Z): no value yet.
        #expect(report.total.cohorts[0].cells.map(\.returned) == [1, nil])
        query.zone = TimeZone(identifier: "UTC")!
        report = try RetentionEngine.run(fixture.database, query)
        #expect(report.zone == "UTC")
        #expect(report.total.cohorts.map(\.label) == ["2024-03-30"])
        #expect(report.total.cohorts[0].cells.map(\.returned) == [0, 1])
    }

    @Test("repeat purchases by channel: --start order --return order --breakdown channel")
    func retentionRepeatPurchases() throws {
        let fixture = try Fixture()
        try fixture.events(["\(t(0, day: 4)),p,page_view,/,email", "\(t(0, day: 4)),q,page_view,/,social",
                            "\(t(0, day: 5)),r,page_view,/,email"])
        try fixture.orders(["o1,\(t(1, day: 4)),p,10", "o2,\(t(0, day: 12)),p,10", "o3,\(t(1, day: 4)),q,10",
                            "o4,\(t(1, day: 5)),r,10", "o5,\(t(2, day: 5)),r,10"])
        var query = RetentionQuery()
        query.start = "order"
        query.returnEvent = "order"
        query.periods = 2
        query.breakdown = "channel"
        let report = try RetentionEngine.run(fixture.database, query)
        #expect(report.total.cohorts.map(\.size) == [3])
        #expect(report.total.cohorts[0].cells.map(\.returned) == [1, 1])
        #expect(report.groups.map(\.value) == ["email", "social"])
        #expect(report.groups[0].cohorts[0].cells.map(\.returned) == [1, 1])
        #expect(report.groups[1].cohorts[0].cells.map(\.returned) == [0, 0])
    }

    // MARK: Attribution

    /// Lookback 30 days, half-life 7 days:
    /// - u1: sessions email (day 1), direct (day 10), paid_search (day 20) with order o1 of 100 at day 20 10:05.
    /// - u2: social (day 1 10:00); order o2 of 40 at day 31 10:00 in a direct session starting 09:59:
    ///   the social session started exactly 30 days before the order, so it counts.
    /// - u3: the same, but the order is 1 ms later (day 31 10:00:00.001): the social session is out;
    ///   the order is cancelled (an order, no revenue).
    /// - u4: an order of 10 and nothing else: its own session, without a channel.
    func attributionFixture() throws -> Fixture {
        let fixture = try Fixture()
        try fixture.events([
            "\(t(0, day: 1)),u1,page_view,/,email", "\(t(0, day: 10)),u1,page_view,/,direct",
            "\(t(0, day: 20)),u1,page_view,/,paid_search",
            "\(t(0, day: 1)),u2,page_view,/,social", "\(t(59, day: 31, hour: 9)),u2,page_view,/,direct",
            "\(t(0, day: 1)),u3,page_view,/,social", "\(t(59, day: 31, hour: 9)),u3,page_view,/,direct",
        ])
        try fixture.orders(["o1,\(t(5, day: 20)),u1,100", "o2,\(t(0, day: 31)),u2,40",
                            "o3,\(t(0, ms: 1, day: 31)),u3,50,cancelled", "o4,\(t(0, day: 5, hour: 12)),u4,10"])
        return fixture
    }

    func credits(_ report: AttributionReport, model: Int = 0) -> [String: (orders: Double, revenue: Double)] {
        Dictionary(uniqueKeysWithValues: report.rows.map { ($0.value, ($0.credits[model].orders, $0.credits[model].revenue)) })
    }

    @Test("every model on the worked example; sums equal the orders and the revenue")
    func attributionModels() throws {
        let fixture = try attributionFixture()
        let report = try AttributionEngine.run(fixture.database, AttributionQuery(), models: AttributionModel.allCases)
        #expect(report.orders == 4)
        #expect(report.revenue == 150)
        let perOrder: Double? = 7.0 / 4 // 3 + 2 + 1 + 1
        #expect(report.touchpointsPerOrder == perOrder)
        func expect(_ model: AttributionModel, _ expected: [String: (Double, Double)]) {
            let got = credits(report, model: AttributionModel.allCases.firstIndex(of: model)!)
            for (value, credit) in expected {
                #expect(abs((got[value]?.orders ?? 0) - credit.0) < 1e-12, "\(model) \(value) orders")
                #expect(abs((got[value]?.revenue ?? 0) - credit.1) < 1e-9, "\(model) \(value) revenue")
            }
            #expect(abs(got.values.map(\.orders).reduce(0, +) - 4) < 1e-12)
            #expect(abs(got.values.map(\.revenue).reduce(0, +) - 150) < 1e-9)
        }
        expect(.first, ["email": (1, 100), "social": (1, 40), "direct": (1, 0), "(none)": (1, 10), "paid_search": (0, 0)])
        expect(.last, ["paid_search": (1, 100), "direct": (2, 40), "(none)": (1, 10)])
        expect(.lastNonDirect, ["paid_search": (1, 100), "social": (1, 40), "direct": (1, 0), "(none)": (1, 10)])
        let third = 1.0 / 3
        expect(.linear, ["email": (third, 100 * third), "direct": (third + 1.5, 100 * third + 20),
                         "paid_search": (third, 100 * third), "social": (0.5, 20), "(none)": (1, 10)])
        expect(.position, ["email": (0.4, 40), "direct": (1.7, 40), "paid_search": (0.4, 40),
                           "social": (0.5, 20), "(none)": (1, 10)])
        // Time decay, o1: ages 19 d 5 min, 10 d 5 min and 5 min; o2: 30 d and 1 min.
        let day = 86_400_000.0, minute = 60_000.0, halfLife = 7 * day
        let w = [19 * day + 5 * minute, 10 * day + 5 * minute, 5 * minute].map { exp2(-$0 / halfLife) }
        let v = [30 * day, minute].map { exp2(-$0 / halfLife) }
        let wSum = w.reduce(0, +), vSum = v.reduce(0, +)
        let o1: [Double] = w.map { $0 / wSum }, o2: [Double] = v.map { $0 / vSum }
        let directOrders: Double = o1[1] + o2[1] + 1, directRevenue: Double = 100 * o1[1] + 40 * o2[1]
        expect(.timeDecay, ["email": (o1[0], 100 * o1[0]), "direct": (directOrders, directRevenue),
                            "paid_search": (o1[2], 100 * o1[2]), "social": (o2[0], 40 * o2[0]), "(none)": (1, 10)])
    }

    @Test("lookback, --from/--to on order time, and rows ranked by credit")
    func attributionLookbackAndRange() throws {
        let fixture = try attributionFixture()
        var query = AttributionQuery(model: .first)
        query.lookbackMilliseconds = 86_400_000
        // With a 1-day lookback, every order's only touchpoint is its own session.
        var report = try AttributionEngine.run(fixture.database, query)
        #expect(credits(report).mapValues(\.orders) == ["paid_search": 1, "direct": 2, "(none)": 1])
        #expect(report.rows.map(\.value) == ["direct", "(none)", "paid_search"])
        #expect(report.touchpointsPerOrder == 1)
        query.lookbackMilliseconds = 30 * 86_400_000
        query.range = TimeRange(from: ms(0, day: 20, hour: 0), to: ms(0, day: 31, hour: 0))
        report = try AttributionEngine.run(fixture.database, query)
        #expect(report.orders == 1)
        #expect(credits(report).mapValues(\.revenue) == ["email": 100])
        #expect(report.rows.first?.credits.first?.orderShare == 1)
    }

    @Test("time decay with a tiny half-life gives everything to the youngest touchpoint, never NaN")
    func attributionTimeDecayUnderflow() throws {
        let fixture = try attributionFixture()
        var query = AttributionQuery(model: .timeDecay)
        query.halfLifeMilliseconds = 1
        let report = try AttributionEngine.run(fixture.database, query, models: [.timeDecay, .last])
        #expect(report.rows.allSatisfy { $0.credits[0] == $0.credits[1] })
        #expect(report.rows.allSatisfy { !$0.credits[0].orders.isNaN && !$0.credits[0].revenue.isNaN })
    }

    @Test("credit goes to a session's value: an event field is refused with the fields that work")
    func attributionUnknownDimension() throws {
        let fixture = try attributionFixture()
        var query = AttributionQuery()
        query.dimension = .property("event_type")
        #expect { try AttributionEngine.run(fixture.database, query) } throws: { error in
            guard let unknown = error as? UnknownField else { return false }
            return unknown.known == ["channel", "device", "campaign", "landing-page"]
        }
    }

    @Test("an order's lines are one order; events of the order role are orders; credit by campaign and property")
    func attributionOrderRoleAndProperties() throws {
        let fixture = try Fixture()
        try fixture.load("""
            timestamp,user_id,event_type,channel,campaign,country,revenue,order_id
            \(t(0, day: 2)),w,page_view,email,spring,DE,,
            \(t(0, day: 3)),w,page_view,social,,FR,,
            \(t(1, day: 3)),w,purchase,social,,,30,x1
            \(t(1, day: 3)),w,purchase,social,,,20,x1
            """)
        try SessionStore(database: fixture.database).add(roles: EventRoles(names: [.order: ["purchase"]]))
        var query = AttributionQuery(model: .linear)
        var report = try AttributionEngine.run(fixture.database, query)
        #expect(report.orders == 1)
        #expect(report.revenue == 50)
        #expect(credits(report).mapValues(\.revenue) == ["email": 25, "social": 25])
        query.dimension = .campaign
        report = try AttributionEngine.run(fixture.database, query)
        #expect(credits(report).mapValues(\.orders) == ["spring": 0.5, "(none)": 0.5])
        query.dimension = .property("country")
        report = try AttributionEngine.run(fixture.database, query)
        #expect(credits(report).mapValues(\.orders) == ["DE": 0.5, "FR": 0.5])
    }

    @Test("timelines written before migration 5 are derived again on the next open, with their orders")
    func rederivedAfterMigration() throws {
        let directory = TemporaryDirectory()
        let path = directory.path("old.sqlite")
        do {
            let fixture = try Fixture()
            try fixture.events(["\(t(0)),u,page_view,/,email"])
            try fixture.orders(["o,\(t(1)),u,5"])
            try fixture.database.execute("UPDATE timelines SET orders = NULL; "
                + "INSERT INTO settings (key, value) VALUES ('rederive', 'order records')")
            try fixture.database.execute("VACUUM INTO '\(path)'")
        }
        let workspace = try Workspace.open(path: path)
        let report = try workspace.attribution(AttributionQuery())
        #expect(report.orders == 1)
        #expect(try workspace.database.scalarText("SELECT value FROM settings WHERE key = 'rederive'") == nil)
    }

    // MARK: The commands

    @Test("the commands: every format, the same numbers, and clear refusals")
    func commands() throws {
        let fixture = try attributionFixture()
        let db = fixture.directory.path("fixture.sqlite")
        try fixture.database.close()

        let json = try CLI.run(["attribution", "--db", db, "--compare-models", "--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(object["orders"] as? Int == 4)
        #expect(object["revenue"] as? Double == 150)
        let rows = try #require(object["rows"] as? [[String: Any]])
        let paid = try #require(rows.first { $0["value"] as? String == "paid_search" })
        let byModel = try #require(paid["by_model"] as? [String: [String: Any]])
        #expect(byModel["position"]?["orders"] as? Double == 0.4)
        #expect(paid["orders"] as? Double == 0, "the first model's credit (first touch) is the row's")

        let csv = try CLI.run(["attribution", "--db", db, "--model", "linear", "--by", "channel", "--format", "csv"])
        let lines = csv.stdout.split(separator: "\n")
        #expect(lines.first == "channel,orders,revenue,order_share,revenue_share")
        #expect(lines.last == "(total),4,150,1,1")
        #expect(lines.contains("(none),1,10,0.25,0.06666666666666667"))

        let paths = try CLI.run(["paths", "--db", db, "--steps", "2", "--format", "csv", "--edges"])
        #expect(paths.stdout == "step,from,to,actors\n1,page_view,page_view,3\n1,order,(end),1\n", "\(paths.stdout)")
        let markdown = try CLI.run(["paths", "--db", db, "--end", "order", "--steps", "2", "--format", "markdown"])
        #expect(markdown.stdout.contains("| 1 | 3 | 75.0% | page_view &gt; order |\n| 2 | 1 | 25.0% | (start) &gt; order |"),
                "\(markdown.stdout)")

        let retention = try CLI.run(["retention", "--db", db, "--period", "month", "--periods", "2", "--format", "csv"])
        // March is not over at the as-of time (the last order, 31 March 10:00:00.001): open; April has not begun.
        #expect(retention.stdout.hasPrefix("group,cohort,users,period,returned,rate,open\n(all),2024-03,4,0,3,0.75,yes\n"
                                           + "(all),2024-03,4,1,,,\n(all),mean,0,0,,,no\n"), "\(retention.stdout)")
        let table = try CLI.run(["retention", "--db", db, "--period", "month", "--periods", "2"])
        #expect(table.stdout.contains("2024-03      4  75.0%*"), "\(table.stdout)")

        for refused in [["paths", "--start", "a", "--end", "b"], ["paths", "--steps", "0"], ["retention", "--by", "session"],
                        ["retention", "--periods", "0"], ["attribution", "--model", "nosuch"], ["attribution", "--lookback", "x"]] {
            let result = try CLI.run(refused + ["--db", db])
            #expect(result.status == 64, "\(refused): \(result.stderr)")
            #expect(!result.stderr.isEmpty)
        }
        let unknown = try CLI.run(["paths", "--db", db, "--start-stage", "nosuch"])
        #expect(unknown.status == 64)
        #expect(unknown.stderr.contains("awareness, consideration"), "\(unknown.stderr)")
        let field = try CLI.run(["retention", "--db", db, "--breakdown", "chanel"])
        #expect(field.stderr.contains("did you mean 'channel'"), "\(field.stderr)")
    }
}
