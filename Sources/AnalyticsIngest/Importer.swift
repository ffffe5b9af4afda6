import Foundation
import AnalyticsCore
import AnalyticsStorage
import CSVScanner

/// Imports CSV files of clickstream events and orders into the store.
///
/// Each file is one transaction: afterwards it is either fully imported (all
/// its valid rows) or not at all, even if the process is killed. A file whose
/// content (SHA-256) was imported before is skipped unless `force` is set.
package final class Importer {
    private let database: Database
    private let options: ImportOptions
    /// Receives progress a few times a second while a file is read.
    package var progress: ((ImportProgress) -> Void)?
    /// Keeps sessions and timelines current inside each file's transaction (the sessions layer).
    package var upkeep: DerivedDataUpkeep?

    /// Rejects kept to record with an aborted file.
    static let abortedRejectsKept = 1000

    /// The files `importFile` will be given next, in that order, hashed on a background thread one
    /// file ahead (`hashAhead`), and how many of them were taken.
    private var hashes: (paths: [String], taken: Int, work: OrderedWork<(stamp: FileStamp?, hash: FileHash)>)?

    package init(database: Database, options: ImportOptions) {
        self.database = database
        self.options = options
    }

    /// The files to import for the given arguments: files as given, folders
    /// expanded to their `*.csv` and `*.csv.gz` files in name order.
    package static func expand(_ arguments: [String]) -> [String] {
        arguments.flatMap { argument -> [String] in
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory), isDirectory.boolValue else {
                return [argument]
            }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: argument)) ?? []
            return names.filter { $0.hasSuffix(".csv") || $0.hasSuffix(".csv.gz") }.sorted()
                .map { URL(fileURLWithPath: argument).appending(path: $0).path }
        }
    }

    /// The order in which to import `files` (indices into it): when every file is an events file or
    /// an orders file that names its users, the orders files first, then the events files, each in
    /// the order given; otherwise as given. Sessions are derived from events and orders together,
    /// so an events file imported after its orders derives each user once, where orders imported
    /// after the events re-derive every user they touch (7.6 s of 37 s for the benchmark's 10M events
    /// and their orders). Nothing else moves: orders files keep their order among themselves (a
    /// later row of an order wins), and any other file (orders keyed by event id, event details, a
    /// file whose header cannot be read) keeps the whole command in the order given.
    ///
    /// An orders file followed by an events file defers its users' derivation to it
    /// (`importFile(_:deferDerivation:)`): they are derived once, with the events.
    package func importPlan(_ files: [String]) -> [(index: Int, defersDerivation: Bool)] {
        enum Kind { case events, ordersWithUsers, other }
        func kind(_ path: String) -> Kind {
            guard let source = try? openByteSource(path: path) else { return .other }
            let reader = CSVReader(source: source, delimiter: options.delimiter, bufferSize: 1 << 16)
            guard (try? reader.next()) == true else { return .other }
            let header = (0..<reader.fieldCount).map(reader.fieldString)
            guard let layout = try? HeaderLayout(header: header, path: path, kind: options.kind, mapping: options.mapping) else {
                return .other
            }
            switch layout.kind {
            case .events: return .events
            case .orders: return layout.has(.userID) ? .ordersWithUsers : .other
            case .eventDetails: return .other
            }
        }
        let asGiven = files.indices.map { (index: $0, defersDerivation: false) }
        guard files.count > 1 else { return asGiven }
        let kinds = files.map(kind)
        guard !kinds.contains(where: { $0 == .other }) else { return asGiven }
        let followedByEvents = kinds.contains(.events)
        return files.indices.filter { kinds[$0] == .ordersWithUsers }.map { ($0, followedByEvents) }
            + files.indices.filter { kinds[$0] == .events }.map { ($0, false) }
    }

    /// Hashes `paths`, the files about to be imported in this order, each while the one before it
    /// is imported (the first at once): a command's later files are not hashed on the import's
    /// critical path (0.8 s for the benchmark's 10M events, imported after their orders).
    package func hashAhead(_ paths: [String]) {
        stopHashing()
        guard paths.count > 1 else { return }
        hashes = (paths, 0, OrderedWork(count: paths.count, workers: 1, ahead: 1) { index in
            // The stamp before the hash: a file that changes while it is hashed is hashed again.
            let stamp = FileStamp(path: paths[index])
            return (stamp, try FileHasher.sha256(path: paths[index]))
        })
    }

    /// Stops hashing ahead (waiting for a hash under way).
    package func stopHashing() {
        hashes?.work.finish()
        hashes = nil
    }

    /// A file's SHA-256, size and cuts: hashed ahead when it is the next file `hashAhead` was given and is
    /// as it was then (same device, inode, size and modification time), else hashed now (also when
    /// it could not be read then: it may be there now).
    private func hash(_ path: String) throws -> FileHash {
        guard let ahead = hashes, ahead.taken < ahead.paths.count, ahead.paths[ahead.taken] == path else {
            return try FileHasher.sha256(path: path)
        }
        hashes?.taken += 1
        if let hashed = try? ahead.work.take(ahead.taken), let stamp = hashed.stamp, FileStamp(path: path) == stamp {
            return hashed.hash
        }
        return try FileHasher.sha256(path: path)
    }

    /// Imports one file and says what happened; never throws for bad input.
    /// - Parameter deferDerivation: leave the sessions and timelines of the users the file touches
    ///   to the next file of the command (they wait as pending, `DerivedDataUpkeep.finish`).
    /// - Throws: only `SQLiteError` for database failures (disk full, locked).
    package func importFile(_ path: String, deferDerivation: Bool = false) throws -> ImportResult {
        let started = Date()
        var result = ImportResult(path: path, status: .failed)
        do {
            // Hashing first costs a second read of the file (0.7-1.0 s for the benchmark's 869 MB, its
            // `hash` phase) but lets a repeat be skipped without parsing it.
            let hashStarted = Date()
            let (sha256, size, cuts) = try hash(path)
            result.phases.append(ImportPhase(name: "hash", seconds: Date().timeIntervalSince(hashStarted)))
            result.sha256 = sha256
            result.sizeBytes = size
            // A quick look first (no parsing for a repeat); the decision is made again inside
            // the write transaction, where no other import can record the same file meanwhile.
            if let previous = try previousImport(sha256), !options.force {
                skip(&result, previous: previous)
                return result
            }
            let before = result
            do {
                try load(path: path, into: &result, cuts: cuts, deferDerivation: deferDerivation)
            } catch is FileLoad.ReadAgainWhole {
                // Rare: the cut for two readers fell inside a quoted field (nothing was kept).
                result = before
                try load(path: path, into: &result, cuts: nil, deferDerivation: deferDerivation)
            }
        } catch let repeated as AlreadyImported {
            skip(&result, previous: (repeated.importID, repeated.finishedMilliseconds))
        } catch let error as IngestError {
            result.status = error.isAbort ? .aborted : .failed
            result.message = error.description
        } catch let error as ByteSourceError {
            result.status = .failed
            result.message = IngestError.unreadable(path: error.path, reason: error.reason).description
        } catch let reason as RejectReason {
            result.status = .failed
            result.message = "\(path): \(reason)"
        }
        result.seconds = Date().timeIntervalSince(started)
        return result
    }

    /// The completed import of the same content with the same storage options, if any.
    private func previousImport(_ sha256: String) throws -> (Int64, Int64)? {
        try database.query("""
            SELECT id, finished_ms FROM imports WHERE sha256 = ? AND options_key = ? AND status = 'completed'
            ORDER BY id DESC LIMIT 1
            """, [.text(sha256), .text(options.storageKey)]) { ($0.int64(0), $0.int64(1)) }.first
    }

    private func skip(_ result: inout ImportResult, previous: (Int64, Int64)) {
        result.status = .skipped
        result.previousImportID = previous.0
        result.message = "already imported as import #\(previous.0) on \(Timestamp.iso8601(previous.1)); "
            + "nothing to do (use --force to import it again)"
    }

    /// Thrown inside the transaction when another import recorded the same file first.
    struct AlreadyImported: Error {
        let importID: Int64
        let finishedMilliseconds: Int64
    }

    /// - Parameter cuts: where an events file is cut for two reading threads (`FileSplit`); nil: one reads it.
    private func load(path: String, into result: inout ImportResult, cuts: [FileSplit]?, deferDerivation: Bool) throws {
        let source = try openByteSource(path: path)
        let reader = CSVReader(source: source, delimiter: options.delimiter)
        guard try reader.next() else { throw IngestError.emptyFile(path: path) }
        let header = (0..<reader.fieldCount).map(reader.fieldString)
        let layout = try HeaderLayout(header: header, path: path, kind: options.kind, mapping: options.mapping)
        result.kind = layout.kind
        if !layout.properties.isEmpty {
            result.warnings.append("kept as properties: " + layout.properties.map(\.name).joined(separator: ", "))
        }
        if !layout.ignoredColumns.isEmpty {
            result.warnings.append("ignored columns: " + layout.ignoredColumns.joined(separator: ", "))
        }
        var keptRejects: [(line: Int, reason: String, raw: String)] = []
        // Reads go through SQLite's page cache (Database.cacheKibibytes), not a memory map: mapped pages
        // count in the process's RSS, and the final checkpoint would write the whole database through them.
        try database.setMemoryMapped(false)
        // A database this command created is filled, until it has events, in rollback-journal mode:
        // nothing needs journaling beyond the few pages that existed, so each page is written once,
        // where WAL mode writes it twice (to the WAL, then the checkpoint): 2 s of a 10M-event import.
        // It stays atomic and safe from kill -9 (a hot journal is rolled back on the next open). The
        // price: another process that opens the new database meanwhile waits for the import (it
        // would find it empty). An existing database is never switched (its readers never wait);
        // nor is this one when another connection has it open already (the switch fails).
        if database.path != ":memory:", try database.journalMode() != "wal" { try database.restoreWAL() }
        let rollbackJournal = try database.createdFile
            && database.scalarInt("SELECT EXISTS (SELECT 1 FROM event_blocks)") == 0
            && (try? database.scalarText("PRAGMA journal_mode = DELETE"))??.lowercased() == "delete"
        defer { if rollbackJournal { try? database.restoreWAL() } }
        var bodyEnded = Date()
        do {
            try database.transaction {
                var touched = Set<Int64>()
                let previous = try previousImport(result.sha256 ?? "")
                if let previous, !options.force {
                    throw AlreadyImported(importID: previous.0, finishedMilliseconds: previous.1)
                }
                let previousID = previous?.0
                result.previousImportID = previousID
                try upkeep?.beginFile()
                if let previousID { try replace(importID: previousID, touched: &touched) }
                try database.run("""
                    INSERT INTO imports (path, size_bytes, sha256, kind, status, started_ms, options_key)
                    VALUES (?, ?, ?, ?, 'completed', ?, ?)
                    """, .text(path), .integer(result.sizeBytes), .string(result.sha256), .text(layout.kind.rawValue),
                    .integer(Clock.nowMilliseconds()), .text(options.storageKey))
                let importID = database.lastInsertRowID
                result.importID = importID
                var load = try FileLoad(database: database, importID: importID, layout: layout, options: options,
                                        labels: try LabelStore(database: database, preloadUsersUpTo: Int(result.sizeBytes / 64)),
                                        replacing: previousID,
                                        upkeep: upkeep)
                try load.run(reader: reader, source: source, path: path, total: result.sizeBytes, cuts: cuts, progress: progress) { line, reason, raw in
                    if keptRejects.count < Self.abortedRejectsKept { keptRejects.append((line, reason, raw)) }
                }
                result.phases += load.phases
                result.readers = load.readers
                result.rowsRead = load.rowsRead
                result.rowsImported = load.rowsImported
                result.rowsDuplicate = load.rowsDuplicate
                result.rowsUpdated = load.rowsUpdated
                result.rowsRejected = load.rowsRejected
                if load.rowsRejected > FileLoad.rejectsKept {
                    result.warnings.append("\(load.rowsRejected - FileLoad.rejectsKept) more rejected rows were counted "
                        + "but not recorded (the first \(FileLoad.rejectsKept) are)")
                }
                touched.formUnion(load.touchedUsers)
                try checkFinalLimit(result: result, path: path)
                // A file of which no row could be read is not imported: correct the options and try again.
                if result.rowsRejected > 0, result.rowsRejected == result.rowsRead {
                    throw FileLoad.Abort(rowsRead: result.rowsRead, rowsRejected: result.rowsRejected, everyRow: true)
                }
                try database.run("""
                    UPDATE imports SET rows_read = ?, rows_imported = ?, rows_duplicate = ?, rows_updated = ?,
                        rows_rejected = ?, finished_ms = ? WHERE id = ?
                    """, .integer(Int64(result.rowsRead)), .integer(Int64(result.rowsImported)),
                    .integer(Int64(result.rowsDuplicate)), .integer(Int64(result.rowsUpdated)),
                    .integer(Int64(result.rowsRejected)), .integer(Clock.nowMilliseconds()), .integer(importID))
                if let previousID {
                    try database.run("UPDATE imports SET status = 'replaced', message = ? WHERE id = ?",
                                     .text("replaced by import #\(importID)"), .integer(previousID))
                }
                if let upkeep {
                    if !touched.isEmpty && !deferDerivation {
                        progress?(ImportProgress(step: .sessions, path: path, bytesDone: result.sizeBytes,
                                                 bytesTotal: result.sizeBytes, rows: result.rowsRead, seconds: 0))
                    }
                    let sessionsStarted = Date()
                    try upkeep.finish(touched: touched, deferring: deferDerivation)
                    if !touched.isEmpty && !deferDerivation {
                        result.phases.append(ImportPhase(name: "sessions", seconds: Date().timeIntervalSince(sessionsStarted)))
                    }
                }
                bodyEnded = Date()
            }
            result.phases.append(ImportPhase(name: "commit", seconds: Date().timeIntervalSince(bodyEnded)))
            result.status = .imported
        } catch let abort as FileLoad.Abort {
            // Nothing of the file was kept: the counts of rows stored go back to zero.
            result.importID = nil
            result.rowsRead = abort.rowsRead
            result.rowsRejected = abort.rowsRejected
            result.rowsImported = 0
            result.rowsDuplicate = 0
            result.rowsUpdated = 0
            try recordAborted(path: path, layout: layout, result: &result, rejects: keptRejects,
                              message: abort.everyRow ? "every row was rejected; nothing imported"
                                  : "too many rejected rows (limit \(options.errorLimit)); nothing imported")
            if abort.everyRow { throw IngestError.everyRowRejected(path: path, rejected: abort.rowsRejected) }
            throw IngestError.tooManyRejects(path: path, rejected: abort.rowsRejected, limit: options.errorLimit.description)
        }
    }

    private func checkFinalLimit(result: ImportResult, path: String) throws {
        if case .fraction(let fraction) = options.errorLimit, result.rowsRead > 0,
           Double(result.rowsRejected) / Double(result.rowsRead) > fraction {
            throw FileLoad.Abort(rowsRead: result.rowsRead, rowsRejected: result.rowsRejected)
        }
    }

    /// Undoes what an earlier import of the same content added, for `--force`.
    private func replace(importID: Int64, touched: inout Set<Int64>) throws {
        var users: [Int64] = []
        try EventBlock.forEachUser(in: database) { user, events in
            if events.contains(where: { $0.importID == importID }) { users.append(user) }
        }
        for user in users {
            touched.insert(user)
            try EventBlock.write(try EventBlock.events(of: user, in: database).filter { $0.importID != importID },
                                 of: user, in: database)
        }
        for user in try database.query("SELECT DISTINCT user_id FROM orders WHERE import_id = ?", [.integer(importID)], { $0.int64(0) }) {
            touched.insert(user)
        }
        try database.run("DELETE FROM orders WHERE import_id = ?", .integer(importID))
    }

    /// Records an aborted attempt, with the rejects that caused it, in its own transaction.
    private func recordAborted(path: String, layout: HeaderLayout, result: inout ImportResult,
                               rejects: [(line: Int, reason: String, raw: String)], message: String) throws {
        try database.transaction {
            let now = Clock.nowMilliseconds()
            try database.run("""
                INSERT INTO imports (path, size_bytes, sha256, kind, status, rows_read, rows_rejected, started_ms, finished_ms, message)
                VALUES (?, ?, ?, ?, 'aborted', ?, ?, ?, ?, ?)
                """, .text(path), .integer(result.sizeBytes), .string(result.sha256), .text(layout.kind.rawValue),
                .integer(Int64(result.rowsRead)), .integer(Int64(result.rowsRejected)), .integer(now), .integer(now),
                .text(message))
            let importID = database.lastInsertRowID
            result.importID = importID
            for reject in rejects {
                try database.run("INSERT INTO rejects (import_id, line, reason, raw) VALUES (?, ?, ?, ?)",
                                 .integer(importID), .integer(Int64(reject.line)), .text(reject.reason), .text(reject.raw))
            }
        }
    }
}

extension IngestError {
    var isAbort: Bool {
        switch self {
        case .tooManyRejects, .everyRowRejected: return true
        default: return false
        }
    }
}
