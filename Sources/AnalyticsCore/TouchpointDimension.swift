/// A touchpoint of a session that results are grouped or filtered by: one
/// vocabulary for touchpoint KPIs, funnel breakdowns, report segments and
/// the stage x touchpoint matrix (docs/metrics.md, "Glossary").
public enum TouchpointDimension: String, CaseIterable, Sendable {
    /// The session's marketing channel (empty shows as `(none)`).
    case channel
    /// The session's device.
    case device
    /// The session's campaign.
    case campaign
    /// The page of the session's first event.
    case landingPage = "landing-page"
}
