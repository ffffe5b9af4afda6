/// Why a whole file could not be imported.
public enum IngestError: Error, Equatable, CustomStringConvertible {
    /// The file cannot be read, or its compression is broken.
    case unreadable(path: String, reason: String)
    /// The header lacks a required column.
    case missingColumns(path: String, kind: FileKind, missing: [String], found: [String])
    /// The header fits neither kind of file.
    case unknownKind(path: String, found: [String])
    /// The file has no header line.
    case emptyFile(path: String)
    /// A `--map` or mapping file is invalid.
    case invalidMapping(String)
    /// A column would become a property with the name of a built-in field.
    case propertyCollision(path: String, column: String)
    /// Every row of the file was rejected; nothing was imported.
    case everyRowRejected(path: String, rejected: Int)
    /// More rows were rejected than allowed; nothing of the file was imported.
    case tooManyRejects(path: String, rejected: Int, limit: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason):
            return "\(path): cannot read the file: \(reason)"
        case let .missingColumns(path, kind, missing, found):
            return "\(path): missing required \(kind.rawValue) column\(missing.count == 1 ? "" : "s") "
                + missing.joined(separator: ", ") + "; the header has: " + found.joined(separator: ", ")
                + ". Map a column with --map NAME=COLUMN."
        case let .unknownKind(path, found):
            return "\(path): cannot tell whether this is an events, orders or event-details file from its header ("
                + found.joined(separator: ", ") + "); use --kind events|orders|event-details and --map NAME=COLUMN."
        case let .emptyFile(path):
            return "\(path): the file is empty (no header line)"
        case let .propertyCollision(path, column):
            return "\(path): column '\(column)' is not mapped, and a property cannot take the name of a built-in field; "
                + "map it (--map \(column.lowercased())=\(column)), or leave it out with --ignore-column \(column)"
        case let .invalidMapping(message):
            return "invalid column mapping: \(message)"
        case let .everyRowRejected(path, rejected):
            return "\(path): every row (\(rejected)) was rejected, so nothing was imported; see `analytics rejects` "
                + "for the reasons, correct the options (--map, --delimiter, --assume-timezone...) and import it again."
        case let .tooManyRejects(path, rejected, limit):
            return "\(path): aborted after \(rejected) rejected rows (limit \(limit)); nothing from this file was imported. "
                + "See `analytics rejects` for the reasons."
        }
    }
}
