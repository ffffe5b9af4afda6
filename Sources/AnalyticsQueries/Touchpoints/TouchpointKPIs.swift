import AnalyticsCore
import AnalyticsStorage

/// What the KPIs need of one session.
package struct SessionFacts: Sendable, Equatable {
    package var userID: Int64
    package var durationMilliseconds: Int64
    package var events: Int
    package var pageViews: Int
    package var orders: Int
    package var revenueOrders: Int
    package var revenue: Double

    package init(userID: Int64, durationMilliseconds: Int64, events: Int, pageViews: Int = 0, orders: Int = 0,
                revenueOrders: Int = 0, revenue: Double = 0) {
        self.userID = userID
        self.durationMilliseconds = durationMilliseconds
        self.events = events
        self.pageViews = pageViews
        self.orders = orders
        self.revenueOrders = revenueOrders
        self.revenue = revenue
    }
}

/// The KPIs of one touchpoint value (or of all sessions). Rates are fractions
/// in [0, 1], nil when their denominator is 0; durations are in seconds.
/// Definitions: docs/metrics.md.
public struct TouchpointKPI: Sendable, Equatable {
    public var touchpoint: String
    public var sessions: Int
    public var users: Int
    public var events: Int
    public var bounceRate: Double?
    public var averageSessionSeconds: Double?
    public var medianSessionSeconds: Double?
    public var p90SessionSeconds: Double?
    public var engagedRate: Double?
    public var conversionRate: Double?
    public var orders: Int
    public var revenue: Double
    public var averageOrderValue: Double?
    public var revenuePerSession: Double?

    /// A session is engaged when it lasted at least this long (GA4's rule).
    package static let engagedMilliseconds: Int64 = 10_000

    /// Computes the KPIs of a group of sessions.
    package init(touchpoint: String, sessions facts: [SessionFacts]) {
        var accumulator = TouchpointAccumulator()
        for fact in facts { accumulator.add(fact) }
        self = accumulator.kpi(touchpoint: touchpoint)
    }

    init(touchpoint: String, sessions: Int, users: Int, events: Int, bounceRate: Double?, averageSessionSeconds: Double?,
         medianSessionSeconds: Double?, p90SessionSeconds: Double?, engagedRate: Double?, conversionRate: Double?,
         orders: Int, revenue: Double, averageOrderValue: Double?, revenuePerSession: Double?) {
        self.touchpoint = touchpoint
        self.sessions = sessions
        self.users = users
        self.events = events
        self.bounceRate = bounceRate
        self.averageSessionSeconds = averageSessionSeconds
        self.medianSessionSeconds = medianSessionSeconds
        self.p90SessionSeconds = p90SessionSeconds
        self.engagedRate = engagedRate
        self.conversionRate = conversionRate
        self.orders = orders
        self.revenue = revenue
        self.averageOrderValue = averageOrderValue
        self.revenuePerSession = revenuePerSession
    }
}

/// Sums what the KPIs need, one session at a time.
struct TouchpointAccumulator {
    /// Rounds to 6 decimals.
    static func microseconds(_ value: Double) -> Double { (value * 1_000_000).rounded() / 1_000_000 }

    private var sessions = 0
    /// User ids, one per session; distinct ones are counted at the end
    /// (sorting beats a growing hash set for millions of sessions).
    private var users: [Int64] = []
    private var events = 0
    private var bounces = 0
    private var durations: [Double] = []
    private var totalMilliseconds: Int64 = 0
    private var engaged = 0
    private var converted = 0
    private var orders = 0
    private var revenueOrders = 0
    private var revenue = 0.0

    mutating func add(_ session: SessionFacts) {
        sessions += 1
        users.append(session.userID)
        events += session.events
        if session.events == 1 { bounces += 1 }
        durations.append(Double(session.durationMilliseconds) / 1000)
        totalMilliseconds += session.durationMilliseconds
        if session.durationMilliseconds >= TouchpointKPI.engagedMilliseconds || session.pageViews >= 2 || session.orders >= 1 {
            engaged += 1
        }
        if session.orders >= 1 { converted += 1 }
        orders += session.orders
        revenueOrders += session.revenueOrders
        revenue += session.revenue
    }

    func kpi(touchpoint: String) -> TouchpointKPI {
        let count = Double(sessions)
        let sortedUsers = users.sorted()
        let distinctUsers = sortedUsers.indices.reduce(0) { $0 + ($1 == 0 || sortedUsers[$1] != sortedUsers[$1 - 1] ? 1 : 0) }
        // Sums and interpolations in floating point pick up noise such as
        // 4015.9300000000003; amounts and seconds are kept to 6 decimals.
        let revenue = Self.microseconds(self.revenue)
        var durations = self.durations
        let quantiles = Statistics.quantiles(unsorted: &durations, [0.5, 0.9])
        return TouchpointKPI(
            touchpoint: touchpoint, sessions: sessions, users: distinctUsers, events: events,
            bounceRate: Statistics.ratio(Double(bounces), count),
            averageSessionSeconds: Statistics.ratio(Double(totalMilliseconds) / 1000, count).map(Self.microseconds),
            medianSessionSeconds: quantiles[0].map(Self.microseconds),
            p90SessionSeconds: quantiles[1].map(Self.microseconds),
            engagedRate: Statistics.ratio(Double(engaged), count),
            conversionRate: Statistics.ratio(Double(converted), count),
            orders: orders, revenue: revenue,
            averageOrderValue: Statistics.ratio(revenue, Double(revenueOrders)).map(Self.microseconds),
            revenuePerSession: Statistics.ratio(revenue, count).map(Self.microseconds))
    }
}

