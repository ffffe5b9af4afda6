import Foundation
import AnalyticsCore
import AnalyticsStorage

/// Writes realistic, deterministic `events.csv` and `orders.csv`: users with
/// several sessions over weeks, landing channels and devices, many bounces,
/// product views, carts, checkouts, orders, repeat orders, and reviews,
/// referrals and shares after orders. Same seed, same bytes.
public struct DataGenerator: Sendable {
    public var events: Int
    public var seed: UInt64
    /// The first day of the generated period (UTC midnight, milliseconds).
    public var start: Int64 = Timestamp.milliseconds(year: 2024, month: 3, day: 1)
    /// The length of the period in days.
    public var days: Int = 56

    public init(events: Int, seed: UInt64) {
        self.events = events
        self.seed = seed
    }

    /// What was written.
    public struct Output: Sendable {
        public let eventsPath: String
        public let ordersPath: String
        public let events: Int
        public let orders: Int
        public let users: Int
    }

    static let channels = ["organic_search", "paid_search", "social", "email", "referral", "direct", "display"]
    static let channelWeights = [30.0, 20, 15, 9, 7, 14, 5]
    /// How likely a session from each channel is to go past the landing page.
    static let channelEngagement = [0.62, 0.55, 0.38, 0.70, 0.60, 0.66, 0.30]
    static let devices = ["mobile", "desktop", "tablet"]
    static let deviceWeights = [55.0, 37, 8]
    /// Mobile journeys break more often at checkout.
    static let deviceCheckout = [0.42, 0.62, 0.50]
    static let campaigns: [String: [String]] = [
        "paid_search": ["brand_search", "generic_search"],
        "social": ["spring_a", "spring_b"],
        "email": ["newsletter", "winback"],
        "display": ["retargeting"],
    ]
    static let landingPages = ["/", "/", "/sale", "/category/shoes", "/category/bags", "/blog/style-guide"]

    private struct Row {
        var timestamp: Int64
        var user: Int32
        var type: UInt8
        var channel: UInt8
        var device: UInt8
        var campaign: UInt8
        var page: Int32
        var revenue: Int32
    }

    static let types = ["page_view", "product_view", "search", "add_to_cart", "checkout", "order",
                        "review", "referral", "share"]

    /// Generates into `folder`, creating it when needed.
    /// - Throws: file system errors.
    public func write(to folder: String) throws -> Output {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var random = SplitMix64(seed: seed)
        var rows: [Row] = []
        rows.reserveCapacity(events + events / 8)
        var user: Int32 = 0
        let periodMs = Int64(days) * 86_400_000
        var eventCount = 0
        while eventCount < events {
            user += 1
            eventCount += generateUser(user, into: &rows, random: &random, periodMs: periodMs)
        }
        // The last user went past the count: drop their latest rows.
        while eventCount > events, let last = rows.popLast() {
            if last.type != 5 { eventCount -= 1 }
        }
        rows.sort { ($0.timestamp, $0.user, $0.type) < ($1.timestamp, $1.user, $1.type) }
        let eventsPath = URL(fileURLWithPath: folder).appending(path: "events.csv").path
        let ordersPath = URL(fileURLWithPath: folder).appending(path: "orders.csv").path
        let eventsFile = try BufferedWriter(path: eventsPath)
        let ordersFile = try BufferedWriter(path: ordersPath)
        eventsFile.write("event_id,timestamp,user_id,event_type,page,channel,device,campaign\n")
        ordersFile.write("order_id,timestamp,user_id,revenue,currency,status\n")
        var written = 0, orders = 0
        var statusRandom = SplitMix64(seed: seed ^ 0x5EED)
        let campaignNames = Self.allCampaigns
        for row in rows {
            if row.type == 5 {
                orders += 1
                let status = statusRandom.chance(0.06) ? "refunded" : "completed"
                ordersFile.write("s\(seed)o\(orders),\(Timestamp.iso8601(row.timestamp)),u\(row.user),"
                    + "\(row.revenue / 100).\(pad2(row.revenue % 100)),EUR,\(status)\n")
                continue
            }
            written += 1
            let page = Self.page(of: row)
            let campaign = row.campaign == 0 ? "" : campaignNames[Int(row.campaign) - 1]
            eventsFile.write("s\(seed)e\(written),\(Timestamp.iso8601(row.timestamp)),u\(row.user),\(Self.types[Int(row.type)]),"
                + "\(page),\(Self.channels[Int(row.channel)]),\(Self.devices[Int(row.device)]),\(campaign)\n")
        }
        try eventsFile.close()
        try ordersFile.close()
        return Output(eventsPath: eventsPath, ordersPath: ordersPath, events: written, orders: orders,
                      users: Int(user))
    }

