import Foundation
import Testing
@testable import Analytics
@testable import AnalyticsCore
@testable import AnalyticsIngest
@testable import AnalyticsQueries
@testable import AnalyticsStorage

/// A workspace in a temporary folder, filled through the facade as a program would.
private struct Store {
    let directory = TemporaryDirectory()
    let workspace: Workspace

    init() throws {
        workspace = try Workspace.open(path: directory.path("open.sqlite"))
    }

    @discardableResult
    func load(_ csv: String, name: String = "events.csv", mapping: [String] = [], roles: [String] = [],
              ignore: [String] = []) throws -> ImportResult {
        let path = try directory.write(name, csv)
        var options = ImportOptions()
        options.mapping = try ColumnMapping(pairs: mapping).merging(try ColumnMapping(roles: roles))
        options.mapping.ignore(columns: ignore)
        return try workspace.importFiles([path], options: options).results[0]
    }

    func reach(_ journey: JourneyDefinition, actor: FunnelActor = .user, filters: [String] = [],
               breakdown: FunnelBreakdown? = nil) throws -> FunnelReport {
        var query = FunnelQuery(journey: journey)
        query.actor = actor
        query.filters = try filters.map(FieldFilter.init(parsing:))
        query.breakdown = breakdown
        return try workspace.funnel(query)
    }
}

private let rees46 = ArchitectureTests.packageRoot.appending(path: "SampleData/exports/rees46-2019-oct.csv").path
private let rees46Journey = ArchitectureTests.packageRoot.appending(path: "SampleData/journeys/rees46.yaml").path

@Suite("Open event model")
struct OpenEventModelTests {
    /// u1 views a phone on March 1, a laptop on March 3 and carts it 5 minutes later;
    /// u2 views a phone and carts it a minute later.
    static let phonesAndLaptops = """
        timestamp,user_id,event_type,category
        2024-03-01T10:00:00Z,u1,view,phone
        2024-03-03T10:00:00Z,u1,view,laptop
        2024-03-03T10:05:00Z,u1,cart,laptop
        2024-03-01T10:00:00Z,u2,view,phone
        2024-03-01T10:01:00Z,u2,cart,phone
        """

    // MARK: Against DuckDB on a REES46-layout file

    /// What `scripts/reference/rees46_duckdb.py` computes with DuckDB from the raw file.
    struct Reference: Decodable {
        struct Sessions: Decodable {
            let sessions: Int
            let users: Int
            let orders: Int
            let revenue: Double
            let converted_sessions: Int
        }
        let funnels: [String: [Int]]
        let sessions: Sessions
    }

    static func duckDB() throws -> Reference {
        let data = try python([ArchitectureTests.packageRoot.appending(path: "scripts/reference/rees46_duckdb.py").path, rees46],
                              failure: "DuckDB reference failed (pip install duckdb)")
        return try JSONDecoder().decode(Reference.self, from: data)
    }

    @Test("a REES46 export loads in one command and its funnels under --where equal DuckDB on the raw file")
    func rees46AgainstDuckDB() throws {
        let reference = try Self.duckDB()
        let store = try Store()
        let result = try store.load(try String(contentsOfFile: rees46, encoding: .utf8), name: "rees46.csv",
                                    mapping: ["timestamp=event_time", "session_id=user_session", "revenue=price"],
                                    roles: ["order=purchase"])
        #expect(result.status == .imported && result.rowsRejected == 0)
        let journey = try JourneyDefinition.load(path: rees46Journey)
        for (name, filters) in [("all", [String]()), ("brand=samsung", ["brand=samsung"]), ("price>=100", ["price>=100"]),
                                ("category_code~electronics.*", ["category_code~electronics.*"])] {
            let report = try store.reach(journey, filters: filters)
            #expect(report.stages.map(\.reached) == reference.funnels[name], "\(name)")
        }
        // Purchases are orders: sessions, orders, revenue, conversion and order value.
        let total = try store.workspace.touchpoints(by: .channel).total
        #expect(total.sessions == reference.sessions.sessions)
        #expect(total.users == reference.sessions.users)
        #expect(total.orders == reference.sessions.orders)
        #expect(abs(total.revenue - reference.sessions.revenue) < 1e-6)
        #expect(total.conversionRate == Double(reference.sessions.converted_sessions) / Double(reference.sessions.sessions))
        #expect(total.averageOrderValue.map { abs($0 - reference.sessions.revenue / Double(reference.sessions.orders)) < 1e-6 } == true)
        // The sample itself (so the docs' figures stay true): 13 orders, 10 converting sessions of 102.
        #expect(reference.sessions.orders == 13 && reference.sessions.converted_sessions == 10)
    }

