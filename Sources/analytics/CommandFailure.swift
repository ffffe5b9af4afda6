import Analytics
import ArgumentParser

/// The one place where errors become messages and exit codes (documented in
/// `analytics --help` and README.md): 1 some rows rejected, 2 a file aborted or
/// unreadable, 64 bad usage, 65 bad input, 66 no database at the path given,
/// 70 a database error, 73 an output file that cannot be written.
struct CommandFailure: Error {
    let message: String
    let code: Int32

    /// The message and code for a library error; nil for errors that
    /// ArgumentParser reports itself (usage errors, help, `ExitCode`).
    init?(_ error: any Error) {
        switch error {
        case let error as StoreError:
            if case .noDatabase = error { self.init(message: error.description, code: 66) } else {
                self.init(message: error.description, code: 70)
            }
        case let error as Migrator.Failure: self.init(message: error.description, code: 70)
        case let error as SQLiteError: self.init(message: error.description, code: 70)
        case let error as JourneyDefinition.Invalid: self.init(message: "invalid journey: \(error)", code: 65)
        case let error as IngestError: self.init(message: error.description, code: 64)
        case let error as UnknownField: self.init(message: error.description, code: 64)
        case let error as SQLRefused: self.init(message: error.description, code: 65)
        case let error as ClickHouseExportFailure: self.init(message: error.description, code: 73)
        case let error as WorkspaceError:
            switch error {
            case .noFiles: self.init(message: error.description, code: 2)
            case .unknownUser: self.init(message: error.description, code: 65)
            }
        case let error as CommandFailure: self = error
        default: return nil
        }
    }

    init(message: String, code: Int32) {
        self.message = message
        self.code = code
    }
}
