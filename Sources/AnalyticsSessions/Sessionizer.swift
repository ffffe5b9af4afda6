import AnalyticsCore

/// Cuts one user's events and orders into sessions.
///
/// Rows with a session id belong to that session (ids are scoped to the
/// user). Rows without one are sessionized among themselves in journey
/// order: a new session starts at the first and whenever the gap to the
/// previous such row is strictly greater than the timeout (a gap of exactly
/// the timeout stays in the session).
package struct Sessionizer: Sendable {
    /// The inactivity timeout, in milliseconds.
    package let timeoutMilliseconds: Int64
    /// The event type ids that count as page views (`page_view` and its role's names).
    package let pageViewTypeIDs: Set<Int64>

    package static let defaultTimeoutMilliseconds: Int64 = 30 * 60 * 1000

    /// The channel of sessions none of whose events has one (`Direct` under the
    /// default channel grouping); nil leaves them without a channel.
    package let defaultChannelID: Int64?

    /// `pageViewTypeIDs` read per event.
    private let pageViews: IDTable<Bool>

    package init(timeoutMilliseconds: Int64 = Sessionizer.defaultTimeoutMilliseconds, pageViewTypeIDs: Set<Int64>,
                 defaultChannelID: Int64? = nil) {
        self.timeoutMilliseconds = timeoutMilliseconds
        self.pageViewTypeIDs = pageViewTypeIDs
        self.defaultChannelID = defaultChannelID
        pageViews = IDTable(Dictionary(uniqueKeysWithValues: pageViewTypeIDs.map { ($0, true) }))
    }

    /// With one page view type (or none).
    package init(timeoutMilliseconds: Int64 = Sessionizer.defaultTimeoutMilliseconds, pageViewTypeID: Int64?) {
        self.init(timeoutMilliseconds: timeoutMilliseconds, pageViewTypeIDs: Set(pageViewTypeID.map { [$0] } ?? []))
    }

    /// Sessionizes one user's rows.
    /// - Parameter events: the user's rows in any order; sorted in place into journey order.
    /// - Returns: the sessions ordered by start (ordinal 1 first), and for each
    ///   row (in the sorted order) the index of its session in that array.
    package func sessionize(_ events: inout [JourneyEvent]) -> (sessions: [Session], sessionOfEvent: [Int]) {
        Self.mergeOrderRows(&events)
        // Stored events come in time order: most users' rows need no sort.
        let ordered = events.withUnsafeBufferPointer { rows in
            rows.indices.dropFirst().allSatisfy { !JourneyEvent.journeyOrder(rows[$0], rows[$0 - 1]) }
        }
        if !ordered { events.sort(by: JourneyEvent.journeyOrder) }
        // Rows are read in place: a row is about 190 bytes with five counted references, and
        // copying each one per loop showed as copies and reference counting in import profiles.
        return events.withUnsafeBufferPointer { events in
            // Assign each row a provisional group: keyed sessions by key, the rest by gaps.
            var groupOfEvent = [Int](repeating: 0, count: events.count)
            var keyedGroups: [String: Int] = [:]
            var groupCount = 0
            var lastUnkeyed: Int64?
            var currentUnkeyedGroup = -1
            for index in events.indices {
                if let key = events[index].sessionKey {
                    if let group = keyedGroups[key] {
                        groupOfEvent[index] = group
                    } else {
                        keyedGroups[key] = groupCount
                        groupOfEvent[index] = groupCount
                        groupCount += 1
                    }
                } else {
                    let timestamp = events[index].timestamp
                    if let last = lastUnkeyed, timestamp - last <= timeoutMilliseconds {
                        groupOfEvent[index] = currentUnkeyedGroup
                    } else {
                        currentUnkeyedGroup = groupCount
                        groupOfEvent[index] = groupCount
                        groupCount += 1
                    }
                    lastUnkeyed = timestamp
                }
            }
            return (sessions(of: events, groupOfEvent: groupOfEvent, groupCount: groupCount, keyedGroups: keyedGroups),
                    groupOfEvent)
        }
    }

    /// The sessions of rows in journey order, given each row's group (groups numbered by their first row).
    private func sessions(of events: UnsafeBufferPointer<JourneyEvent>, groupOfEvent: [Int], groupCount: Int,
                          keyedGroups: [String: Int]) -> [Session] {
        var sessions: [Session] = []
        sessions.reserveCapacity(groupCount)
        // Lines of one order count it once (in the session of its first line).
        var countedOrders = Set<String>(), revenueOrders = Set<String>()
        var sessionProps: [FirstValues] = []
        var keyOfGroup = [String?](repeating: nil, count: keyedGroups.isEmpty ? 0 : groupCount)
        for (key, group) in keyedGroups { keyOfGroup[group] = key }
        for index in events.indices {
            let group = groupOfEvent[index]
            let timestamp = events[index].timestamp
            if group == sessions.count {
                sessions.append(Session(ordinal: 0, sessionKey: keyOfGroup.isEmpty ? nil : keyOfGroup[group], start: timestamp,
                                        end: timestamp, events: 0, pageViews: 0, orders: 0, revenueOrders: 0,
                                        revenue: 0, channelID: events[index].channelID, deviceID: events[index].deviceID,
                                        campaignID: events[index].campaignID, landingPageID: events[index].pageID))
                sessionProps.append(FirstValues())
            } else {
                // Each touchpoint value comes from the first event that has one.
                if sessions[group].channelID == nil { sessions[group].channelID = events[index].channelID }
                if sessions[group].deviceID == nil { sessions[group].deviceID = events[index].deviceID }
                if sessions[group].campaignID == nil { sessions[group].campaignID = events[index].campaignID }
            }
            if !events[index].props.isEmpty { sessionProps[group].add(events[index].props) }
            sessions[group].end = max(sessions[group].end, timestamp)
            sessions[group].events += 1
            if events[index].isOrder {
                let orderKey = events[index].orderKey
                if orderKey.map({ countedOrders.insert($0).inserted }) ?? true { sessions[group].orders += 1 }
                if events[index].countsRevenue {
                    if orderKey.map({ revenueOrders.insert($0).inserted }) ?? true { sessions[group].revenueOrders += 1 }
                    sessions[group].revenue += events[index].revenue
                }
            } else if pageViews[events[index].eventTypeID] ?? false {
                sessions[group].pageViews += 1
            }
        }
        for index in sessions.indices {
            sessions[index].props = sessionProps[index].encoded
            if sessions[index].channelID == nil { sessions[index].channelID = defaultChannelID }
        }
        // Groups are already in order of their first row, which is the start time.
        for index in sessions.indices { sessions[index].ordinal = index + 1 }
        return sessions
    }

    /// An orders-file row with the order id of an order event is that order: the
    /// row's amount and status go to the order's first line (the others add
    /// nothing), and so do its properties where the line has none; the order
    /// keeps the event's time, and the row itself goes.
    static func mergeOrderRows(_ events: inout [JourneyEvent]) {
        guard events.contains(where: { $0.fromOrdersFile }) else { return }
        var firstLine: [String: Int] = [:]
        for index in events.indices where events[index].isOrder && !events[index].fromOrdersFile {
            guard let key = events[index].orderKey else { continue }
            if let first = firstLine[key] {
                if JourneyEvent.journeyOrder(events[index], events[first]) { firstLine[key] = index }
            } else {
                firstLine[key] = index
            }
        }
        guard !firstLine.isEmpty else { return }
        var merged: [Int] = []
        for index in events.indices where events[index].fromOrdersFile {
            guard let key = events[index].orderKey, let first = firstLine[key] else { continue }
            for line in events.indices where !events[line].fromOrdersFile && events[line].orderKey == key {
                events[line].revenue = line == first ? events[index].revenue : 0
                events[line].countsRevenue = line == first && events[index].countsRevenue
            }
            // The row's extra columns become properties of the order, where its first line has none.
            events[first].props = PropertyCodec.merged(events[first].props, events[index].props)
            merged.append(index)
        }
        for index in merged.reversed() { events.remove(at: index) }
    }

}

