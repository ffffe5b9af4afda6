import AnalyticsCore
import AnalyticsQueries

extension PathReport {
    /// How nodes are joined in a path's text (table, Markdown and CSV alike).
    static let separator = " > "

    package var json: JSONValue {
        .object([
            ("anchor", .string(anchor)), ("steps", .integer(Int64(steps))), ("actor", .string(actor.rawValue)),
            ("collapse", .bool(collapse)), ("from", .string(range.fromText)), ("to", .string(range.toText)),
            ("filters", .array(filters.map { .string($0.text) })),
            ("actors_with_anchor", .integer(Int64(actorsWithAnchor))), ("distinct_paths", .integer(Int64(distinctPaths))),
            ("paths", .array(paths.map { path in
                .object([("nodes", .array(path.nodes.map(JSONValue.string))), ("actors", .integer(Int64(path.actors))),
                         ("share", .number(path.share))])
            })),
            ("edges", .array(edges.map { edge in
                .object([("step", .integer(Int64(edge.step))), ("from", .string(edge.from)), ("to", .string(edge.to)),
                         ("actors", .integer(Int64(edge.actors)))])
            })),
        ])
    }

    /// The top paths, most common first.
    package var pathTable: ResultTable {
        ResultTable(columns: ["rank", "actors", "share", "path"], rows: paths.enumerated().map { index, path in
            [.integer(Int64(index + 1)), .integer(Int64(path.actors)), .rate(path.share),
             .text(path.nodes.joined(separator: Self.separator))]
        })
    }

    /// Every edge: actors going from a node at one step to a node at the next.
    package var edgeTable: ResultTable {
        ResultTable(columns: ["step", "from", "to", "actors"], rows: edges.map { edge in
            [.integer(Int64(edge.step)), .text(edge.from), .text(edge.to), .integer(Int64(edge.actors))]
        })
    }

    /// A one-line description of what was computed.
    package var caption: String {
        var parts = ["paths from \(anchor)", "\(steps) steps", "\(actor.rawValue)s"]
        if anchor.hasPrefix("end=") { parts[0] = "paths to \(anchor.dropFirst(4))" }
        if collapse { parts.append("repeats collapsed") }
        if range.from != nil || range.to != nil {
            parts.append("events in [\(range.fromText ?? "start"), \(range.toText ?? "end"))")
        }
        if !filters.isEmpty { parts.append("where " + filters.map(\.text).joined(separator: ", ")) }
        parts.append("\(Format.grouped(Int64(actorsWithAnchor))) \(actor.rawValue)s with an anchor, "
                     + "\(Format.grouped(Int64(distinctPaths))) distinct paths")
        return parts.joined(separator: " · ")
    }

    /// - Parameter edges: print the edge table (table, CSV, Markdown) instead of the paths.
    public func render(_ format: OutputFormat, edges showEdges: Bool = false) -> String {
        switch format {
        case .json: return json.rendered()
        case .csv: return (showEdges ? edgeTable : pathTable).render(.csv)
        case .table, .markdown:
            let markdown = format == .markdown
            var out = (markdown ? "## Paths\n\n" : "") + caption + "\n\n"
            out += (showEdges ? edgeTable : pathTable).render(format)
            if actorsWithAnchor == 0 {
                out += "\nNo \(actor.rawValue) has an anchor event: check the event name (`analytics info` lists them) "
                    + "and the period.\n"
            }
            return out
        }
    }
}