    // MARK: Roles

    @Test("order and page_view roles: purchases are orders, Page hits are page views, stages match by role")
    func roles() throws {
        let store = try Store()
        // u1: a Page hit, a product view, a purchase of 40 (one session); u2: one Page hit (a bounce).
        try store.load("""
            timestamp,user_id,event_type,price
            2024-03-01T10:00:00Z,u1,Page,
            2024-03-01T10:01:00Z,u1,product_view,
            2024-03-01T10:02:00Z,u1,purchase,40
            2024-03-01T11:00:00Z,u2,Page,
            """, mapping: ["revenue=price"], roles: ["order=purchase", "page_view=Page"])
        let total = try store.workspace.touchpoints(by: .channel).total
        #expect(total.sessions == 2)
        #expect(total.orders == 1)
        #expect(total.revenue == 40)
        #expect(total.averageOrderValue == 40)
        #expect(total.conversionRate == 0.5)
        // u2's session has one page view and nothing else: a bounce; u1's has three events.
        #expect(total.bounceRate == 0.5)
        // The built-in journey: awareness (page_view) and purchase (order) match by role.
        let report = try store.reach(.customerJourney)
        #expect(report.stages.map(\.reached) == [2, 1, 1, 0, 0])
        // Roles are stored: a later file without --role still has them, and info shows them.
        let info = try store.workspace.info()
        #expect(info.roles.first { $0.role == "order" }?.eventTypes == ["order", "purchase"])
        #expect(info.roles.first { $0.role == "page_view" }?.eventTypes == ["Page", "page_view"])
    }

    @Test("a role added later re-derives the sessions of events imported before")
    func roleAddedLater() throws {
        let store = try Store()
        try store.load("timestamp,user_id,event_type,price\n2024-03-01T10:00:00Z,u1,purchase,25\n", mapping: ["revenue=price"])
        #expect(try store.workspace.touchpoints(by: .channel).total.orders == 0)
        try store.load("timestamp,user_id,event_type\n2024-03-02T10:00:00Z,u2,view\n", name: "later.csv", roles: ["order=purchase"])
        let total = try store.workspace.touchpoints(by: .channel).total
        #expect(total.orders == 1)
        #expect(total.revenue == 25)
    }

    @Test("an order event without an amount is an order and a conversion, but not revenue")
    func orderWithoutAmount() throws {
        let store = try Store()
        try store.load("timestamp,user_id,event_type,price\n2024-03-01T10:00:00Z,u1,purchase,\n2024-03-01T12:00:00Z,u2,purchase,10\n",
                       mapping: ["revenue=price"], roles: ["order=purchase"])
        let total = try store.workspace.touchpoints(by: .channel).total
        #expect(total.orders == 2)
        #expect(total.conversionRate == 1)
        #expect(total.revenue == 10)
        #expect(total.averageOrderValue == 10) // 10 over the one order with an amount
    }

