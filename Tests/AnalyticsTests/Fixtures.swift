import Foundation
@testable import Analytics
@testable import AnalyticsCore
@testable import AnalyticsIngest
@testable import AnalyticsQueries
@testable import AnalyticsReports
@testable import AnalyticsSessions
@testable import AnalyticsStorage
@testable import CSVScanner

/// A database filled from CSV texts through the real importer and session upkeep.
struct Fixture {
    let directory = TemporaryDirectory()
    let database: Database
    var strategy = SessionStore.UpdateStrategy.automatic

    init(timeout: Int64? = nil) throws {
        database = try Store.open(path: directory.path("fixture.sqlite"))
        if let timeout { try SessionStore(database: database).rebuild(timeoutMilliseconds: timeout) }
    }

    /// Imports CSV text as a file; fails the test on rejects.
    @discardableResult
    func load(_ csv: String, name: String = UUID().uuidString + ".csv") throws -> ImportResult {
        let path = try directory.write(name, csv)
        let importer = Importer.maintainingSessions(database: database, options: ImportOptions(), strategy: strategy)
        let result = try importer.importFile(path)
        precondition(result.status == .imported && result.rowsRejected == 0, "fixture rows rejected: \(result)")
        return result
    }

    /// Imports clickstream rows given as `time,user,type[,page,channel,device,campaign,session_id]` lines.
    @discardableResult
    func events(_ lines: [String]) throws -> ImportResult {
        try load(csv(header: "timestamp,user_id,event_type,page,channel,device,campaign,session_id", lines))
    }

    /// Imports orders given as `order_id,time,user,revenue[,status[,session_id]]` lines.
    @discardableResult
    func orders(_ lines: [String]) throws -> ImportResult {
        try load(csv(header: "order_id,timestamp,user_id,revenue,status,session_id", lines))
    }

    /// A CSV file from a header and short lines, padded with empty fields.
    private func csv(header: String, _ lines: [String]) -> String {
        let width = header.split(separator: ",").count
        return ([header] + lines.map { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return (fields + Array(repeating: "", count: max(0, width - fields.count))).joined(separator: ",")
        }).joined(separator: "\n") + "\n"
    }

    func sessions(of user: String) throws -> [Session] {
        try SessionStore(database: database).list(user: user).map(\.session)
    }

    func touchpoints(by dimension: TouchpointDimension = .channel, range: TimeRange = .all) throws -> TouchpointReport {
        try TouchpointReport.compute(database, by: dimension, range: range)
    }
}

/// `2024-03-01T10:MM:SS.mmmZ` for minute/second offsets, to keep fixtures short.
func t(_ minutes: Int, _ seconds: Int = 0, ms: Int = 0, day: Int = 1, hour: Int = 10) -> String {
    String(format: "2024-03-%02dT%02d:%02d:%02d.%03dZ", day, hour, minutes, seconds, ms)
}

/// Milliseconds of `t(...)`.
func ms(_ minutes: Int, _ seconds: Int = 0, ms extra: Int = 0, day: Int = 1, hour: Int = 10) -> Int64 {
    Timestamp.milliseconds(year: 2024, month: 3, day: Int64(day)) + Int64(hour) * 3_600_000 + Int64(minutes) * 60_000
        + Int64(seconds) * 1000 + Int64(extra)
}
