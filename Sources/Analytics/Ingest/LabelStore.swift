import Foundation

/// Maps repeated strings (event types, pages, channels, ...) and user ids to
/// compact integer ids, creating them on first sight. Keeps what it has seen
/// in memory, so each distinct string costs one lookup per import.
final class LabelStore {
    /// The kinds of label, as stored in `labels.kind`.
    enum Kind: String, CaseIterable {
        case eventType = "event_type", page, channel, device, campaign, currency, status
    }

    private let database: Database
    private var ids: [Kind: [String: Int64]] = [:]
    private var users: [String: Int64] = [:]

    init(database: Database) throws {
        self.database = database
        for kind in Kind.allCases { ids[kind] = [:] }
        for (kind, value, id) in try database.query("SELECT kind, value, id FROM labels", [], {
            ($0.string(0), $0.string(1), $0.int64(2))
        }) {
            if let kind = Kind(rawValue: kind) { ids[kind]?[value] = id }
        }
    }

    /// The id of a label, created when new.
    func id(_ kind: Kind, _ value: String) throws -> Int64 {
        if let id = ids[kind]?[value] { return id }
        try database.run("INSERT INTO labels (kind, value) VALUES (?, ?)", .text(kind.rawValue), .text(value))
        let id = database.lastInsertRowID
        ids[kind]?[value] = id
        return id
    }

    /// The compact id of an external user id, created when new.
    func userID(_ external: String) throws -> Int64 {
        if let id = users[external] { return id }
        let id: Int64
        if let existing = try database.scalarInt("SELECT id FROM users WHERE external_id = ?", .text(external)) {
            id = existing
        } else {
            try database.run("INSERT INTO users (external_id) VALUES (?)", .text(external))
            id = database.lastInsertRowID
        }
        users[external] = id
        return id
    }
}

/// Remembers the last bytes seen in one column and their id, so runs of the
/// same value (the common case in exports) skip making a `String`.
struct LastValueCache {
    private var bytes: [UInt8] = []
    private var id: Int64 = 0
    private var valid = false

    @inline(__always)
    mutating func lookup(_ field: UnsafeRawBufferPointer) -> Int64? {
        guard valid, field.count == bytes.count else { return nil }
        guard let incoming = field.baseAddress else { return id }
        let same = bytes.withUnsafeBytes { stored in
            stored.baseAddress.map { memcmp($0, incoming, field.count) == 0 } ?? false
        }
        return same ? id : nil
    }

    mutating func store(_ field: UnsafeRawBufferPointer, id: Int64) {
        bytes.removeAll(keepingCapacity: true)
        bytes.append(contentsOf: field)
        self.id = id
        valid = true
    }
}
