import AnalyticsCore
import AnalyticsSessions
import AnalyticsStorage

/// Computes paths from the per-user timelines: one sequential read, each
/// actor's path cut from its kept records, counted by distinct node sequence.
package enum PathEngine {
    /// - Throws: `UnknownField` for a `--where` field the database does not know; `SQLiteError`.
    package static func run(_ database: Database, _ query: PathQuery) throws -> PathReport {
        try run(database, query, anchors: [query.anchor])[0]
    }

    /// The paths of several anchors (otherwise the same query) in one read of the timelines.
    /// - Returns: one report per anchor, in order.
    package static func run(_ database: Database, _ query: PathQuery, anchors: [PathQuery.Anchor]) throws -> [PathReport] {
        precondition((1...JourneyDefinition.maximumStages).contains(anchors.count), "1 to 32 anchors")
        let names = try LabelNames(database: database)
        let catalog = try FieldCatalog(database: database)
        let filter = try EventFilter(query.filters, catalog: catalog, names: names)
        // Anchor i matches as stage i (bit i) of one journey.
        let stages = anchors.map { anchor -> StageDefinition in
            switch anchor {
            case .firstEvent: return StageDefinition(name: "anchor", events: [])
            case .start(let event), .end(let event): return StageDefinition(name: "anchor", events: [event])
            case .startStage(let stage): return stage
            }
        }
        let matcher = StageMatcher(journey: JourneyDefinition(name: "paths", windowMilliseconds: 1, stages: stages),
                                   names: names, roles: try EventRoles(database: database))
        let stageFilters = try stages.enumerated().filter { !$0.element.filters.isEmpty }.map {
            (bit: UInt32(1) << UInt32($0.offset), filter: try EventFilter($0.element.filters, catalog: catalog, names: names))
        }
        let pass = PathPass(query: query, anchors: anchors, matcher: matcher, filter: filter, stageFilters: stageFilters)
        let partial = try TimelineHalves.run(database, pass: pass.run) { merged, part in
            for index in anchors.indices {
                merged.actors[index] += part.actors[index]
                merged.counts[index].merge(part.counts[index], uniquingKeysWith: +)
            }
        }
        return anchors.indices.map { index in
            var anchored = query
            anchored.anchor = anchors[index]
            return report(anchored, counts: partial.counts[index], actors: partial.actors[index], names: names,
                          steps: pass.steps)
        }
    }

    private static func report(_ query: PathQuery, counts: [[Int32]: Int], actors: Int, names: LabelNames,
                               steps: Int) -> PathReport {
        func name(_ id: Int32) -> String {
            switch id {
            case PathPass.endID: return PathReport.endNode
            case PathPass.startID: return PathReport.startNode
            default: return names.name(Int64(id))
            }
        }
        let share = { (count: Int) -> Double? in actors == 0 ? nil : Double(count) / Double(actors) }
        let named = counts.map { (nodes: $0.key.map(name), actors: $0.value) }
        let ranked = named.sorted { a, b in
            a.actors != b.actors ? a.actors > b.actors : ByteOrder.precedes(a.nodes, b.nodes)
        }
        var edgeCounts: [PathEdgeKey: Int] = [:]
        for (nodes, count) in named {
            for step in nodes.indices.dropLast() {
                edgeCounts[PathEdgeKey(step: step + 1, from: nodes[step], to: nodes[step + 1]), default: 0] += count
            }
        }
        let edges = edgeCounts.map { PathReport.Edge(step: $0.key.step, from: $0.key.from, to: $0.key.to, actors: $0.value) }
            .sorted { a, b in
                if a.step != b.step { return a.step < b.step }
                if a.actors != b.actors { return a.actors > b.actors }
                return ByteOrder.precedes([a.from, a.to], [b.from, b.to])
            }
        let anchor: String
        switch query.anchor {
        case .firstEvent: anchor = "first event"
        case .start(let event): anchor = "start=\(event)"
        case .startStage(let stage): anchor = "stage=\(stage.name)"
        case .end(let event): anchor = "end=\(event)"
        }
        return PathReport(anchor: anchor, steps: steps, actor: query.actor, collapse: query.collapse, range: query.range,
                          filters: query.filters, actorsWithAnchor: actors, distinctPaths: counts.count,
                          paths: ranked.prefix(max(0, query.top)).map {
                              PathReport.Path(nodes: $0.nodes, actors: $0.actors, share: share($0.actors))
                          },
                          edges: edges)
    }
}

