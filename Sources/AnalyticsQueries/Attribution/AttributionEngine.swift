import Foundation
import AnalyticsCore
import AnalyticsSessions
import AnalyticsStorage

/// Attributes orders to touchpoints from the per-user timelines and their
/// order records, in one sequential read of the users with orders.
package enum AttributionEngine {
    /// A sum that keeps the rounding error of each addition (Neumaier), so
    /// credits over millions of orders add up to the totals.
    struct CompensatedSum: Sendable {
        private(set) var sum = 0.0
        private var compensation = 0.0

        mutating func add(_ other: CompensatedSum) { add(other.value) }

        mutating func add(_ value: Double) {
            let total = sum + value
            compensation += abs(sum) >= abs(value) ? (sum - total) + value : (value - total) + sum
            sum = total
        }

        var value: Double { sum + compensation }
    }

    struct Credits: Sendable {
        var orders = CompensatedSum()
        var revenue = CompensatedSum()
    }

    /// One session of the user being read: when it started and its values.
    struct Touchpoint {
        var start: Int64
        var value: Int64
        var direct: Bool
    }

    /// - Parameter models: the models to compute side by side (default: the query's).
    /// - Throws: `UnknownField` for a property the database does not know; `SQLiteError`.
    package static func run(_ database: Database, _ query: AttributionQuery,
                            models: [AttributionModel]? = nil) throws -> AttributionReport {
        let models = models ?? [query.model]
        let names = try LabelNames(database: database)
        var property: Int64?
        if case .property(let name) = query.dimension {
            let catalog = try FieldCatalog(database: database)
            guard case .property(let id, _) = try? catalog.resolve(name) else {
                // Credit goes to a session's value: a touchpoint or a property, not an event's own type or page.
                throw UnknownField(name: name, known: TouchpointDimension.allCases.map(\.rawValue) + catalog.properties.keys.sorted())
            }
            property = id
        }
        // Channels that are not a marketing touch for last-non-direct: `direct` (any case); none is absent (0).
        let directChannels = Set(names.all(kind: "channel").filter { $0.key.lowercased() == "direct" }.map(\.value))
        let pass = AttributionPass(query: query, models: models, property: property, directChannels: directChannels)
        let partial = try TimelineHalves.run(database, pass: pass.run) { merged, part in merged.add(part) }
        let credits = partial.credits, orderCount = partial.orders, touchpointCount = partial.touchpoints
        let revenue = partial.revenue

        // Rows: every value credited under any model, with names merged (ids of one name add up).
        var byName: [String: [Credits]] = [:]
        for (position, modelCredits) in credits.enumerated() {
            for (id, credit) in modelCredits {
                let name = names.name(id > 0 ? id : nil)
                var row = byName[name] ?? Array(repeating: Credits(), count: models.count)
                row[position].orders.add(credit.orders.value)
                row[position].revenue.add(credit.revenue.value)
                byName[name] = row
            }
        }
        let totalRevenue = revenue.value
        let rows = byName.map { name, credits in
            AttributionReport.Row(value: name, credits: credits.map { credit in
                AttributionReport.Credit(orders: credit.orders.value, revenue: credit.revenue.value,
                                         orderShare: orderCount == 0 ? nil : credit.orders.value / Double(orderCount),
                                         revenueShare: totalRevenue == 0 ? nil : credit.revenue.value / totalRevenue)
            })
        }.sorted { a, b in
            let x = a.credits.first?.orders ?? 0, y = b.credits.first?.orders ?? 0
            return x != y ? x > y : ByteOrder.precedes(a.value, b.value)
        }
        return AttributionReport(models: models, dimension: query.dimension, lookbackMilliseconds: query.lookbackMilliseconds,
                                 halfLifeMilliseconds: query.halfLifeMilliseconds, range: query.range, orders: orderCount,
                                 revenue: totalRevenue,
                                 touchpointsPerOrder: orderCount == 0 ? nil : Double(touchpointCount) / Double(orderCount),
                                 rows: rows)
    }

    /// The credit each touchpoint (in order; at least one) gets under a model; they sum to 1.
    static func weigh(_ model: AttributionModel, _ touchpoints: [Touchpoint], halfLife: Double,
                      into weights: inout [Double]) {
        let count = touchpoints.count
        weights = Array(repeating: 0, count: count)
        switch model {
        case .first: weights[0] = 1
        case .last: weights[count - 1] = 1
        case .lastNonDirect: weights[touchpoints.lastIndex { !$0.direct } ?? count - 1] = 1
        case .linear: for index in 0..<count { weights[index] = 1 / Double(count) }
        case .position:
            switch count {
            case 1: weights[0] = 1
            case 2: weights = [0.5, 0.5]
            default:
                weights[0] = 0.4
                weights[count - 1] = 0.4
                for index in 1..<(count - 1) { weights[index] = 0.2 / Double(count - 2) }
            }
        case .timeDecay:
            // Ages relative to the youngest touchpoint: the same weights once normalised, and the
            // youngest weighs 1, so very old touchpoints cannot make every weight underflow to 0.
            let youngest = touchpoints.map(\.start).max() ?? 0
            for index in 0..<count {
                weights[index] = exp2(-Double(youngest - touchpoints[index].start) / halfLife)
            }
            let total = weights.reduce(0, +)
            for index in 0..<count { weights[index] /= total }
        }
    }

    /// The first index whose session meets `predicate` (which must be false, then true, along the array).
    static func partition(_ sessions: [Touchpoint], _ predicate: (Touchpoint) -> Bool) -> Int {
        var low = 0, high = sessions.count
        while low < high {
            let middle = (low + high) / 2
            if predicate(sessions[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}

/// The credits of a range of users: per model, per value id.
struct AttributionPartial: Sendable {
    var credits: [[Int64: AttributionEngine.Credits]]
    var orders = 0
    var touchpoints = 0
    var revenue = AttributionEngine.CompensatedSum()

    mutating func add(_ other: AttributionPartial) {
        for (position, modelCredits) in other.credits.enumerated() {
            for (value, credit) in modelCredits {
                credits[position][value, default: AttributionEngine.Credits()].orders.add(credit.orders)
                credits[position][value, default: AttributionEngine.Credits()].revenue.add(credit.revenue)
            }
        }
        orders += other.orders
        touchpoints += other.touchpoints
        revenue.add(other.revenue)
    }
}

/// One attribution computation over a range of users (those with orders).
struct AttributionPass: Sendable {
    let query: AttributionQuery
    let models: [AttributionModel]
    /// The property credited (`--by PROPERTY`), else nil.
    let property: Int64?
    /// Channel ids that are `direct` (any letter case).
    let directChannels: Set<Int64>

    func run(_ database: Database, users: ClosedRange<Int64>) throws -> AttributionPartial {
        typealias Touchpoint = AttributionEngine.Touchpoint
        var partial = AttributionPartial(credits: Array(repeating: [:], count: models.count))
        var sessions: [Touchpoint] = []
        var seen: [Bool] = []
        var orders: [OrderRecord] = []
        var weights: [Double] = []
        var columns = PropertyColumns(wanted: property.map { [$0] } ?? [])
        let lookback = query.lookbackMilliseconds, halfLife = Double(max(1, query.halfLifeMilliseconds))
        var cursor = TimelineCursor()

        let statement = try database.prepare("""
            SELECT records, \(property == nil ? "NULL" : "props"), orders FROM timelines
            WHERE user_id BETWEEN ? AND ? AND orders IS NOT NULL ORDER BY user_id
            """)
        try statement.bind([.integer(users.lowerBound), .integer(users.upperBound)])
        while let row = try statement.step() {
            // The user's sessions, by index: start (first record), touchpoint value, channel.
            sessions.removeAll(keepingCapacity: true)
            seen.removeAll(keepingCapacity: true)
            row.withBlob(0) { records in
                row.withBlob(1) { props in
                    if property != nil { columns.start(props) }
                    cursor.start(records)
                    while cursor.next() {
                        if property != nil { columns.next(props) }
                        let session = Int(cursor.sessionIndex)
                        while sessions.count <= session {
                            sessions.append(Touchpoint(start: .max, value: 0, direct: true))
                            seen.append(false)
                        }
                        if !seen[session] {
                            seen[session] = true
                            let touchpoint = cursor.touchpoint
                            let channel = Int64(touchpoint.channel)
                            let value: Int64
                            switch query.dimension {
                            case .channel: value = channel
                            case .device: value = Int64(touchpoint.device)
                            case .campaign: value = Int64(touchpoint.campaign)
                            case .landingPage: value = Int64(cursor.pageID)
                            case .property: value = 0
                            }
                            sessions[session] = Touchpoint(start: cursor.timestamp, value: value,
                                                           direct: channel <= 0 || directChannels.contains(channel))
                        }
                        // A session's property value: the first of its events that has one.
                        if property != nil, sessions[session].value == 0, columns.values[0] != 0 {
                            sessions[session].value = columns.values[0]
                        }
                    }
                }
            }
            row.withBlob(2) { OrderRecord.decode($0, into: &orders) }
            for order in orders where query.range.contains(order.timestamp) {
                let time = order.timestamp
                // Touchpoints: sessions starting in [time - lookback, time], and the order's own session;
                // starts ascend with the session index, so those in the lookback are one index range.
                let lower = AttributionEngine.partition(sessions) { $0.start >= time - lookback }
                let upper = AttributionEngine.partition(sessions) { $0.start > time }
                let own = Int(order.sessionIndex)
                var touchpoints = Array(lower..<upper)
                if own < sessions.count, !(lower..<upper).contains(own) {
                    touchpoints.append(own)
                    touchpoints.sort()
                }
                guard !touchpoints.isEmpty else { continue }
                partial.orders += 1
                partial.touchpoints += touchpoints.count
                let amount = order.countsRevenue ? order.revenue : 0
                partial.revenue.add(amount)
                let touched = touchpoints.map { sessions[$0] }
                for (position, model) in models.enumerated() {
                    AttributionEngine.weigh(model, touched, halfLife: halfLife, into: &weights)
                    for (index, touchpoint) in touchpoints.enumerated() where weights[index] != 0 {
                        let value = sessions[touchpoint].value
                        partial.credits[position][value, default: AttributionEngine.Credits()].orders.add(weights[index])
                        partial.credits[position][value, default: AttributionEngine.Credits()].revenue.add(weights[index] * amount)
                    }
                }
            }
        }
        return partial
    }
}
