import AnalyticsIngest
import AnalyticsStorage

extension Importer {
    /// An importer that, inside each file's transaction, re-sessionizes the
    /// users the file touched (sessions and funnel timelines stay current).
    package static func maintainingSessions(database: Database, options: ImportOptions,
                                            strategy: SessionStore.UpdateStrategy = .automatic) -> Importer {
        let importer = Importer(database: database, options: options)
        let sessions = SessionStore(database: database, strategy: strategy)
        importer.afterFile = { _, users in try sessions.update(users: users) }
        return importer
    }
}
