import AnalyticsCore
import Foundation
import AnalyticsStorage

/// Maps repeated strings (event types, pages, channels, ...) and user ids to
/// compact integer ids, creating them on first sight. Keeps what it has seen
/// in memory, keyed by bytes, so a value seen before costs one hash lookup
/// and no `String`. Make one per transaction: ids created in a transaction
/// that rolls back are gone.
///
/// Two threads may parse one file at once, each with its own view (`fork()`):
/// a view keeps its own copy of the labels it has met, so known labels cost no
/// lock; new labels, and every user id (millions of them, kept once), go
/// through the views' shared registry under its lock, which also guards the
/// database connection while they run.
final class LabelStore {
    /// The kinds of label, as stored in `labels.kind`.
    enum Kind: String, CaseIterable {
        case eventType = "event_type", page, channel, device, campaign, currency, status
    }

    /// What every view shares: the database and the labels under `lock`, the new users under
    /// `newUsersLock`, each user shard under its own lock.
    private final class Registry: @unchecked Sendable {
        let lock = NSLock()
        let database: Database
        var labels: [ByteInterner]
        /// Values of each property, by label kind (`property:<name>`).
        var propertyValues: [String: ByteInterner] = [:]
        /// User ids by external id, in shards with locks of their own, so two readers rarely wait
        /// for each other (every row looks its user up). New ids come from `nextUserID` under
        /// `newUsersLock`, not `lock` (which guards the database): a reader meeting a new user never
        /// waits while another thread writes the users met so far (`saveUsersIfMany`).
        let userShards = (0..<Registry.userShardCount).map { _ in UserShard() }
        static let userShardCount = 16
        /// Whether users were stored before this transaction and not all loaded into the shards;
        /// if not, a user not in them is new and needs no lookup.
        let hadUsers: Bool

        /// The most stored users read into memory at once (about 40 bytes each).
        static let mostUsersPreloaded = 2_000_000

        static func shard(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: hash >> 59) & (userShardCount - 1) }
        let newUsersLock = NSLock()
        /// The id the next new user gets.
        var nextUserID: Int64
        /// New users not yet written (`saveUsers`), in id order.
        var newUsers: [(id: Int64, external: String)] = []
        /// About how many users were stored before the file (the largest id).
        let storedUsers: Int64
        /// The index of users' external ids while it is dropped for the file (`saveUsers`); under `lock`.
        var droppedUserIndex: [Database.IndexDefinition] = []
        /// Whether the users in memory were let go (`releaseUsers`): no user may be looked up after.
        var usersReleased = false

        init(database: Database, preloadUsersUpTo: Int) throws {
            self.database = database
            let maxUserID = try database.scalarInt("SELECT max(id) FROM users")
            nextUserID = (maxUserID ?? 0) + 1
            // Few stored users for the file's size (an orders file came first): all of them in memory
            // cost less than a lookup of every user the file brings.
            let preload = maxUserID.map { $0 <= Int64(min(preloadUsersUpTo, Self.mostUsersPreloaded)) } ?? false
            hadUsers = maxUserID != nil && !preload
            storedUsers = maxUserID ?? 0
            labels = Array(repeating: ByteInterner(), count: Kind.allCases.count)
            for (kind, value, id) in try database.query("SELECT kind, value, id FROM labels", [], {
                ($0.string(0), $0.string(1), $0.int64(2))
            }) {
                var text = value
                if let known = Kind(rawValue: kind) {
                    text.withUTF8 { labels[known.slot].insert(UnsafeRawBufferPointer($0), id: id) }
                } else if kind.hasPrefix(PropertyCodec.labelKindPrefix) {
                    text.withUTF8 { propertyValues[kind, default: ByteInterner()].insert(UnsafeRawBufferPointer($0), id: id) }
                }
            }
            if preload {
                for (id, external) in try database.query("SELECT id, external_id FROM users", [], { ($0.int64(0), $0.string(1)) }) {
                    var text = external
                    text.withUTF8 { bytes in
                        let raw = UnsafeRawBufferPointer(bytes)
                        userShards[Registry.shard(ByteInterner.hash(raw))].users.insert(raw, id: id)
                    }
                }
            }
        }