/// The paths of a range of users, per anchor: distinct node sequences (event type ids) and their actors.
struct PathPartial: Sendable {
    var counts: [[[Int32]: Int]]
    var actors: [Int]

    init(anchors: Int) {
        counts = Array(repeating: [:], count: anchors)
        actors = Array(repeating: 0, count: anchors)
    }
}

/// One paths computation over a range of users.
struct PathPass: Sendable {
    /// Node ids in a path key: event type ids, or these two.
    static let endID: Int32 = -1, startID: Int32 = -2

    let query: PathQuery
    /// Anchor i is matched by stage bit i.
    let anchors: [PathQuery.Anchor]
    let matcher: StageMatcher
    let filter: EventFilter
    let stageFilters: [(bit: UInt32, filter: EventFilter)]
    var steps: Int { max(1, query.steps) }

    func run(_ database: Database, users: ClosedRange<Int64>) throws -> PathPartial {
        var scan = TimelineScan(matcher: matcher, range: query.range, filter: filter, stageFilters: stageFilters,
                                readsProperties: filter.readsProperties || stageFilters.contains { $0.filter.readsProperties })
        let steps = self.steps, startID = Self.startID, endID = Self.endID
        var partial = PathPartial(anchors: anchors.count)
        var types: [Int32] = []
        var path: [Int32] = []

        func follow(_ range: Range<Int>) {
            types.removeAll(keepingCapacity: true)
            for index in range { types.append(Int32(truncatingIfNeeded: scan.value(of: .eventType, at: index))) }
            for position in anchors.indices { follow(range, anchor: position) }
        }

        func follow(_ range: Range<Int>, anchor position: Int) {
            let masks = scan.masks, bit = UInt32(1) << UInt32(position)
            path.removeAll(keepingCapacity: true)
            switch anchors[position] {
            case .end:
                guard let last = range.last(where: { masks[$0] & bit != 0 }) else { return }
                var index = last - range.lowerBound
                while index >= 0 && path.count < steps {
                    if !(query.collapse && path.last == types[index]) { path.append(types[index]) }
                    index -= 1
                }
                if path.count < steps { path.append(startID) }
                path.reverse()
            default:
                let first: Int?
                if case .firstEvent = anchors[position] { first = range.isEmpty ? nil : range.lowerBound } else {
                    first = range.first { masks[$0] & bit != 0 }
                }
                guard let first else { return }
                var index = first - range.lowerBound
                while index < types.count && path.count < steps {
                    if !(query.collapse && path.last == types[index]) { path.append(types[index]) }
                    index += 1
                }
                if path.count < steps { path.append(endID) }
            }
            partial.actors[position] += 1
            partial.counts[position][path, default: 0] += 1
        }

        let timelines = try scan.timelines(database, users: users)
        while try scan.loadNext(timelines) {
            guard scan.count > 0 else { continue }
            switch query.actor {
            case .user: follow(0..<scan.count)
            case .session: for range in scan.sessionRanges() { follow(range) }
            }
        }
        return partial
    }
}

private struct PathEdgeKey: Hashable {
    let step: Int
    let from: String
    let to: String
}

/// Byte-order comparison of names (UTF-8 bytes), independent of locale and Unicode normalization.
package enum ByteOrder {
    package static func precedes(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// Lexicographic order of name lists, each name in byte order.
    package static func precedes(_ a: [String], _ b: [String]) -> Bool {
        for (x, y) in zip(a, b) where x != y { return precedes(x, y) }
        return a.count < b.count
    }
}
