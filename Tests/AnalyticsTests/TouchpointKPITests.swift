import Foundation
import Testing
@testable import Analytics
@testable import AnalyticsCore
@testable import AnalyticsIngest
@testable import AnalyticsQueries
@testable import AnalyticsReports
@testable import AnalyticsSessions
@testable import AnalyticsStorage
@testable import CSVScanner

@Suite("Touchpoint KPIs")
struct TouchpointKPITests {
    /// Five sessions, computed by hand:
    /// - A (u1, email, day 1): 3 events over 8 min plus a completed order of 100 at 10:08 -> 4 events, 480 s, converted.
    /// - B (u2, email): one page view -> bounce, 0 s.
    /// - C (u1, social, day 2): 2 events 5 s apart, 1 page view -> not engaged.
    /// - D (u3, social): 2 events 10 s apart (engaged by exactly 10 s) and a refunded order of 50 at +20 s:
    ///   3 events, 20 s, an order and a conversion but no revenue.
    /// - E (u4, empty channel): one page view -> bounce, channel "(none)".
    func fixture() throws -> Fixture {
        let fixture = try Fixture()
        try fixture.events([
            "\(t(0)),u1,page_view,/a,email,mobile", "\(t(5)),u1,page_view,/b,email,mobile",
            "\(t(6)),u1,product_view,/p,email,mobile",
            "\(t(0)),u2,page_view,/a,email,desktop",
            "\(t(0, day: 2)),u1,page_view,/a,social,mobile", "\(t(0, 5, day: 2)),u1,product_view,/p,social,mobile",
            "\(t(0)),u3,page_view,/c,social,tablet", "\(t(0, 10)),u3,product_view,/p,social,tablet",
            "\(t(0)),u4,page_view,/a,,desktop",
        ])
        try fixture.orders(["o1,\(t(8)),u1,100,completed", "o2,\(t(0, 20)),u3,50,refunded"])
        return fixture
    }