        /// The id of a label, created (and stored) when new; call under `lock`.
        func labelID(slot: Int?, kind: String, _ bytes: UnsafeRawBufferPointer, field: String) throws -> Int64 {
            if let slot, let id = labels[slot].id(of: bytes) { return id }
            if slot == nil, let id = propertyValues[kind]?.id(of: bytes) { return id }
            guard let value = String(validating: bytes, as: UTF8.self) else { throw RejectReason.invalidUTF8(field: field) }
            try database.run("INSERT INTO labels (kind, value) VALUES (?, ?)", .text(kind), .text(value))
            let id = database.lastInsertRowID
            if let slot { labels[slot].insert(bytes, id: id) } else { propertyValues[kind, default: ByteInterner()].insert(bytes, id: id) }
            return id
        }
    }

    /// A part of the user ids, under its own lock.
    private final class UserShard: @unchecked Sendable {
        let lock = NSLock()
        var users = ByteInterner()
    }

    private let registry: Registry
    // A view belongs to one thread and its per-row state is never accessed overlapping, so the
    // dynamic exclusivity checks are off for it: on a file with 5 property columns they took about
    // a seventh of the reading threads' time.
    /// This view's copies of the labels it has met, by kind slot.
    @exclusivity(unchecked) private var labels: [ByteInterner]
    /// The users this view met lately (a view belongs to one thread: no lock).
    @exclusivity(unchecked) private var recentUsers = RecentIDs()
    /// The properties in use by the current file, by slot: name and label kind.
    private var activeProperties: [(name: String, kind: String)] = []
    /// Their values' interners, by slot (this view's copies).
    @exclusivity(unchecked) private var propertyValues: [ByteInterner] = []

    /// - Parameter preloadUsersUpTo: with at most this many stored users, all are read into memory
    ///   at once instead of looking up each new one (give about the rows the file may bring).
    init(database: Database, preloadUsersUpTo: Int = 0) throws {
        registry = try Registry(database: database, preloadUsersUpTo: preloadUsersUpTo)
        labels = registry.labels
    }

    private init(registry: Registry, labels: [ByteInterner], activeProperties: [(name: String, kind: String)],
                 propertyValues: [ByteInterner]) {
        self.registry = registry
        self.labels = labels
        self.activeProperties = activeProperties
        self.propertyValues = propertyValues
    }

    /// Another view on the same ids, for a second thread; from then on, use each view on one
    /// thread only, and the database only through the views until both are done.
    func fork() -> LabelStore {
        LabelStore(registry: registry, labels: labels, activeProperties: activeProperties, propertyValues: propertyValues)
    }

    private var database: Database { registry.database }

    /// Gets or creates the ids of properties by name and makes them the active
    /// slots for `propertyValueID` (slot i is `names[i]`).
    func activateProperties(_ names: [String]) throws -> [Int64] {
        activeProperties = names.map { ($0, PropertyCodec.labelKind($0)) }
        propertyValues = activeProperties.map { registry.propertyValues[$0.kind] ?? ByteInterner() }
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
        // Looked up in place: reading the interner out of the array retained its three buffers per value.
        if let id = propertyValues.withUnsafeBufferPointer({ $0[slot].id(of: bytes) }) { return id }
        let property = activeProperties[slot]
        registry.lock.lock()
        defer { registry.lock.unlock() }
        let id = try registry.labelID(slot: nil, kind: property.kind, bytes, field: property.name)
        propertyValues[slot].insert(bytes, id: id)
        return id
    }

    /// The id of a label given as UTF-8 bytes, created when new.
    /// - Throws: `RejectReason.invalidUTF8` for bytes that are not UTF-8.
    @inline(__always)
    func id(_ kind: Kind, _ bytes: UnsafeRawBufferPointer, field: CanonicalField) throws -> Int64 {
        if let id = labels.withUnsafeBufferPointer({ $0[kind.slot].id(of: bytes) }) { return id }
        registry.lock.lock()
        defer { registry.lock.unlock() }
        let id = try registry.labelID(slot: kind.slot, kind: kind.rawValue, bytes, field: field.rawValue)
        labels[kind.slot].insert(bytes, id: id)
        return id
    }

    /// The compact id of an external user id given as UTF-8 bytes, created when new.
    @inline(__always)
    func userID(_ bytes: UnsafeRawBufferPointer) throws -> Int64 {
        let hash = ByteInterner.hash(bytes)
        if let id = recentUsers.id(of: bytes, hash: hash) { return id }
        let id = try registeredUserID(bytes, hash: hash)
        recentUsers.insert(bytes, hash: hash, id: id)
        return id
    }

    private func registeredUserID(_ bytes: UnsafeRawBufferPointer, hash: UInt64) throws -> Int64 {
        precondition(!registry.usersReleased, "a user looked up after the users in memory were released")
        let shard = registry.userShards[Registry.shard(hash)]
        shard.lock.lock()
        defer { shard.lock.unlock() }
        if let id = shard.users.id(of: bytes) { return id }
        guard let external = String(validating: bytes, as: UTF8.self) else {
            throw RejectReason.invalidUTF8(field: CanonicalField.userID.rawValue)
        }
        if registry.hadUsers, let existing = try storedUserID(external) {
            shard.users.insert(bytes, id: existing)
            return existing
        }
        registry.newUsersLock.lock()
        let id = registry.nextUserID
        registry.nextUserID += 1
        registry.newUsers.append((id, external))
        registry.newUsersLock.unlock()
        shard.users.insert(bytes, id: id)
        return id
    }

    private func storedUserID(_ external: String) throws -> Int64? {
        registry.lock.lock()
        defer { registry.lock.unlock() }
        return try database.scalarInt("SELECT id FROM users WHERE external_id = ?", .text(external))
    }

    /// Writes the new users met so far when they are many (`usersPerSave`), so that a thread
    /// writes them while others read on, instead of all of them at the end while the others wait
    /// (1.28M users of a 10M-event file: 2.3 s).
    func saveUsersIfMany() throws {
        registry.newUsersLock.lock()
        let many = registry.newUsers.count >= Self.usersPerSave
        registry.newUsersLock.unlock()
        if many { try saveUsers() }
    }

    /// Writes the users met for the first time; must run before anything reads `users` in the same
    /// transaction. They have consecutive ids in the order they were met and are inserted in id order,
    /// 32 a statement (`BatchedInsert`).
    func saveUsers() throws {
        // The users met so far; those met from now on are the next call's.
        registry.newUsersLock.lock()
        let users = registry.newUsers
        registry.newUsers = []
        registry.newUsersLock.unlock()
        guard let first = users.first else { return }
        // Ids are handed out one after another under `newUsersLock`, in the order of `newUsers`.
        precondition(users[users.count - 1].id == first.id + Int64(users.count - 1), "new user ids are consecutive")
        // Other threads may be reading on: the database is theirs too (new labels), under `lock`.
        registry.lock.lock()
        defer { registry.lock.unlock() }
        // Many new users so far, at least as many as were stored, and none looked up in the database
        // (the stored ones, if any, are in memory): the index of external ids is built once after the
        // file's users (`restoreUserIndex`) instead of entry by entry in random order (1.28M users, in the
        // sqlite3 shell: 0.9 s of CPU inserted and 1.0 s to build, against 2.8-3.4 s inserted into it).
        let newSoFar = users[users.count - 1].id - registry.storedUsers
        if registry.droppedUserIndex.isEmpty, !registry.hadUsers, newSoFar >= Int64(Self.usersPerSave),
           newSoFar >= registry.storedUsers {
            registry.droppedUserIndex = try database.dropIndexes([Self.externalIDIndex])
        }
        let insert = try BatchedInsert(database: database, table: "users", columns: ["id", "external_id"])
        try users.withUnsafeBufferPointer { users in
            try insert.insert(count: users.count) { row, insert, first in
                try insert.bind(users[row].id, at: first)
                try insert.bind(users[row].external, at: first + 1)
            }
        }
    }

    /// Lets go of the users in memory (about 40 bytes each, 50 MB for 1.28M users), once every user
    /// of the file was met and written (`saveUsers`): the store that follows keeps several buckets of
    /// derived rows in memory. No user may be looked up afterwards.
    func releaseUsers() {
        for shard in registry.userShards {
            shard.lock.lock()
            shard.users = ByteInterner()
            shard.lock.unlock()
        }
        recentUsers = RecentIDs()
        registry.usersReleased = true
    }

    /// Builds the index of external ids if `saveUsers` dropped it: after the file's users are
    /// written, before anything looks users up by external id (a no-op once built).
    func restoreUserIndex() throws {
        registry.lock.lock()
        defer { registry.lock.unlock() }
        try database.createIndexes(registry.droppedUserIndex)
        registry.droppedUserIndex = []
    }

    /// The unique index of `users.external_id` (migration 12).
    static let externalIDIndex = "users_by_external_id"

    /// New users written at once when this many are met (`saveUsersIfMany`); beyond as many in a new
    /// database, their index is built after them.
    static let usersPerSave = 1 << 16
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