    @Test("order lines: one order per order id, quantity multiplies; an orders-file row with the same id is that order")
    func orderLines() throws {
        let store = try Store()
        // u1: order o1 in two lines (10 x 2 + 5), then e3 without an order id (its own order, 7);
        // u2: e4, an order without an amount. A bad quantity is a reject.
        let first = try store.directory.write("lines.csv", """
            event_id,timestamp,user_id,event_type,price,quantity,order_id
            e1,2024-03-01T10:00:00Z,u1,purchase,10,2,o1
            e2,2024-03-01T10:00:01Z,u1,purchase,5,,o1
            e3,2024-03-01T10:02:00Z,u1,purchase,7,1,
            e4,2024-03-02T10:00:00Z,u2,purchase,,,
            e5,2024-03-02T10:01:00Z,u2,purchase,3,many,
            """)
        var options = ImportOptions()
        options.mapping = try ColumnMapping(pairs: ["revenue=price"]).merging(try ColumnMapping(roles: ["order=purchase"]))
        let lines = try store.workspace.importFiles([first], options: options).results[0]
        #expect(lines.rowsRejected == 1)
        var total = try store.workspace.touchpoints(by: .channel).total
        #expect(total.orders == 3)
        #expect(total.revenue == 32)
        #expect(total.averageOrderValue == 16) // 32 over the two orders with an amount
        // The shop's order export: o1 is 30 (completed, two days later in its file), e3 was refunded, o9 is new.
        let orders = try store.load("""
            order_id,timestamp,user_id,revenue,status,coupon
            o1,2024-03-03T10:00:00Z,u1,30,completed,WELCOME
            e3,2024-03-01T10:02:00Z,u1,7,refunded,
            o9,2024-03-02T10:05:00Z,u2,12,completed,SPRING
            """, name: "orders.csv")
        #expect(orders.warnings.contains("kept as properties: coupon"))
        total = try store.workspace.touchpoints(by: .channel).total
        #expect(total.orders == 4)       // o1, e3 (refunded still an order), e4, o9
        #expect(total.revenue == 42)     // o1's 30 from its file row, o9's 12
        #expect(total.averageOrderValue == 21)
        // o1 keeps its event's time: u1 still has one session (the file row would open a second one).
        #expect(try store.workspace.sessions(user: "u1").rows.count == 1)
        // A funnel stage `order` sees each order event once; the merged file row adds none.
        let journey = JourneyDefinition(name: "o", windowMilliseconds: 86_400_000 * 30,
                                        stages: [StageDefinition(name: "order", events: ["order"])])
        #expect(try store.reach(journey).stages.map(\.reached) == [2])
        // The orders file's extra column is a property of its orders (o1's goes to its event), so of their sessions.
        let coupons = try store.workspace.touchpoints(by: .property("coupon")).rows
        #expect(Dictionary(uniqueKeysWithValues: coupons.map { ($0.touchpoint, $0.sessions) }) == ["WELCOME": 1, "SPRING": 1])
    }

    // MARK: Properties

    @Test("unmapped columns become properties; --ignore-column and collisions are handled before any row")
    func properties() throws {
        let store = try Store()
        let result = try store.load("""
            timestamp,user_id,event_type,brand,Country,note
            2024-03-01T10:00:00Z,u1,view,samsung,DE,x
            2024-03-01T10:01:00Z,u1,view,,FR,
            2024-03-01T10:02:00Z,u2,view,apple,DE,
            """, ignore: ["note"])
        #expect(result.warnings.contains("kept as properties: brand, Country"))
        #expect(result.warnings.contains("ignored columns: note"))
        let info = try store.workspace.info()
        #expect(info.properties.map(\.name) == ["Country", "brand"])
        #expect(info.properties.map(\.distinctValues) == [2, 2])

        // A column named like a built-in field that is mapped elsewhere cannot become a property.
        let clash = try store.load("timestamp,user_id,event_type,channel,src\n2024-03-01T10:00:00Z,u3,view,x,y\n",
                                   name: "clash.csv", mapping: ["channel=src"])
        #expect(clash.status == .failed)
        #expect(clash.rowsRead == 0)
        #expect(clash.message?.contains("column 'channel' is not mapped") == true)
        #expect(clash.message?.contains("--ignore-column channel") == true)
        #expect(throws: IngestError.self) { _ = try ColumnMapping(roles: ["orders=purchase"]) }
        #expect(throws: IngestError.self) { _ = try ColumnMapping(roles: ["order="]) }
    }

