import Foundation

/// Wall-clock time, for ledgers only (never inside reports).
package enum Clock {
    package static func nowMilliseconds() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
}
