/// What happened to one file.
public struct ImportResult: Sendable, Equatable {
    public enum Status: String, Sendable {
        /// All valid rows are stored.
        case imported
        /// The same content was imported before; nothing done.
        case skipped
        /// Too many rejects; nothing stored.
        case aborted
        /// The file could not be read or understood; nothing stored.
        case failed
    }

    public var path: String
    public var status: Status
    /// The ledger id (nil for failed files and skipped ones, which point to `previousImportID`).
    public var importID: Int64?
    public var previousImportID: Int64?
    public var kind: FileKind?
    public var sha256: String?
    public var sizeBytes: Int64 = 0
    public var rowsRead = 0
    public var rowsImported = 0
    public var rowsDuplicate = 0
    public var rowsUpdated = 0
    public var rowsRejected = 0
    public var seconds = 0.0
    /// Where the time went: `hash`, `read` (parse and group by user), `store` (event blocks, sessions
    /// and timelines), `sessions` (users changed otherwise), `commit`; only the phases that ran.
    public var phases: [ImportPhase] = []
    /// How many threads read the file: 2 when a large events file was read in two halves at once.
    public var readers = 1
    /// Header columns that were ignored, and similar notes.
    public var warnings: [String] = []
    /// Why the file was skipped, aborted or failed.
    public var message: String?

    public init(path: String, status: Status) {
        self.path = path
        self.status = status
    }
}

/// The wall-clock time of one phase of a file's import.
public struct ImportPhase: Sendable, Equatable {
    public let name: String
    public let seconds: Double
}

/// Progress of the file being imported, reported a few times a second at most.
public struct ImportProgress: Sendable {
    /// What the import is doing.
    public enum Step: String, Sendable {
        case reading = "reading"
        /// No longer reported (events have no indexes to build since schema 4); kept for callers.
        case indexing = "building indexes"
        /// Writing the file's events user by user (after reading it).
        case storing = "storing events by user"
        case sessions = "updating sessions"
    }

    public var step: Step = .reading
    public var path: String
    public var bytesDone: Int64
    public var bytesTotal: Int64
    public var rows: Int
    public var seconds: Double
}
