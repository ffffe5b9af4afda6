import AnalyticsStorage

/// Reads the imports ledger and the rejects table.
public enum ImportLedger {
    /// One row of the ledger.
    public struct Entry: Sendable, Equatable {
        public let id: Int64
        public let path: String
        public let sizeBytes: Int64
        public let sha256: String
        public let kind: String
        public let status: String
        public let rowsRead: Int64
        public let rowsImported: Int64
        public let rowsDuplicate: Int64
        public let rowsUpdated: Int64
        public let rowsRejected: Int64
        public let startedMilliseconds: Int64
        public let finishedMilliseconds: Int64?
        public let message: String?
    }

    /// One rejected row.
    package struct Reject: Sendable, Equatable {
        package let importID: Int64
        package let path: String
        package let line: Int64
        package let reason: String
        package let raw: String
    }

    /// Every import attempt, oldest first.
    package static func entries(_ database: Database) throws -> [Entry] {
        try database.query("""
            SELECT id, path, size_bytes, sha256, kind, status, rows_read, rows_imported, rows_duplicate, rows_updated,
                   rows_rejected, started_ms, finished_ms, message
            FROM imports ORDER BY id
            """) { row in
            Entry(id: row.int64(0), path: row.string(1), sizeBytes: row.int64(2), sha256: row.string(3), kind: row.string(4),
                  status: row.string(5), rowsRead: row.int64(6), rowsImported: row.int64(7), rowsDuplicate: row.int64(8),
                  rowsUpdated: row.int64(9), rowsRejected: row.int64(10), startedMilliseconds: row.int64(11),
                  finishedMilliseconds: row.int64OrNil(12), message: row.stringOrNil(13))
        }
    }

    /// Rejected rows, of one import or of all, in import and line order.
    package static func rejects(_ database: Database, importID: Int64? = nil, limit: Int? = nil) throws -> [Reject] {
        try database.query("""
            SELECT r.import_id, i.path, r.line, r.reason, r.raw
            FROM rejects AS r JOIN imports AS i ON i.id = r.import_id
            WHERE ?1 IS NULL OR r.import_id = ?1
            ORDER BY r.import_id, r.line
            LIMIT ?2
            """, [.int(importID), .integer(Int64(limit ?? -1))]) { row in
            Reject(importID: row.int64(0), path: row.string(1), line: row.int64(2), reason: row.string(3), raw: row.string(4))
        }
    }
}