    @Test("a session's touchpoint and properties come from its first event that has a value")
    func firstValuePerSession() throws {
        let store = try Store()
        // One session: the campaign tag and the country arrive on the second hit.
        try store.load("""
            timestamp,user_id,event_type,channel,campaign,country
            2024-03-01T10:00:00Z,u1,page_view,,,
            2024-03-01T10:00:01Z,u1,page_view,paid_search,spring,DE
            2024-03-01T10:05:00Z,u1,page_view,email,autumn,FR
            """)
        #expect(try store.workspace.touchpoints(by: .channel).rows.map(\.touchpoint) == ["paid_search"])
        #expect(try store.workspace.touchpoints(by: .campaign).rows.map(\.touchpoint) == ["spring"])
        #expect(try store.workspace.touchpoints(by: .property("country")).rows.map(\.touchpoint) == ["DE"])
        let filtered = try store.workspace.touchpoints(by: .channel, filters: [try FieldFilter(parsing: "country=FR")])
        #expect(filtered.total.sessions == 0)
    }

    @Test("a property breakdown takes the value on the counted stage-1 event; --where keeps matching events for every stage")
    func propertyBreakdownAndFilter() throws {
        let store = try Store()
        // u1 views a phone (no cart within the window), then a laptop followed by a cart: the counted
        // stage-1 event is the laptop view, so u1 counts under laptop. u2 views a phone and carts.
        try store.load(Self.phonesAndLaptops)
        let journey = JourneyDefinition(name: "j", windowMilliseconds: 86_400_000, stages: [
            StageDefinition(name: "view", events: ["view"]), StageDefinition(name: "cart", events: ["cart"]),
        ])
        let split = try store.reach(journey, breakdown: .property("category"))
        #expect(split.groups.map(\.value) == ["laptop", "phone"])
        #expect(split.groups.map { $0.stages.map(\.reached) } == [[1, 1], [1, 1]])
        // Only phone events: u1 has a phone view and no phone cart.
        #expect(try store.reach(journey, filters: ["category=phone"]).stages.map(\.reached) == [2, 1])
        #expect(try store.reach(journey, filters: ["category!=phone"]).stages.map(\.reached) == [1, 1])
        #expect(try store.reach(journey, filters: ["category~lap*"]).stages.map(\.reached) == [1, 1])
        #expect(try store.reach(journey, filters: ["category?", "event_type=view"]).stages.map(\.reached) == [2, 0])
        let unknown = #expect(throws: UnknownField.self) { try store.reach(journey, filters: ["categroy=phone"]) }
        #expect(unknown?.suggestion == "category")
    }

    @Test("timelines with per-record property pairs (before migration 9) are derived again on the next open")
    func propertyColumnsAfterMigration() throws {
        let store = try Store()
        try store.load(Self.phonesAndLaptops)
        let journey = JourneyDefinition(name: "j", windowMilliseconds: 86_400_000, stages: [
            StageDefinition(name: "view", events: ["view"]), StageDefinition(name: "cart", events: ["cart"]),
        ])
        let expected = try store.reach(journey, breakdown: .property("category")).groups.map { $0.stages.map(\.reached) }
        // As written before: per record a pair count, then its pairs; migration 9 not yet applied.
        let database = store.workspace.database
        let category = try #require(try database.scalarInt("SELECT id FROM properties WHERE name = 'category'"))
        let phone = try #require(try database.scalarInt("SELECT id FROM labels WHERE value = 'phone'"))
        let old = PropertyCodec.encode([(category, phone)])
        try database.run("UPDATE timelines SET props = ?", .blob(Data([1] + old + [1] + old + [1] + old)))
        try database.execute("DELETE FROM schema_migrations WHERE version = 9")
        let path = store.directory.path("open.sqlite")
        try store.workspace.close()
        let reopened = try Workspace.open(path: path)
        var query = FunnelQuery(journey: journey)
        query.breakdown = .property("category")
        let split = try reopened.funnel(query)
        #expect(split.groups.map(\.value) == ["laptop", "phone"])
        #expect(split.groups.map { $0.stages.map(\.reached) } == expected)
        #expect(try reopened.database.scalarText("SELECT value FROM settings WHERE key = 'rederive'") == nil)
    }