/// The touchpoint KPI table: one row per value of a dimension, and the total.
public struct TouchpointReport: Sendable, Equatable {
    public var dimension: TouchpointDimension
    public var range: TimeRange
    /// Sorted by sessions, descending (then by name).
    public var rows: [TouchpointKPI]
    /// All sessions, touchpoint `(all)`.
    public var total: TouchpointKPI

    /// Computes the report from the stored sessions that start in `range`.
    package static func compute(_ database: Database, by dimension: TouchpointDimension,
                               range: TimeRange = .all, filters: [FieldFilter] = []) throws -> TouchpointReport {
        try compute(database, by: [dimension], range: range, filters: filters)[0]
    }

    /// Computes one report per dimension in a single read of the sessions
    /// (the total is computed once and shared). `filters` keep the sessions
    /// whose value of each field (its touchpoint, landing page or property) passes.
    /// - Throws: `UnknownField` for a dimension or filter field the database does not know.
    package static func compute(_ database: Database, by dimensions: [TouchpointDimension],
                               range: TimeRange = .all, filters: [FieldFilter] = []) throws -> [TouchpointReport] {
        let names = try LabelNames(database: database)
        let catalog = try FieldCatalog(database: database)
        let fields = try dimensions.map { try SessionField.of($0, catalog: catalog) }
        let filter = try SessionFilter(filters, catalog: catalog, names: names)
        let readsProperties = filter.readsProperties || fields.contains(where: \.readsProperties)
        var groups = [[String: TouchpointAccumulator]](repeating: [:], count: dimensions.count)
        var all = TouchpointAccumulator()
        // The start-time index pays off for narrow ranges only; a wide range reads
        // the table in order instead of looking up each row.
        let wide = try coversMost(database, range)
        let statement = try database.prepare("""
            SELECT user_id, end_ts - start_ts, events, page_views, orders, revenue_orders, revenue,
                   channel_id, device_id, campaign_id, landing_page_id, \(readsProperties ? "props" : "NULL")
            FROM sessions \(wide ? "NOT INDEXED" : "") WHERE start_ts >= ? AND start_ts < ?
            """)
        try statement.bind([.integer(range.lower), .integer(range.upper)])
        // Consecutive sessions often share a touchpoint: remember the last name per dimension.
        var lastIDs = [Int64?](repeating: -1, count: dimensions.count)
        var lastNames = [String](repeating: "", count: dimensions.count)
        var pairs: [(property: Int64, value: Int64)] = []
        while let row = try statement.step() {
            if readsProperties { pairs = row.isNull(11) ? [] : row.withBlob(11) { PropertyCodec.decode($0) } }
            let channel = row.int64OrNil(7), device = row.int64OrNil(8), campaign = row.int64OrNil(9)
            let landingPage = row.int64OrNil(10)
            guard filter.isEmpty || filter.passes(channel: channel, device: device, campaign: campaign,
                                                  landingPage: landingPage, pairs: pairs) else { continue }
            let facts = SessionFacts(userID: row.int64(0), durationMilliseconds: row.int64(1), events: row.int(2),
                                     pageViews: row.int(3), orders: row.int(4), revenueOrders: row.int(5),
                                     revenue: row.double(6))
            for index in dimensions.indices {
                let id = fields[index].value(channel: channel, device: device, campaign: campaign,
                                             landingPage: landingPage, pairs: pairs)
                if id != lastIDs[index] {
                    lastIDs[index] = id
                    lastNames[index] = names.name(id)
                }
                groups[index][lastNames[index], default: TouchpointAccumulator()].add(facts)
            }
            all.add(facts)
        }
        let total = all.kpi(touchpoint: "(all)")
        return dimensions.enumerated().map { index, dimension in
            let rows = groups[index].map { $0.value.kpi(touchpoint: $0.key) }
                .sorted { ($0.sessions, $1.touchpoint) > ($1.sessions, $0.touchpoint) }
            return TouchpointReport(dimension: dimension, range: range, rows: rows, total: total)
        }
    }

    /// Whether a range spans more than a quarter of the sessions' start times.
    static func coversMost(_ database: Database, _ range: TimeRange) throws -> Bool {
        guard range.from != nil || range.to != nil else { return true }
        let bounds = try database.query("SELECT min(start_ts), max(start_ts) FROM sessions") {
            ($0.int64OrNil(0), $0.int64OrNil(1))
        }.first
        guard let first = bounds?.0, let last = bounds?.1, last > first else { return true }
        let covered = min(range.upper, last) - max(range.lower, first)
        return Double(covered) > 0.25 * Double(last - first)
    }
}
