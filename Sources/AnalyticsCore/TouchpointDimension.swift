/// A touchpoint of a session that results are grouped or filtered by: one
/// vocabulary for touchpoint KPIs, funnel breakdowns, report segments and
/// the stage x touchpoint matrix (docs/metrics.md, "Glossary"). Besides the
/// built-in touchpoints, any property kept from the imported files (a session's
/// value: the one on its first event that has one).
public enum TouchpointDimension: RawRepresentable, CaseIterable, Sendable, Hashable {
    /// The session's marketing channel (empty shows as `(none)`).
    case channel
    /// The session's device.
    case device
    /// The session's campaign.
    case campaign
    /// The page of the session's first event.
    case landingPage
    /// A property, by name.
    case property(String)

    /// The built-in dimensions (a property is any other name).
    public static let allCases: [TouchpointDimension] = [.channel, .device, .campaign, .landingPage]

    public init?(rawValue: String) {
        switch rawValue {
        case "channel": self = .channel
        case "device": self = .device
        case "campaign": self = .campaign
        case "landing-page": self = .landingPage
        case "": return nil
        default: self = .property(rawValue)
        }
    }

    public var rawValue: String {
        switch self {
        case .channel: return "channel"
        case .device: return "device"
        case .campaign: return "campaign"
        case .landingPage: return "landing-page"
        case .property(let name): return name
        }
    }
}