    @Test("breakdowns and filters read property ids of every length (values made after 300 or 17,000 others)",
          arguments: [300, 17_000])
    func propertyIdsOfEveryLength(valuesBefore: Int) throws {
        let store = try Store()
        // Distinct skus come first, so the values below get label ids above 127 (two-byte numbers in
        // the timelines' pairs) or above 16,383 (three bytes).
        var csv = "timestamp,user_id,event_type,sku,category\n"
        for index in 0..<valuesBefore { csv += "2024-02-01T00:00:00Z,f\(index),browse,s\(index),\n" }
        csv += """
            2024-03-01T10:00:00Z,u1,view,x1,phone
            2024-03-03T10:00:00Z,u1,view,x2,laptop
            2024-03-03T10:05:00Z,u1,cart,x2,laptop
            2024-03-01T10:00:00Z,u2,view,x1,phone
            2024-03-01T10:01:00Z,u2,cart,x1,phone

            """
        try store.load(csv)
        let journey = JourneyDefinition(name: "j", windowMilliseconds: 86_400_000, stages: [
            StageDefinition(name: "view", events: ["view"]), StageDefinition(name: "cart", events: ["cart"]),
        ])
        // As in the small case above: u1 counts under its laptop view, u2 under its phone view.
        let byCategory = try store.reach(journey, breakdown: .property("category"))
        #expect(byCategory.groups.map(\.value) == ["laptop", "phone"])
        #expect(byCategory.groups.map { $0.stages.map(\.reached) } == [[1, 1], [1, 1]])
        let bySKU = try store.reach(journey, breakdown: .property("sku"))
        #expect(bySKU.groups.map(\.value) == ["x1", "x2"])
        #expect(bySKU.groups.map { $0.stages.map(\.reached) } == [[1, 1], [1, 1]])
        #expect(try store.reach(journey, filters: ["category=phone"]).stages.map(\.reached) == [2, 1])
        let filtered = try store.reach(journey, filters: ["sku=x1"], breakdown: .property("category"))
        #expect(filtered.groups.map(\.value) == ["phone"])
        #expect(filtered.groups.map { $0.stages.map(\.reached) } == [[2, 1]])
    }

    @Test("a column named twice: the first value is the property's, in breakdowns (with or without filters) and sessions")
    func propertyNamedTwice() throws {
        let store = try Store()
        try store.load("""
            timestamp,user_id,event_type,brand,brand
            2024-01-01T00:00:00Z,u1,view,apple,samsung
            2024-01-01T00:01:00Z,u1,cart,apple,samsung

            """)
        let journey = JourneyDefinition(name: "j", windowMilliseconds: 86_400_000, stages: [
            StageDefinition(name: "view", events: ["view"]), StageDefinition(name: "cart", events: ["cart"]),
        ])
        #expect(try store.reach(journey, breakdown: .property("brand")).groups.map(\.value) == ["apple"])
        #expect(try store.reach(journey, filters: ["brand?"], breakdown: .property("brand")).groups.map(\.value) == ["apple"])
        #expect(try store.reach(journey, filters: ["brand=samsung"]).stages.map(\.reached) == [0, 0])
        // The session keeps one pair per property: the first value.
        let database = try Database(path: store.directory.path("open.sqlite"))
        let props = try database.query("SELECT props FROM sessions", []) { Array($0.data(0)) }
        #expect(props.count == 1)
        let pairs = PropertyCodec.decode(props[0])
        #expect(pairs.count == 1)
        #expect(try database.scalarText("SELECT value FROM labels WHERE id = ?", .integer(pairs[0].value)) == "apple")
    }