    private static let allCampaigns = campaigns.keys.sorted().flatMap { campaigns[$0] ?? [] }
    /// Per channel, the 1-based positions in `allCampaigns` of its campaigns.
    private static let campaignCodes: [[UInt8]] = channels.map { channel in
        (campaigns[channel] ?? []).compactMap { name in allCampaigns.firstIndex(of: name).map { UInt8($0 + 1) } }
    }

    private static func page(of row: Row) -> String {
        switch row.type {
        case 0: return row.page < 0 ? landingPages[Int(-row.page - 1)] : "/product/\(row.page)"
        case 1, 3, 6: return "/product/\(row.page)"
        case 2: return "/search"
        case 4: return "/checkout"
        default: return ""
        }
    }

    private func pad2(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }

    /// One user's sessions; returns the number of (non-order) events added.
    private func generateUser(_ user: Int32, into rows: inout [Row], random: inout SplitMix64, periodMs: Int64) -> Int {
        let acquisition = random.pick(Self.channelWeights)
        let device = random.pick(Self.deviceWeights)
        var time = start + Int64(random.unit() * Double(periodMs) * 0.8)
        let sessions = 1 + min(7, Int(-log(1 - random.unit()) * 1.2))
        var added = 0
        var hasOrdered = false
        for session in 0..<sessions {
            let channel = session == 0 ? acquisition : random.pick([10, 6, 4, 12, 3, 22, 3])
            let sessionDevice = random.chance(0.85) ? device : random.pick(Self.deviceWeights)
            let campaignCodes = Self.campaignCodes[channel]
            let campaign: UInt8 = campaignCodes.isEmpty ? 0 : campaignCodes[random.int(0...campaignCodes.count - 1)]
            func add(_ type: UInt8, page: Int32 = 0, revenue: Int32 = 0) {
                rows.append(Row(timestamp: time, user: user, type: type, channel: UInt8(channel), device: UInt8(sessionDevice),
                                campaign: campaign, page: page, revenue: revenue))
                if type != 5 { added += 1 }
                time += Int64(3_000 + random.unit() * 150_000)
            }
            add(0, page: -Int32(random.int(1...Self.landingPages.count)))
            var engagement = Self.channelEngagement[channel] + (session > 0 ? 0.1 : 0)
            if random.chance(0.08) { engagement = 0 }
            if random.chance(engagement) {
                let views = 1 + Int(-log(1 - random.unit()) * 1.8)
                for _ in 0..<views {
                    if random.chance(0.2) { add(2) }
                    let product = Int32(random.int(1...400))
                    add(0, page: product)
                    add(1, page: product)
                }
                if random.chance(0.45 + (hasOrdered ? 0.1 : 0)) {
                    add(3, page: Int32(random.int(1...400)))
                    if random.chance(Self.deviceCheckout[sessionDevice]) {
                        add(4)
                        if random.chance(0.72) {
                            add(5, revenue: Int32(1_500 + random.unit() * 18_000))
                            hasOrdered = true
                        }
                    }
                }
                if hasOrdered && session > 0 && random.chance(0.35) {
                    add(UInt8(6 + random.int(0...2)), page: Int32(random.int(1...400)))
                }
            }
            // The next visit comes hours to weeks later.
            time += Int64(3_600_000 + random.unit() * random.unit() * 14 * 86_400_000)
        }
        return added
    }
}

/// Appends text to a file through a large buffer.
final class BufferedWriter {
    private let handle: FileHandle
    private var buffer: [UInt8] = []

    init(path: String) throws {
        // A file that cannot be created shows as the FileHandle error below.
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: 0)
        buffer.reserveCapacity(1 << 20)
    }

    func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 20 { flush() }
    }

    private func flush() {
        handle.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws {
        flush()
        try handle.close()
    }
}
