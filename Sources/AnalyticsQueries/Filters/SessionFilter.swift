import AnalyticsCore
import AnalyticsStorage

/// Where a session's value of a field is: a column of a `sessions` row read
/// with the columns `channel_id, device_id, campaign_id, landing_page_id` at
/// 7-10 (the KPI query's layout), or a property in the session's pairs.
package enum SessionField: Sendable {
    case channel, device, campaign, landingPage
    /// A property, in the session's `props` pairs.
    case property(Int64)

    /// The session field of a source; event types describe events, not sessions.
    /// - Throws: `UnknownField` for `event_type`, listing the fields sessions have.
    package init(_ source: FieldCatalog.Source, field: String, catalog: FieldCatalog) throws {
        switch source {
        case .channel: self = .channel
        case .device: self = .device
        case .campaign: self = .campaign
        case .page: self = .landingPage
        case .property(let id, _): self = .property(id)
        case .eventType: throw UnknownField(name: field, known: catalog.names.filter { $0 != "event_type" })
        }
    }

    package static func of(_ dimension: TouchpointDimension, catalog: FieldCatalog) throws -> SessionField {
        switch dimension {
        case .channel: return .channel
        case .device: return .device
        case .campaign: return .campaign
        case .landingPage: return .landingPage
        case .property(let name): return try SessionField(catalog.resolve(name), field: name, catalog: catalog)
        }
    }

    package var readsProperties: Bool {
        if case .property = self { return true }
        return false
    }

    /// The value id (nil: none) given the session's touchpoint ids and decoded pairs.
    @inline(__always)
    package func value(channel: Int64?, device: Int64?, campaign: Int64?, landingPage: Int64?,
                       pairs: [(property: Int64, value: Int64)]) -> Int64? {
        switch self {
        case .channel: return channel
        case .device: return device
        case .campaign: return campaign
        case .landingPage: return landingPage
        case .property(let id): return pairs.first { $0.property == id }?.value
        }
    }
}

/// `--where` conditions on sessions: each on a session's touchpoint, landing
/// page or property value (its first event's that has one).
package struct SessionFilter: Sendable {
    package let conditions: [(field: SessionField, condition: EventFilter.Condition)]

    package var isEmpty: Bool { conditions.isEmpty }
    package var readsProperties: Bool { conditions.contains { $0.field.readsProperties } }

    /// - Throws: `UnknownField` for an unknown field or `event_type`.
    package init(_ filters: [FieldFilter], catalog: FieldCatalog, names: LabelNames) throws {
        let compiled = try EventFilter(filters, catalog: catalog, names: names).conditions
        conditions = try zip(filters, compiled).map {
            (try SessionField($0.1.source, field: $0.0.field, catalog: catalog), $0.1)
        }
    }

    /// Whether a session passes every condition.
    @inline(__always)
    package func passes(channel: Int64?, device: Int64?, campaign: Int64?, landingPage: Int64?,
                        pairs: [(property: Int64, value: Int64)]) -> Bool {
        conditions.allSatisfy {
            $0.condition.passes($0.field.value(channel: channel, device: device, campaign: campaign,
                                               landingPage: landingPage, pairs: pairs) ?? 0)
        }
    }
}
