import Crypto
import Foundation

/// One numbered schema change, from a `Migrations/NNNN_name.sql` file.
package struct Migration: Sendable, Equatable {
    /// The number in the file name; migrations apply in increasing order.
    package let version: Int
    /// The rest of the file name, e.g. `create_events`.
    package let name: String
    /// The SQL, run as a whole in one transaction.
    package let sql: String
    /// SHA-256 of the SQL text, hex: tells when a file was edited after it was applied.
    package let checksum: String

    package init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
        checksum = SHA256.hash(data: Data(sql.utf8)).hexString
    }

    /// Parses `0001_create_events.sql` into version 1 and name `create_events`.
    package init?(fileName: String, sql: String) {
        guard fileName.hasSuffix(".sql") else { return nil }
        let stem = fileName.dropLast(4)
        guard let underscore = stem.firstIndex(of: "_"),
              let version = Int(stem[..<underscore]) else { return nil }
        self.init(version: version, name: String(stem[stem.index(after: underscore)...]), sql: sql)
    }

    /// The migrations compiled into this binary, in order.
    package static let embedded: [Migration] = embeddedMigrationFiles
        .compactMap { Migration(fileName: $0.name, sql: $0.sql) }
        .sorted { $0.version < $1.version }
}

extension Sequence where Element == UInt8 {
    /// Lower-case hexadecimal digits of the bytes.
    package var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        for byte in self {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

extension SHA256.Digest {
    package var hexString: String { Array(self).hexString }
}
