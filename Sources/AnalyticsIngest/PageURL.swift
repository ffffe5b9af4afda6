/// The parts of a page URL that analytics reads: the host, the path and the
/// query parameters (percent-decoded, `+` as a space). Accepts absolute URLs
/// (`https://shop.example/p/1?utm_source=x`), scheme-less ones and bare paths.
package struct PageURL {
    package var host: String?
    package var path: String
    package var parameters: [(name: String, value: String)]

    /// The query parameters that become properties of the event.
    package static let trackedParameters = ["utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term",
                                            "gclid", "fbclid"]

    package init(_ text: String) {
        var rest = Substring(text.trimmingCharacters(in: .whitespaces))
        if let fragment = rest.firstIndex(of: "#") { rest = rest[..<fragment] }
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        if let scheme = rest.range(of: "://") {
            rest = rest[scheme.upperBound...]
            let slash = rest.firstIndex(of: "/") ?? rest.endIndex
            host = Self.hostName(rest[..<slash])
            rest = rest[slash...]
        } else if rest.hasPrefix("//") {
            rest = rest.dropFirst(2)
            let slash = rest.firstIndex(of: "/") ?? rest.endIndex
            host = Self.hostName(rest[..<slash])
            rest = rest[slash...]
        } else if !rest.hasPrefix("/"), let slash = rest.firstIndex(of: "/"), rest[..<slash].contains(".") {
            // `shop.example/p/1`: a host without a scheme.
            host = Self.hostName(rest[..<slash])
            rest = rest[slash...]
        }
        path = rest.isEmpty ? "/" : String(rest)
        parameters = query.split(separator: "&").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = parts.first, !name.isEmpty else { return nil }
            return (Self.decode(name).lowercased(), parts.count > 1 ? Self.decode(parts[1]) : "")
        }
    }

    /// The first value of a parameter, nil when absent or empty.
    package func parameter(_ name: String) -> String? {
        parameters.first { $0.name == name && !$0.value.isEmpty }?.value
    }

    /// Lower-cased, without user info, port or a leading `www.`.
    private static func hostName(_ authority: Substring) -> String? {
        var host = authority
        if let at = host.lastIndex(of: "@") { host = host[host.index(after: at)...] }
        if let colon = host.firstIndex(of: ":") { host = host[..<colon] }
        var name = host.lowercased()
        if name.hasPrefix("www.") { name.removeFirst(4) }
        return name.isEmpty ? nil : name
    }

    /// Percent-decoding with `+` as a space; invalid escapes stay as they are.
    static func decode(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "+") {
                bytes.append(0x20)
            } else if byte == UInt8(ascii: "%"), utf8.count >= 2,
                      let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
