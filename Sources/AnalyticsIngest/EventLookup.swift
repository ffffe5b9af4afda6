import AnalyticsStorage

/// Finds stored events by their `event_id`, for files keyed by event id (orders without a user).
/// Event ids are kept per user, inside each user's block, so this reads every block once.
enum EventLookup {
    /// The user and the session key of the stored event with each of `ids` that exists.
    static func events(withIDs ids: Set<String>, in database: Database) throws -> [String: (user: Int64, sessionKey: String?)] {
        guard !ids.isEmpty else { return [:] }
        var found: [String: (user: Int64, sessionKey: String?)] = [:]
        let blocks = try database.prepare("SELECT user_id, events FROM event_blocks")
        while let row = try blocks.step() {
            let user = row.int64(0)
            for event in try row.withBlob(1, { try EventBlock.decode($0) }) {
                guard let id = event.eventID, ids.contains(id), found[id] == nil else { continue }
                found[id] = (user, event.sessionKey)
            }
            if found.count == ids.count { break }
        }
        return found
    }
}
