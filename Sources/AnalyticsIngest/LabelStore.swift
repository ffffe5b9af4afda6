import AnalyticsCore
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
    /// Values of each property, by property name (label kind `property:<name>`).
    private var propertyValues: [String: ByteInterner] = [:]
    /// Interners of the properties in use by the current file, by slot.
    private var activeProperties: [(name: String, kind: String, values: ByteInterner)] = []
    private var users = ByteInterner()
    /// Whether users were stored before this transaction; if not, a user not
    /// seen in it is new and needs no lookup.
    private let hadUsers: Bool
    /// The id the next new user gets.
    private var nextUserID: Int64
    /// New users not yet written (`saveUsers`), in id order.
    private var newUsers: [(id: Int64, external: String)] = []

    init(database: Database) throws {
        self.database = database
        let maxUserID = try database.scalarInt("SELECT max(id) FROM users")
        hadUsers = maxUserID != nil
        nextUserID = (maxUserID ?? 0) + 1
        labels = Array(repeating: ByteInterner(), count: Kind.allCases.count)
        for (kind, value, id) in try database.query("SELECT kind, value, id FROM labels", [], {
            ($0.string(0), $0.string(1), $0.int64(2))
        }) {
            var text = value
            if let kind = Kind(rawValue: kind) {
                text.withUTF8 { labels[kind.slot].insert(UnsafeRawBufferPointer($0), id: id) }
            } else if kind.hasPrefix(PropertyCodec.labelKindPrefix) {
                let name = String(kind.dropFirst(PropertyCodec.labelKindPrefix.count))
                text.withUTF8 { propertyValues[name, default: ByteInterner()].insert(UnsafeRawBufferPointer($0), id: id) }
            }
        }
    }


    /// Gets or creates the ids of properties by name and makes them the active
    /// slots for `propertyValueID` (slot i is `names[i]`).
    func activateProperties(_ names: [String]) throws -> [Int64] {
        activeProperties = names.map { name in
            (name, PropertyCodec.labelKind(name), propertyValues[name] ?? ByteInterner())
        }
        return try names.map { name in
            if let id = try database.scalarInt("SELECT id FROM properties WHERE name = ?", .text(name)) { return id }
            try database.run("INSERT INTO properties (name) VALUES (?)", .text(name))
            return database.lastInsertRowID
        }
    }

    /// The value id of an active property's value given as UTF-8 bytes, created when new.
    /// - Throws: `RejectReason.invalidUTF8` for bytes that are not UTF-8.
    @inline(__always)
    func propertyValueID(slot: Int, _ bytes: UnsafeRawBufferPointer) throws -> Int64 {
        if let id = activeProperties[slot].values.id(of: bytes) { return id }
        guard let value = String(validating: bytes, as: UTF8.self) else {
            throw RejectReason.invalidUTF8(field: activeProperties[slot].name)
        }
        try database.run("INSERT INTO labels (kind, value) VALUES (?, ?)", .text(activeProperties[slot].kind), .text(value))
        let id = database.lastInsertRowID
        activeProperties[slot].values.insert(bytes, id: id)
        return id
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
            id = nextUserID
            nextUserID += 1
            newUsers.append((id, external))
        }
        users.insert(bytes, id: id)
        return id
    }

    /// Writes the users met for the first time (in external id order, so the unique index grows
    /// at its end); must run before anything reads `users` in the same transaction.
    func saveUsers() throws {
        guard !newUsers.isEmpty else { return }
        let insert = try database.prepare("INSERT INTO users (id, external_id) VALUES (?, ?)")
        for user in newUsers.sorted(by: { $0.external < $1.external }) {
            try insert.bind(user.id, at: 1)
            try insert.bind(user.external, at: 2)
            try insert.run()
        }
        newUsers = []
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
