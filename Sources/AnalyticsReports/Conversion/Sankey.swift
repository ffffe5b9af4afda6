import AnalyticsCore
import AnalyticsQueries

/// A Sankey diagram of a `PathReport`'s edges, as inline SVG: one column per step, each step's
/// nodes stacked with heights proportional to actors, and the actors going from a node to the next
/// step's nodes drawn as filled bezier bands. Each step keeps its `keep` largest nodes (and
/// `(end)`/`(start)`); the rest are folded into one `(other)` node, so the diagram stays readable.
///
/// Four steps make a viewBox 458 units wide with 15-unit names and 14-unit counts: shown between
/// 376 CSS pixels (a 400 px screen less the page's margins) and 600 (`svg.sankey` in `HTML.style`),
/// names are 12.3 to 19.7 px and counts 11.5 to 18.3 px. Every label sits right of its node, in a
/// lane as wide as the longest label allowed (longer names are cut with `…`, the full name is in the
/// tooltip), and each node's slot is at least two lines tall, so labels never overlap.
struct Sankey {
    struct Node: Equatable {
        /// 1-based step (column).
        var step: Int
        var name: String
        /// Actors at this node: the larger of those arriving and those leaving.
        var actors: Int
        /// For `(other)`: the names folded into it and their actors, largest first.
        var folded: [Folded] = []
        /// Top of the node's rectangle and its height, in viewBox units.
        var y = 0.0
        var height = 0.0
    }

    struct Folded: Equatable {
        var name: String
        var actors: Int
    }

    /// Actors going from `nodes[from]` to `nodes[to]` (the next step).
    struct Link: Equatable {
        var from: Int
        var to: Int
        var actors: Int
        /// Top of the band where it leaves its source and where it enters its target, and its thickness.
        var sourceY = 0.0
        var targetY = 0.0
        var thickness = 0.0
    }

    static let otherNode = "(other)"
    /// Named nodes kept per step by default.
    static let kept = 6

    /// Columns left to right, each node top to bottom: largest first, then `(other)`, then `(end)`/`(start)`.
    private(set) var nodes: [Node] = []
    private(set) var links: [Link] = []
    /// How many steps have nodes.
    private(set) var columns = 0
    /// viewBox size.
    private(set) var width = 0.0
    private(set) var height = 0.0
    let actorsWithAnchor: Int

    // Geometry, in viewBox units.
    static let nodeWidth = 8.0, labelGap = 4.0, labelWidth = 98.0, laneGap = 6.0
    static let top = 24.0, bottom = 6.0, plotHeight = 300.0, nodeGap = 9.0, minimumSlot = 32.0
    static let nameSize = 15.0, countSize = 14.0, headerSize = 13.0
    static var columnSpacing: Double { nodeWidth + labelGap + labelWidth + laneGap }

    /// - Parameter keep: named nodes kept per step; more become `(other)` (one extra is kept rather than folded alone).
    init(_ report: PathReport, keep: Int = kept) {
        actorsWithAnchor = report.actorsWithAnchor
        let special: Set<String> = [PathReport.endNode, PathReport.startNode]
        let steps = (report.edges.map(\.step).max() ?? 0) + 1
        guard steps > 1 else { return }
        columns = steps

        // Actors per name and step: the larger of those arriving and those leaving.
        var arriving = [[String: Int]](repeating: [:], count: steps + 1)
        var leaving = [[String: Int]](repeating: [:], count: steps + 1)
        for edge in report.edges {
            leaving[edge.step][edge.from, default: 0] += edge.actors
            arriving[edge.step + 1][edge.to, default: 0] += edge.actors
        }
        // Each step's names, folded: name -> node index.
        var index = [[String: Int]](repeating: [:], count: steps + 1)
        for step in 1...steps {
            var actors = arriving[step]
            for (name, count) in leaving[step] { actors[name] = max(actors[name] ?? 0, count) }
            let ranked = actors.sorted { a, b in a.value != b.value ? a.value > b.value : ByteOrder.precedes(a.key, b.key) }
            let named = ranked.filter { !special.contains($0.key) }
            let kept = named.count <= keep + 1 ? named : Array(named.prefix(keep))
            let folded = named.dropFirst(kept.count)
            for (name, count) in kept {
                index[step][name] = nodes.count
                nodes.append(Node(step: step, name: name, actors: count))
            }
            if !folded.isEmpty {
                for (name, _) in folded { index[step][name] = nodes.count }
                nodes.append(Node(step: step, name: Self.otherNode, actors: folded.reduce(0) { $0 + $1.value },
                                  folded: folded.map { Folded(name: $0.key, actors: $0.value) }))
            }
            for (name, count) in ranked where special.contains(name) {
                index[step][name] = nodes.count
                nodes.append(Node(step: step, name: name, actors: count))
            }
        }
        // Links between folded nodes.
        var sums: [Int: [Int: Int]] = [:]
        for edge in report.edges {
            guard let from = index[edge.step][edge.from], let to = index[edge.step + 1][edge.to] else { continue }
            sums[from, default: [:]][to, default: 0] += edge.actors
        }
        for (from, targets) in sums.sorted(by: { $0.key < $1.key }) {
            for (to, actors) in targets.sorted(by: { $0.key < $1.key }) {
                links.append(Link(from: from, to: to, actors: actors))
            }
        }
        layout()
    }

