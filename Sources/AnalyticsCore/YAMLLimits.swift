import Foundation

/// Limits on the YAML (and JSON) files people give: mapping and journey files
/// are small, so anything large or using anchors is refused before parsing
/// (a "billion laughs" document expands a few aliases into gigabytes).
package enum YAMLLimits {
    /// The largest file accepted, in bytes.
    package static let maximumBytes = 1 << 20

    /// Reads a small text file; nil and a problem when it is too large, not a regular file or unreadable.
    package static func read(_ path: String) -> (text: String?, problem: String?) {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        if let type = attributes?[.type] as? FileAttributeType, type != .typeRegular {
            return (nil, "not a regular file")
        }
        if let size = (attributes?[.size] as? NSNumber)?.intValue, size > maximumBytes {
            return (nil, "the file is larger than \(maximumBytes / 1024) KiB")
        }
        do { return (try String(contentsOfFile: path, encoding: .utf8), nil) } catch {
            return (nil, "cannot read the file (\(error.localizedDescription))")
        }
    }

    /// Why a text may not be parsed, or nil when it may.
    package static func problem(_ text: String) -> String? {
        if text.utf8.count > maximumBytes { return "the file is larger than \(maximumBytes / 1024) KiB" }
        if text.range(of: #"(^|[\s\[\{,:\-?])[&*][A-Za-z0-9_\-]+"#, options: .regularExpression) != nil {
            return "YAML anchors and aliases (&name, *name) are not accepted; write the values out"
        }
        return nil
    }
}