    @Test("a stage's own where: narrows that stage only; sessions and the report take --where too")
    func stageWhereSessionsAndReport() throws {
        let store = try Store()
        try store.load(Self.phonesAndLaptops)
        let journey = try JourneyDefinition.parse("""
            name: phone-first
            window: 3d
            stages:
              - {name: phone view, events: [view], where: [category=phone]}
              - {name: cart, events: [cart]}
            """)
        #expect(journey.stages[0].filters == [try FieldFilter(parsing: "category=phone")])
        // u1's phone view on March 1 and laptop cart 2 days later (within 3 days) count: only stage 1 is narrowed.
        #expect(try store.reach(journey).stages.map(\.reached) == [2, 2])
        // The same condition for every stage drops u1's laptop cart.
        #expect(try store.reach(journey, filters: ["category=phone"]).stages.map(\.reached) == [2, 1])
        #expect(throws: JourneyDefinition.Invalid.self) {
            _ = try JourneyDefinition.parse("stages:\n  - {name: a, events: [x], where: [brand]}\n")
        }
        // Sessions: u1's first session starts with a phone view, its second with a laptop view.
        let sessions = try store.workspace.sessions(filters: [try FieldFilter(parsing: "category=laptop")])
        #expect(sessions.rows.count == 1)
        #expect(sessions.rows.first?.first == .text("u1"))
        #expect(throws: UnknownField.self) { _ = try store.workspace.sessions(filters: [try FieldFilter(parsing: "event_type=view")]) }
        // The journey view lists only the events meeting the conditions; its sessions stay.
        let journeyJSON = try store.workspace.journey(of: "u1", filters: [try FieldFilter(parsing: "category=laptop")]).render(.json)
        let object = try JSONSerialization.jsonObject(with: Data(journeyJSON.utf8)) as? [String: Any]
        let listed = (object?["sessions"] as? [[String: Any]])?.map { ($0["events"] as? [Any])?.count ?? -1 }
        #expect(listed == [0, 2])
        // The report applies the conditions to its funnels and KPIs, and says so.
        var options = ConversionReport.Options()
        options.filters = [try FieldFilter(parsing: "category=phone")]
        let report = try store.workspace.report(options)
        #expect(report.kpisByChannel.total.sessions == 2)
        #expect(report.markdown.contains("where `category=phone`"))
    }

    // MARK: URLs and channels

    @Test("URLs give pages and UTM properties; the default channel grouping gives each session a GA4-style channel")
    func utmAndChannels() throws {
        let store = try Store()
        // One session per user; the expected channel of each is in the comment after it.
        try store.load("""
            timestamp,user_id,event_type,page_url,referrer
            2024-03-01T10:00:00Z,u1,page_view,https://shop.example/?utm_source=google&utm_medium=cpc&utm_campaign=spring,
            2024-03-01T10:00:00Z,u2,page_view,https://shop.example/p/1?gclid=abc,
            2024-03-01T10:00:00Z,u3,page_view,https://shop.example/blog,https://www.google.com/
            2024-03-01T10:00:00Z,u4,page_view,https://shop.example/?utm_source=newsletter&utm_medium=email,
            2024-03-01T10:00:00Z,u5,page_view,https://shop.example/,https://shop.example/other
            2024-03-01T10:00:00Z,u6,page_view,https://shop.example/?utm_source=facebook&utm_medium=paid_social,
            2024-03-01T10:00:00Z,u7,page_view,https://shop.example/?fbclid=xyz,
            2024-03-01T10:00:00Z,u8,page_view,https://shop.example/,
            2024-03-01T10:00:01Z,u8,page_view,https://shop.example/?utm_source=instagram&utm_medium=social,
            2024-03-01T10:00:00Z,u9,page_view,https://shop.example/,https://blog.partner.example/post
            2024-03-01T10:00:00Z,u10,page_view,https://shop.example/?utm_source=partner&utm_medium=affiliate,
            2024-03-01T10:00:00Z,u11,page_view,https://shop.example/?utm_medium=display&utm_source=gdn,
            2024-03-01T10:00:00Z,u12,page_view,https://shop.example/?utm_source=foo&utm_medium=bar,
            2024-03-01T10:00:00Z,u13,page_view,/sale?utm_source=Spring%20Mail&utm_medium=e-mail,
            """)
        // u1 paid search (cpc), u2 paid search (gclid), u3 organic search (referrer), u4 email, u5 direct (own
        // site's referrer), u6 paid social, u7 organic social (fbclid), u8 organic social (the tag a second
        // later), u9 referral, u10 affiliates, u11 display, u12 other, u13 email (decoded source, e-mail medium).
        let channels = try store.workspace.touchpoints(by: .channel).rows
        let byChannel = Dictionary(uniqueKeysWithValues: channels.map { ($0.touchpoint, $0.sessions) })
        #expect(byChannel == ["Paid Search": 2, "Organic Search": 1, "Email": 2, "Direct": 1, "Paid Social": 1,
                              "Organic Social": 2, "Referral": 1, "Affiliates": 1, "Display": 1, "Other": 1])
        let sources = try store.workspace.touchpoints(by: .property("utm_source")).rows
        let bySource = Dictionary(uniqueKeysWithValues: sources.map { ($0.touchpoint, $0.sessions) })
        #expect(bySource == ["google": 1, "newsletter": 1, "facebook": 1, "instagram": 1, "partner": 1, "gdn": 1, "foo": 1,
                             "Spring Mail": 1, "(none)": 5])
        // utm_campaign fills the campaign; the URL's path is the page.
        #expect(try store.workspace.touchpoints(by: .campaign).rows.first { $0.touchpoint == "spring" }?.sessions == 1)
        let pages = try store.workspace.touchpoints(by: .landingPage).rows
        #expect(Set(pages.map(\.touchpoint)) == ["/", "/p/1", "/blog", "/sale"])
        #expect(try store.workspace.touchpoints(by: .channel, filters: [try FieldFilter(parsing: "gclid?")]).total.sessions == 1)
        #expect(try store.workspace.touchpoints(by: .channel, filters: [try FieldFilter(parsing: "referrer~*google*")])
            .total.sessions == 1)
    }

    @Test("URL parts: hosts, paths, percent-decoding, parameters")
    func pageURLs() {
        let url = PageURL("https://user@WWW.Shop.example:8443/a/b?utm_source=a%20b&x=1+2&empty=#top")
        #expect(url.host == "shop.example")
        #expect(url.path == "/a/b")
        #expect(url.parameter("utm_source") == "a b")
        #expect(url.parameter("x") == "1 2")
        #expect(url.parameter("empty") == nil)
        #expect(PageURL("/only/path?q=1").host == nil)
        #expect(PageURL("/only/path?q=1").path == "/only/path")
        #expect(PageURL("shop.example/p?q=1").host == "shop.example")
        #expect(PageURL("https://shop.example").path == "/")
        #expect(PageURL("https://x.example/?a=%zz").parameter("a") == "%zz")
    }

    // MARK: --where syntax

    @Test("--where forms parse, and malformed ones say what is wrong")
    func filterSyntax() throws {
        #expect(try FieldFilter(parsing: "brand=samsung,apple").operation == .anyOf(["samsung", "apple"]))
        #expect(try FieldFilter(parsing: "brand!=samsung").operation == .noneOf(["samsung"]))
        #expect(try FieldFilter(parsing: "price>=100").operation == .greaterOrEqual(100))
        #expect(try FieldFilter(parsing: "price<9.5").operation == .less(9.5))
        #expect(try FieldFilter(parsing: "price>0").operation == .greater(0))
        #expect(try FieldFilter(parsing: "price<=1e3").operation == .lessOrEqual(1000))
        #expect(try FieldFilter(parsing: "category_code~electronics.*").operation == .glob("electronics.*"))
        #expect(try FieldFilter(parsing: "utm_source?").operation == .present)
        #expect(try FieldFilter(parsing: "page=/a=b").operation == .anyOf(["/a=b"]))
        for bad in ["brand", "=x", "brand=", "brand=a,,b", "price>=abc", "brand!x", "price<", "x~"] {
            #expect(throws: FieldFilter.Malformed.self, "\(bad)") { _ = try FieldFilter(parsing: bad) }
        }
        let numeric = try FieldFilter(parsing: "price>=100")
        #expect(numeric.matches("100") && numeric.matches("250.5") && !numeric.matches("99.99"))
        #expect(!numeric.matches("n/a") && !numeric.matches(nil))
        #expect(try FieldFilter(parsing: "brand!=x").matches(nil))
    }
}
