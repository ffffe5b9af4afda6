/// The default channel grouping, modelled on GA4's: a channel from a hit's
/// `utm_source`, `utm_medium`, click ids and referrer. The rules are tried in
/// order and the first that matches wins (docs/metrics.md has the table).
/// A hit without any of them has no channel; a session none of whose events
/// has one is `Direct`.
package enum ChannelGrouping {
    package static let direct = "Direct"

    static let searchEngines = ["google", "bing", "yahoo", "duckduckgo", "baidu", "yandex", "ecosia", "naver", "ask.com",
                                "startpage", "qwant"]
    static let socialSites = ["facebook", "fb", "fb.com", "instagram", "ig", "twitter", "t.co", "x.com", "linkedin",
                              "lnkd.in", "pinterest", "reddit", "tiktok", "snapchat", "youtube", "whatsapp", "threads.net"]

    /// The channel of one hit, or nil when it carries no source at all.
    /// - Parameters:
    ///   - referrerHost: the referrer's host when it is another site than the page's.
    package static func channel(source: String?, medium: String?, gclid: Bool, fbclid: Bool,
                                referrerHost: String?) -> String? {
        let source = source?.lowercased(), medium = medium?.lowercased()
        guard source != nil || medium != nil || gclid || fbclid || referrerHost != nil else { return nil }
        let origin = source ?? referrerHost ?? ""
        let isSearch = searchEngines.contains { origin.contains($0) }
        // A site matches itself, its subdomains, and (for names longer than 4 letters) any name containing it.
        let isSocial = socialSites.contains { origin == $0 || origin.hasSuffix("." + $0) || ($0.count > 4 && origin.contains($0)) }
        let paidMedium = medium.map { $0.contains("cp") || $0 == "ppc" || $0 == "retargeting" || $0.hasPrefix("paid") } ?? false
        func mediumIs(_ names: [String]) -> Bool { medium.map(names.contains) ?? false }
        func mentionsEmail(_ text: String?) -> Bool {
            text.map { $0.contains("email") || $0.contains("e-mail") || $0.contains("e_mail") || $0 == "newsletter" } ?? false
        }

        if gclid || (isSearch && paidMedium) { return "Paid Search" }
        if isSocial && paidMedium { return "Paid Social" }
        if mediumIs(["display", "banner", "expandable", "interstitial", "cpm"]) { return "Display" }
        if mentionsEmail(source) || mentionsEmail(medium) { return "Email" }
        if mediumIs(["affiliate", "affiliates"]) { return "Affiliates" }
        if isSearch || mediumIs(["organic"]) { return "Organic Search" }
        if isSocial || fbclid || mediumIs(["social", "social-network", "social-media", "sm", "social network", "social media"]) {
            return "Organic Social"
        }
        if mediumIs(["referral"]) || (source == nil && medium == nil && referrerHost != nil) { return "Referral" }
        if source == "(direct)" && (medium == nil || medium == "(none)" || medium == "(not set)") { return direct }
        return "Other"
    }
}
