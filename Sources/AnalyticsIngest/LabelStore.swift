import Foundation
import AnalyticsStorage

/// Maps repeated strings (event types, pages, channels, ...) and user ids to
/// compact integer ids, creating them on first sight. Keeps what it has seen
/// in memory, keyed by bytes, so a value seen before costs one hash lookup
/// and no `String`. Make one per transaction: ids created in a transaction
/// that rolls back are gone.
final class LabelStore {
    /// The kinds of label, as stored in `labels.kind`.
    enum Kind: String, CaseIterable {
        case eventType = "event_type", page, channel, device, campaign, currency, status
    }

    private let database: Database
    private var labels: [ByteInterner]
    private var users = ByteInterner()
    /// Whether users were stored before this transaction; if not, a user not
    /// seen in it is new and needs no lookup.
    private let hadUsers: Bool

    init(database: Database) throws {
        self.database = database
        hadUsers = try database.scalarInt("SELECT EXISTS (SELECT 1 FROM users)") == 1
        labels = Array(repeating: ByteInterner(), count: Kind.allCases.count)
        for (kind, value, id) in try database.query("SELECT kind, value, id FROM labels", [], {
            ($0.string(0), $0.string(1), $0.int64(2))
        }) {
            guard let kind = Kind(rawValue: kind) else { continue }
            var text = value
            text.withUTF8 { labels[kind.slot].insert(UnsafeRawBufferPointer($0), id: id) }
        }
    }

    /// The id of a label given as UTF-8 bytes, created when new.
    /// - Throws: `RejectReason.invalidUTF8` for bytes that are not UTF-8.
    @inline(__always)
    func id(_ kind: Kind, _ bytes: UnsafeRawBufferPointer, field: CanonicalField) throws -> Int64 {
        if let id = labels[kind.slot].id(of: bytes) { return id }
        guard let value = String(validating: bytes, as: UTF8.self) else {
            throw RejectReason.invalidUTF8(field: field.rawValue)
        }
        try database.run("INSERT INTO labels (kind, value) VALUES (?, ?)", .text(kind.rawValue), .text(value))
        let id = database.lastInsertRowID
        labels[kind.slot].insert(bytes, id: id)
        return id
    }

    /// The compact id of an external user id given as UTF-8 bytes, created when new.
    @inline(__always)
    func userID(_ bytes: UnsafeRawBufferPointer) throws -> Int64 {
        if let id = users.id(of: bytes) { return id }
        guard let external = String(validating: bytes, as: UTF8.self) else {
            throw RejectReason.invalidUTF8(field: CanonicalField.userID.rawValue)
        }
        let id: Int64
        if hadUsers, let existing = try database.scalarInt("SELECT id FROM users WHERE external_id = ?", .text(external)) {
            id = existing
        } else {
            try database.run("INSERT INTO users (external_id) VALUES (?)", .text(external))
            id = database.lastInsertRowID
        }
        users.insert(bytes, id: id)
        return id
    }
}

extension LabelStore.Kind {
    var slot: Int {
        switch self {
        case .eventType: return 0
        case .page: return 1
        case .channel: return 2
        case .device: return 3
        case .campaign: return 4
        case .currency: return 5
        case .status: return 6
        }
    }
}
