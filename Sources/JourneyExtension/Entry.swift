import CSQLite
import AnalyticsQueries

/// The loadable extension's entry point: `.load libJourneyExtension` in the sqlite3 shell, or
/// `connection.load_extension(...)` in Python, registers the `journey_events` table and the
/// `window_funnel` and `retention` functions on that connection (docs/schema.md, "SQL views").
/// The library links the system libsqlite3, the same one those programs use.
@_cdecl("sqlite3_journeyextension_init")
public func sqlite3_journeyextension_init(_ connection: OpaquePointer?,
                                          _ errorMessage: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                          _ api: UnsafeRawPointer?) -> Int32 {
    guard let connection else { return SQLITE_ERROR }
    let table = JourneyEventsTable.register(on: connection)
    guard table == SQLITE_OK else { return table }
    return JourneyFunctions.register(on: connection)
}
