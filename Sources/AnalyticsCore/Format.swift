import Foundation

/// Number and duration formatting shared by every renderer.
public enum Format {
    /// `0.4213` as `42.1%`.
    public static func percent(_ fraction: Double) -> String {
        decimal(fraction * 100, places: 1, grouping: false) + "%"
    }

    /// Seconds as `0s`, `45s`, `3m 12s`, `2h 05m`, `3d 4h`.
    public static func duration(_ seconds: Double) -> String {
        let total = Int64(seconds.rounded())
        if total < 60 { return "\(total)s" }
        if total < 3600 { return "\(total / 60)m \(pad(total % 60))s" }
        if total < 86_400 { return "\(total / 3600)h \(pad(total % 3600 / 60))m" }
        return "\(total / 86_400)d \(total % 86_400 / 3600)h"
    }

    /// An integer with thousands separators: `1,234,567`.
    public static func grouped(_ value: Int64) -> String {
        let digits = String(value.magnitude)
        var out = ""
        for (offset, character) in digits.enumerated() {
            if offset > 0 && (digits.count - offset) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return value < 0 ? "-" + out : out
    }

    /// A fixed-point decimal, grouped by default: `1,234.50`.
    public static func decimal(_ value: Double, places: Int, grouping: Bool = true) -> String {
        let text = String(format: "%.\(places)f", value)
        guard grouping, abs(value) >= 1000 else { return text }
        let parts = text.split(separator: ".", maxSplits: 1)
        let integerPart = Int64(parts[0]) ?? 0
        let grouped = (text.hasPrefix("-") && integerPart == 0 ? "-" : "") + grouped(integerPart)
        return parts.count > 1 ? grouped + "." + parts[1] : grouped
    }

    /// The shortest decimal that reads back as the same double; integers without `.0`.
    public static func plainNumber(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    private static func pad(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