    /// Heights proportional to actors, one scale for all columns, chosen so that the fullest column
    /// fills `plotHeight`; a node's slot is at least `minimumSlot` tall (its two label lines).
    private mutating func layout() {
        let byStep = Dictionary(grouping: nodes.indices, by: { nodes[$0].step })
        var scale = Double.infinity
        for (_, members) in byStep {
            let total = members.reduce(0) { $0 + nodes[$1].actors }
            guard total > 0 else { continue }
            scale = min(scale, (Self.plotHeight - Double(members.count - 1) * Self.nodeGap) / Double(total))
        }
        if !scale.isFinite { scale = 1 }
        var bottomEdge = 0.0
        for step in 1...columns {
            var y = Self.top
            for node in byStep[step] ?? [] {
                let height = max(1.5, Double(nodes[node].actors) * scale)
                let slot = max(height, Self.minimumSlot)
                nodes[node].y = y + (slot - height) / 2
                nodes[node].height = height
                y += slot + Self.nodeGap
            }
            bottomEdge = max(bottomEdge, y - Self.nodeGap)
        }
        height = (bottomEdge + Self.bottom).rounded(.up)
        width = Double(columns - 1) * Self.columnSpacing + Self.nodeWidth + Self.labelGap + Self.labelWidth
        // Bands leave a node in the order of their targets and enter one in the order of their sources.
        var leaving = [Double](repeating: 0, count: nodes.count), arriving = leaving
        for link in links.indices.sorted(by: { (nodes[links[$0].to].y, links[$0].from) < (nodes[links[$1].to].y, links[$1].from) }) {
            links[link].thickness = Double(links[link].actors) * scale
            links[link].sourceY = nodes[links[link].from].y + leaving[links[link].from]
            leaving[links[link].from] += links[link].thickness
        }
        for link in links.indices.sorted(by: { (nodes[links[$0].from].y, links[$0].to) < (nodes[links[$1].from].y, links[$1].to) }) {
            links[link].targetY = nodes[links[link].to].y + arriving[links[link].to]
            arriving[links[link].to] += links[link].thickness
        }
    }

    static func x(step: Int) -> Double { Double(step - 1) * columnSpacing }

    /// A colour per event type, the same in every column of every diagram given (in the order the
    /// names first appear); grey for `(end)`, `(start)` and `(other)`.
    static func colors(_ diagrams: [Sankey]) -> [String: String] {
        var colors: [String: String] = [otherNode: "#cbd5e1", PathReport.endNode: "#9ca3af",
                                        PathReport.startNode: "#9ca3af"]
        var next = 0
        for node in diagrams.flatMap(\.nodes) where colors[node.name] == nil {
            colors[node.name] = SVGChart.palette[next % SVGChart.palette.count]
            next += 1
        }
        return colors
    }

