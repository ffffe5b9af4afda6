import Foundation
import AnalyticsCore
import AnalyticsStorage

/// A journey compiled to integer codes: for an event of the timeline, the set
/// of stages it matches as a bit mask (bit i for stage i).
package struct StageMatcher: Sendable {
    /// Stage bits by event type id.
    private let typeMasks: [UInt32]
    /// Stages that also filter on page or touchpoint, and their filters.
    private let filtered: [(bit: UInt32, pages: [Bool]?, channel: Int32?, device: Int32?, campaign: Int32?)]
    private let filteredBits: UInt32
    /// Exclusion bits by event type id (bit k: an X event of exclusion k); empty without exclusions.
    private let exclusionMasks: [UInt32]
    package let stageCount: Int

    /// Compiles a journey against the labels of a database. Names that do not
    /// occur in the data simply never match. A stage of `order` or `page_view`
    /// also matches the event types that play that role.
    package init(journey: JourneyDefinition, names: LabelNames, roles: EventRoles = EventRoles()) {
        stageCount = journey.stages.count
        let types = names.all(kind: "event_type")
        let pages = names.all(kind: "page")
        let maxID = Int(([0] + types.values.map { $0 }).max() ?? 0)
        var masks = [UInt32](repeating: 0, count: maxID + 1)
        var filtered: [(bit: UInt32, pages: [Bool]?, channel: Int32?, device: Int32?, campaign: Int32?)] = []
        for (index, stage) in journey.stages.enumerated() {
            let bit = UInt32(1) << UInt32(index)
            for event in stage.events {
                let matching = EventRole(rawValue: event).map { roles.types($0) } ?? [event]
                for name in matching {
                    if let id = types[name] { masks[Int(id)] |= bit }
                }
            }
            guard stage.page != nil || stage.channel != nil || stage.device != nil || stage.campaign != nil else { continue }
            var allowedPages: [Bool]?
            if let glob = stage.page {
                let maxPage = Int(([0] + pages.values.map { $0 }).max() ?? 0)
                var allowed = [Bool](repeating: false, count: maxPage + 1)
                for (page, id) in pages where fnmatch(glob, page, 0) == 0 { allowed[Int(id)] = true }
                allowedPages = allowed
            }
            // A filter on a value that never occurs matches nothing: id -1. An id beyond
            // 32 bits cannot be in a timeline (writing it fails), so it matches nothing too.
            func id(_ kind: String, _ value: String?) -> Int32? {
                value.map { names.id(kind: kind, value: $0).flatMap { Int32(exactly: $0) } ?? -1 }
            }
            filtered.append((bit, allowedPages, id("channel", stage.channel), id("device", stage.device),
                             id("campaign", stage.campaign)))
        }
        typeMasks = masks
        var exclusionMasks = [UInt32](repeating: 0, count: journey.exclusions.isEmpty ? 0 : maxID + 1)
        for (index, exclusion) in journey.exclusions.enumerated() {
            for event in exclusion.events {
                for name in EventRole(rawValue: event).map({ roles.types($0) }) ?? [event] {
                    if let id = types[name] { exclusionMasks[Int(id)] |= UInt32(1) << UInt32(index) }
                }
            }
        }
        self.exclusionMasks = exclusionMasks
        self.filtered = filtered
        filteredBits = filtered.reduce(0) { $0 | $1.bit }
    }

    /// Whether the journey has exclusions (events carry exclusion masks).
    package var hasExclusions: Bool { !exclusionMasks.isEmpty }

    /// The exclusions an event of this type is an X event of (bit k: exclusion k).
    @inline(__always)
    package func exclusionMask(eventType: Int32) -> UInt32 {
        guard eventType >= 0, Int(eventType) < exclusionMasks.count else { return 0 }
        return exclusionMasks[Int(eventType)]
    }

    /// The stages an event matches.
    @inline(__always)
    package func mask(eventType: Int32, page: Int32, channel: Int32, device: Int32, campaign: Int32) -> UInt32 {
        guard eventType >= 0, Int(eventType) < typeMasks.count else { return 0 }
        var mask = typeMasks[Int(eventType)]
        if mask & filteredBits != 0 {
            for filter in filtered where mask & filter.bit != 0 {
                let ok = (filter.pages.map { page > 0 && Int(page) < $0.count && $0[Int(page)] } ?? true)
                    && (filter.channel.map { $0 == channel } ?? true)
                    && (filter.device.map { $0 == device } ?? true)
                    && (filter.campaign.map { $0 == campaign } ?? true)
                if !ok { mask &= ~filter.bit }
            }
        }
        return mask
    }
}