    @Test("every KPI per channel and in total, by hand")
    func byChannel() throws {
        let report = try fixture().touchpoints()
        #expect(report.rows.map(\.touchpoint) == ["email", "social", "(none)"], "sessions descending, ties by name")
        let email = report.rows[0], social = report.rows[1], none = report.rows[2], total = report.total

        #expect(email == TouchpointKPI(touchpoint: "email", sessions: 2, users: 2, events: 5, bounceRate: 0.5,
                                       averageSessionSeconds: 240, medianSessionSeconds: 240,
                                       p90SessionSeconds: 432, // 0 + 0.9 * (480 - 0)
                                       engagedRate: 0.5, conversionRate: 0.5, orders: 1, revenue: 100,
                                       averageOrderValue: 100, revenuePerSession: 50))
        #expect(social == TouchpointKPI(touchpoint: "social", sessions: 2, users: 2, events: 5, bounceRate: 0,
                                        averageSessionSeconds: 12.5, medianSessionSeconds: 12.5,
                                        p90SessionSeconds: 18.5, // 5 + 0.9 * (20 - 5)
                                        engagedRate: 0.5, conversionRate: 0.5, orders: 1, revenue: 0,
                                        averageOrderValue: nil, revenuePerSession: 0))
        #expect(none == TouchpointKPI(touchpoint: "(none)", sessions: 1, users: 1, events: 1, bounceRate: 1,
                                      averageSessionSeconds: 0, medianSessionSeconds: 0, p90SessionSeconds: 0,
                                      engagedRate: 0, conversionRate: 0, orders: 0, revenue: 0,
                                      averageOrderValue: nil, revenuePerSession: 0))
        // Durations 0, 0, 5, 20, 480: mean 101, median 5, p90 at rank 3.6 = 20 + 0.6 * 460 = 296.
        #expect(total == TouchpointKPI(touchpoint: "(all)", sessions: 5, users: 4, events: 11, bounceRate: 0.4,
                                       averageSessionSeconds: 101, medianSessionSeconds: 5, p90SessionSeconds: 296,
                                       engagedRate: 0.4, conversionRate: 0.4, orders: 2, revenue: 100,
                                       averageOrderValue: 100, revenuePerSession: 20))
    }

    @Test("other dimensions: device and landing page")
    func otherDimensions() throws {
        let fixture = try fixture()
        let devices = try fixture.touchpoints(by: .device)
        #expect(devices.rows.map(\.touchpoint) == ["desktop", "mobile", "tablet"])
        #expect(devices.rows.map(\.sessions) == [2, 2, 1])
        let pages = try fixture.touchpoints(by: .landingPage)
        #expect(pages.rows.first?.touchpoint == "/a")
        #expect(pages.rows.first?.sessions == 4)
        let campaigns = try fixture.touchpoints(by: .campaign)
        #expect(campaigns.rows.map(\.touchpoint) == ["(none)"])
    }

    @Test("--from/--to select sessions by start time, half-open")
    func timeRange() throws {
        let fixture = try fixture()
        let day2 = ms(0, day: 2)
        #expect(try fixture.touchpoints(range: TimeRange(from: day2)).total.sessions == 1)
        #expect(try fixture.touchpoints(range: TimeRange(to: day2)).total.sessions == 4, "C starts exactly at --to: excluded")
        #expect(try fixture.touchpoints(range: TimeRange(from: day2, to: day2 + 1)).total.sessions == 1)
        #expect(try fixture.touchpoints(range: TimeRange(from: day2 + 1)).total.sessions == 0)
        let parsed = try TimeRange(from: "2024-03-02", to: nil)
        #expect(parsed.from == day2 - 10 * 3_600_000)
        let berlin = try TimeRange(from: "2024-03-02", to: nil, zone: TimeZone(identifier: "Europe/Berlin"))
        #expect(berlin.from == day2 - 11 * 3_600_000)
    }

    @Test("no sessions: rates are null, never NaN, and the table says so")
    func empty() throws {
        let report = try Fixture().touchpoints()
        #expect(report.rows.isEmpty)
        #expect(report.total.bounceRate == nil)
        let json = report.render(.json)
        #expect(!json.contains("NaN"))
        #expect(json.contains("\"bounce_rate\": null"))
        #expect(report.render(.table).contains("No sessions in this range"))
    }

    @Test("JSON has exactly the documented keys, in order")
    func jsonKeys() throws {
        let report = try fixture().touchpoints()
        let object = try JSONSerialization.jsonObject(with: Data(report.render(.json).utf8)) as? [String: Any]
        #expect(Set(object?.keys.map { $0 } ?? []) == ["dimension", "from", "to", "rows", "total"])
        let row = (object?["rows"] as? [[String: Any]])?.first
        #expect(Set(row?.keys.map { $0 } ?? []) == Set(TouchpointReport.columns))
        #expect(object?["dimension"] as? String == "channel")
        #expect(object?["from"] is NSNull)
        // Key order follows the documentation.
        let text = report.render(.json)
        let positions = TouchpointReport.columns.compactMap { text.range(of: "\"\($0)\"")?.lowerBound }
        #expect(positions == positions.sorted())
    }

    @Test("human units in the table, plain numbers in CSV")
    func formats() throws {
        let report = try fixture().touchpoints()
        let table = report.render(.table)
        #expect(table.contains("50.0%"))
        #expect(table.contains("4m 00s"))
        let csv = report.render(.csv)
        #expect(csv.contains("email,2,2,5,0.5,240,240,432,0.5,0.5,1,100,100,50"))
        #expect(report.render(.markdown).contains("| email |"))
    }

    @Test("the engine matches plain SQL over the raw tables on generated data")
    func matchesSQLReference() throws {
        let fixture = try Fixture()
        let output = try DataGenerator(events: 4000, seed: 5).write(to: fixture.directory.path("gen"))
        try fixture.load(try String(contentsOfFile: output.eventsPath, encoding: .utf8))
        try fixture.load(try String(contentsOfFile: output.ordersPath, encoding: .utf8))
        let sql = try String(contentsOf: packageRoot.appending(path: "scripts/sql/touchpoints_by_channel.sql"), encoding: .utf8)
        try EventBlock.createEventsView(in: fixture.database)
        let reference = try fixture.database.query(sql) { row in
            (row.string(0), row.int(1), row.int(2), row.int(3), row.int(4), row.int64(5), row.int(6), row.int(7), row.int(8), row.double(9))
        }
        let report = try fixture.touchpoints()
        #expect(reference.count == report.rows.count)
        for (name, sessions, users, events, bounces, durationMs, engaged, converted, orders, revenue) in reference {
            guard let row = report.rows.first(where: { $0.touchpoint == name }) else {
                Issue.record("missing \(name)")
                continue
            }
            #expect(row.sessions == sessions, "\(name)")
            #expect(row.users == users, "\(name)")
            #expect(row.events == events, "\(name)")
            #expect(row.bounceRate == Double(bounces) / Double(sessions), "\(name)")
            #expect(abs((row.averageSessionSeconds ?? -1) - Double(durationMs) / 1000 / Double(sessions)) <= 5e-7, "\(name): kept to 6 decimals")
            #expect(row.engagedRate == Double(engaged) / Double(sessions), "\(name)")
            #expect(row.conversionRate == Double(converted) / Double(sessions), "\(name)")
            #expect(row.orders == orders, "\(name)")
            #expect(abs(row.revenue - revenue) < 1e-6, "\(name)")
        }
    }

    @Test("the selection median equals the sorted median on random data")
    func selectionMedian() {
        var random = SplitMix64(seed: 77)
        for count in [1, 2, 3, 4, 5, 10, 101, 1000, 1001] {
            for _ in 0..<20 {
                let values = (0..<count).map { _ in Double(random.int(0...50)) }
                #expect(Statistics.median(values) == Statistics.quantile(sorted: values.sorted(), 0.5), "\(values)")
            }
        }
        #expect(Statistics.median([]) == nil)
    }

    @Test("quantiles by selection equal the sorted quantiles exactly on random data, ties and fractions included")
    func selectionQuantiles() {
        var random = SplitMix64(seed: 78)
        let qs = [0.5, 0.9, 0, 1, 0.25, 0.999]
        for count in [1, 2, 3, 4, 5, 10, 101, 1000, 1001] {
            for round in 0..<20 {
                // Many ties (whole seconds from a small range) in half the rounds, fractions in the others.
                var values = (0..<count).map { _ in round % 2 == 0 ? Double(random.int(0...30)) : Double(random.int(0...1_000_000)) / 977 }
                let sorted = values.sorted()
                #expect(Statistics.quantiles(unsorted: &values, qs) == qs.map { Statistics.quantile(sorted: sorted, $0) }, "\(count)")
            }
        }
        var none: [Double] = []
        #expect(Statistics.quantiles(unsorted: &none, [0.5, 0.9]) == [nil, nil])
    }

    @Test("quantiles: linear interpolation, median of an even count is the mean of the middle two")
    func quantiles() {
        #expect(Statistics.quantile(sorted: [], 0.5) == nil)
        #expect(Statistics.quantile(sorted: [7], 0.9) == 7)
        #expect(Statistics.quantile(sorted: [1, 2, 3, 4], 0.5) == 2.5)
        #expect(Statistics.quantile(sorted: [1, 2, 3, 4, 5], 0.5) == 3)
        #expect(abs((Statistics.quantile(sorted: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9) ?? 0) - 9.1) < 1e-12)
    }

    @Test("orders in several currencies: touchpoints and attribution warn and list them; one currency: no warning")
    func mixedCurrencies() throws {
        let directory = TemporaryDirectory()
        let events = try directory.write("events.csv", """
            timestamp,user_id,event_type,channel
            2024-03-01T09:59:00Z,u1,page_view,email
            2024-03-01T10:59:00Z,u2,page_view,direct
            """)
        let orders = try directory.write("orders.csv", """
            order_id,timestamp,user_id,revenue,currency
            o1,2024-03-01T10:00:00Z,u1,10.5,EUR
            o2,2024-03-01T11:00:00Z,u2,20,USD
            o3,2024-03-02T11:00:00Z,u2,5,USD
            """)
        let db = directory.path("c.sqlite")
        #expect(try CLI.run(["import", events, orders, "--db", db]).status == 0)
        for command in [["touchpoints"], ["attribution"]] {
            let result = try CLI.run(command + ["--db", db, "--format", "csv"])
            #expect(result.status == 0)
            #expect(result.stderr.contains("warning: the orders are in 2 currencies (USD 25.00 over 2 orders; EUR 10.50 over 1 orders)"),
                    "\(command): \(result.stderr)")
            #expect(!result.stdout.contains("warning"), "the warning stays out of the CSV")
        }
        // From March 2 on only the USD order is in the period: one currency, no warning.
        let oneDay = try CLI.run(["touchpoints", "--db", db, "--from", "2024-03-02", "--format", "csv"])
        #expect(oneDay.status == 0 && oneDay.stderr.isEmpty, "\(oneDay.stderr)")
    }
}