    /// The diagram as an `<svg>` element, 100% wide, with a title, a description and a tooltip
    /// (`<title>`) with exact counts on every node and band.
    /// - Parameter colors: by event type, to share colours with other diagrams (default: `Self.colors([self])`).
    func svg(id: String, title: String, description: String, colors: [String: String]? = nil) -> String {
        let colors = colors ?? Self.colors([self])
        func share(_ actors: Int) -> String {
            actorsWithAnchor > 0 ? Format.percent(Double(actors) / Double(actorsWithAnchor)) : "-"
        }
        func users(_ count: Int) -> String { "\(Format.grouped(Int64(count))) user\(count == 1 ? "" : "s")" }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"sankey\" width=\"100%\" "
            + "viewBox=\"0 0 \(Self.fmt(width)) \(Self.fmt(height))\" role=\"img\" aria-labelledby=\"\(id)-title \(id)-desc\">\n"
        out += "<title id=\"\(id)-title\">\(HTML.escape(title))</title>\n"
        out += "<desc id=\"\(id)-desc\">\(HTML.escape(description))</desc>\n"
        for step in stride(from: 1, through: columns, by: 1) {
            out += "<text class=\"step\" x=\"\(Self.fmt(Self.x(step: step)))\" y=\"\(Self.fmt(Self.headerSize + 2))\" "
                + "font-size=\"\(Self.fmt(Self.headerSize))\">step \(step)</text>\n"
        }
        for link in links {
            let source = nodes[link.from], target = nodes[link.to]
            let x0 = Self.x(step: source.step) + Self.nodeWidth, x1 = Self.x(step: target.step)
            let middle = (x0 + x1) / 2, thickness = max(link.thickness, 0.5)
            let y0 = link.sourceY, y1 = link.targetY
            let path = "M\(Self.fmt(x0)),\(Self.fmt(y0)) C\(Self.fmt(middle)),\(Self.fmt(y0)) \(Self.fmt(middle)),\(Self.fmt(y1)) "
                + "\(Self.fmt(x1)),\(Self.fmt(y1)) L\(Self.fmt(x1)),\(Self.fmt(y1 + thickness)) "
                + "C\(Self.fmt(middle)),\(Self.fmt(y1 + thickness)) \(Self.fmt(middle)),\(Self.fmt(y0 + thickness)) "
                + "\(Self.fmt(x0)),\(Self.fmt(y0 + thickness)) Z"
            let tip = "\(source.name) → \(target.name) (step \(source.step) → \(target.step)): "
                + "\(users(link.actors)), \(share(link.actors))"
            out += "<path class=\"band\" d=\"\(path)\" fill=\"\(colors[target.name] ?? "#9ca3af")\">"
                + "<title>\(HTML.escape(tip))</title></path>\n"
        }
        for node in nodes {
            var tip = "step \(node.step): \(node.name), \(users(node.actors)) (\(share(node.actors)))"
            if !node.folded.isEmpty {
                tip += ": " + node.folded.map { "\($0.name) \(Format.grouped(Int64($0.actors)))" }.joined(separator: ", ")
            } else if node.name == PathReport.endNode {
                tip += ", no further event in the period"
            }
            out += "<rect x=\"\(Self.fmt(Self.x(step: node.step)))\" y=\"\(Self.fmt(node.y))\" width=\"\(Self.fmt(Self.nodeWidth))\" "
                + "height=\"\(Self.fmt(node.height))\" fill=\"\(colors[node.name] ?? "#9ca3af")\">"
                + "<title>\(HTML.escape(tip))</title></rect>\n"
        }
        for node in nodes {
            let x = Self.x(step: node.step) + Self.nodeWidth + Self.labelGap
            let center = node.y + node.height / 2
            out += "<text class=\"label\" x=\"\(Self.fmt(x))\" y=\"\(Self.fmt(center - 2))\" font-size=\"\(Self.fmt(Self.nameSize))\">"
                + "\(HTML.escape(Self.fitted(node.name)))</text>\n"
            var count = "\(Format.grouped(Int64(node.actors))) · \(share(node.actors))"
            if Self.estimatedWidth(count, size: Self.countSize) > Self.labelWidth { count = Format.grouped(Int64(node.actors)) }
            out += "<text class=\"count\" x=\"\(Self.fmt(x))\" y=\"\(Self.fmt(center + Self.countSize - 1))\" "
                + "font-size=\"\(Self.fmt(Self.countSize))\">\(count)</text>\n"
        }
        return out + "</svg>\n"
    }

    /// The name, cut with `…` where its estimated width would leave its label lane.
    static func fitted(_ name: String) -> String {
        guard estimatedWidth(name, size: nameSize) > labelWidth else { return name }
        var cut = ""
        for character in name {
            guard estimatedWidth(cut + String(character) + "…", size: nameSize) <= labelWidth else { break }
            cut.append(character)
        }
        return cut + "…"
    }

    /// A generous estimate of a text's width in a sans-serif font (Arial metrics, rounded up; about
    /// DejaVu Sans's, the widest common fallback).
    static func estimatedWidth(_ text: String, size: Double) -> Double {
        var ems = 0.0
        for character in text {
            switch character {
            case "i", "j", "l", "I", "!", "|", ".", ",", ":", ";", "'": ems += 0.28
            case "f", "t", "r", "(", ")", "[", "]", "-", " ", "/": ems += 0.36
            case "m", "w", "M", "W", "@": ems += 0.9
            case "…": ems += 1.0
            default: ems += character.isUppercase ? 0.7 : 0.55
            }
        }
        return ems * size
    }

    private static func fmt(_ value: Double) -> String { Format.decimal(value, places: 1, grouping: false) }
}