/// A session's first value of each property, event after event (first value wins).
///
/// A session's events usually have the same properties: the first event's pairs are the session's
/// until an event brings a property they lack. Only then are pairs decoded and merged (a session
/// with an array of pairs per event showed as allocations and scans in import profiles).
private struct FirstValues {
    /// The first event's pairs, while no later event has added a property.
    private var first = PropertyBytes()
    /// The properties of `first` (ids below 64, one bit each).
    private var mask: UInt64 = 0
    /// Every pair so far, once `first` alone no longer says them.
    private var pairs: [(property: Int64, value: Int64)]?

    mutating func add(_ props: PropertyBytes) {
        if pairs == nil {
            let properties = Self.mask(props)
            if first.isEmpty, let properties {
                (first, mask) = (props, properties)
                return
            }
            if let properties, properties & ~mask == 0 { return }
            pairs = PropertyCodec.decode(first)
        }
        props.withUnsafeBytes { bytes in
            var offset = 0
            while let property = PropertyCodec.readVarint(bytes, &offset), let value = PropertyCodec.readVarint(bytes, &offset) {
                let id = Int64(property)
                // Also within one event: a header may name a column twice, and its first value wins.
                if !pairs!.contains(where: { $0.property == id }) { pairs!.append((id, Int64(value))) }
            }
        }
    }

    /// The pairs (`PropertyCodec`), in property id order.
    var encoded: [UInt8] {
        guard let pairs else { return first.isEmpty ? [] : first.array }
        let ordered = pairs.indices.dropFirst().allSatisfy { pairs[$0 - 1].property < pairs[$0].property }
        return PropertyCodec.encode(ordered ? pairs : pairs.sorted { $0.property < $1.property })
    }

    /// One bit per property of pairs in strictly ascending property order, all ids below 64; nil otherwise.
    private static func mask(_ props: PropertyBytes) -> UInt64? {
        props.withUnsafeBytes { bytes in
            var mask: UInt64 = 0
            var index = 0
            while index < bytes.count {
                // An id below 64 is one byte; the value's varint is skipped, not decoded.
                let property = bytes[index]
                guard property < 64, mask >> property == 0 else { return nil }
                mask |= 1 << property
                index += 1
                while index < bytes.count, bytes[index] >= 0x80 { index += 1 }
                guard index < bytes.count else { return nil }
                index += 1
            }
            return mask
        }
    }
}
