/// Durations written as `30m`, `45m`, `1h30m`, `7d`, `90s`, `500ms` or `2w`.
public enum DurationText {
    /// The longest duration accepted: 1,000 years (365.25 days each), so that adding a
    /// duration to any instant never overflows.
    public static let maximumMilliseconds: Int64 = 365_250 * 86_400_000

    /// Parses a duration into milliseconds; nil when malformed, empty, zero-unit
    /// free or longer than `maximumMilliseconds`.
    public static func milliseconds(_ text: String) -> Int64? {
        var total: Int64 = 0
        var number: Int64?
        var unit = ""
        var sawPart = false
        func flush() -> Bool {
            guard let value = number else { return unit.isEmpty }
            let scale: Int64
            switch unit {
            case "ms": scale = 1
            case "s": scale = 1000
            case "m": scale = 60_000
            case "h": scale = 3_600_000
            case "d": scale = 86_400_000
            case "w": scale = 604_800_000
            default: return false
            }
            let (product, overflow) = value.multipliedReportingOverflow(by: scale)
            let (sum, carry) = total.addingReportingOverflow(product)
            guard !overflow, !carry, sum <= maximumMilliseconds else { return false }
            total = sum
            number = nil
            unit = ""
            sawPart = true
            return true
        }
        for character in text.lowercased() {
            if let digit = character.wholeNumberValue, character.isASCII {
                if !unit.isEmpty { guard flush() else { return nil } }
                number = (number ?? 0) * 10 + Int64(digit)
                guard number ?? 0 < 1_000_000_000 else { return nil }
            } else if character.isLetter {
                guard number != nil else { return nil }
                unit.append(character)
            } else {
                return nil
            }
        }
        guard flush(), sawPart else { return nil }
        return total
    }

    /// Milliseconds as the shortest exact text: `30m`, `1h30m`, `7d`.
    public static func format(_ milliseconds: Int64) -> String {
        guard milliseconds > 0 else { return "0s" }
        var rest = milliseconds
        var text = ""
        for (unit, size) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)] {
            if rest >= size {
                text += "\(rest / size)\(unit)"
                rest %= size
            }
        }
        return text
    }
}
