import AnalyticsCore
import AnalyticsSessions
import AnalyticsStorage

/// `--where` conditions compiled against a database's labels: per condition, a
/// table of which value ids pass, so checking an event costs an array read per
/// condition (and, for properties, a look at the event's few property pairs).
package struct EventFilter: Sendable {
    package struct Condition: Sendable {
        package let source: FieldCatalog.Source
        /// By label id: whether the value passes.
        let allowed: [Bool]
        /// Whether an event without a value passes (`!=` only).
        let absentPasses: Bool

        /// Whether a value id passes (0 or less: absent).
        @inline(__always)
        package func passes(_ id: Int64) -> Bool {
            id <= 0 ? absentPasses : Int(id) < allowed.count && allowed[Int(id)]
        }
    }

    package let conditions: [Condition]

    package var isEmpty: Bool { conditions.isEmpty }

    /// Whether any condition reads event properties.
    package var readsProperties: Bool {
        conditions.contains { if case .property = $0.source { return true } else { return false } }
    }

    /// - Throws: `UnknownField` for a field the database does not know.
    package init(_ filters: [FieldFilter], catalog: FieldCatalog, names: LabelNames) throws {
        conditions = try filters.map { filter in
            let source = try catalog.resolve(filter.field)
            let values = names.all(kind: source.labelKind)
            var allowed = [Bool](repeating: false, count: Int(values.values.max() ?? 0) + 1)
            for (value, id) in values where filter.matches(value) { allowed[Int(id)] = true }
            return Condition(source: source, allowed: allowed, absentPasses: filter.matches(nil))
        }
    }

    /// No conditions: everything passes.
    package init() { conditions = [] }

    /// Whether an event with these value ids (nil or 0: absent) meets every condition.
    @inline(__always)
    package func passes(eventType: Int64?, page: Int64?, channel: Int64?, device: Int64?, campaign: Int64?,
                        property: (Int64) -> Int64?) -> Bool {
        conditions.allSatisfy {
            $0.passes($0.source.value(eventType: eventType, page: page, channel: channel, device: device,
                                      campaign: campaign, property: property))
        }
    }

    /// Whether a stored event (the journey view's) meets every condition: its own values and properties.
    package func passes(_ event: JourneyEvent) -> Bool {
        guard !isEmpty else { return true }
        let pairs = PropertyCodec.decode(event.props)
        return passes(eventType: event.eventTypeID, page: event.pageID, channel: event.channelID, device: event.deviceID,
                      campaign: event.campaignID) { id in pairs.first { $0.property == id }?.value }
    }
}

extension FieldCatalog.Source {
    /// This field's value id among an event's values (0 when absent).
    @inline(__always)
    package func value(eventType: Int64?, page: Int64?, channel: Int64?, device: Int64?, campaign: Int64?,
                       property: (Int64) -> Int64?) -> Int64 {
        switch self {
        case .eventType: return eventType ?? 0
        case .page: return page ?? 0
        case .channel: return channel ?? 0
        case .device: return device ?? 0
        case .campaign: return campaign ?? 0
        case .property(let id, _): return property(id) ?? 0
        }
    }
}
