import ArgumentParser

/// `analytics exit-codes` (and `analytics help exit-codes`): the exit codes every command shares.
struct ExitCodes: ParsableCommand {
    static let table = """
        0   success (files imported or skipped as already imported)
        1   some rows were rejected; their files were imported (see `analytics rejects`)
        2   a file was aborted (too many rejects, every row rejected) or could not be read
        64  bad usage: an unknown option, a bad mapping or role, a malformed --where, an unknown field
        65  invalid input: a journey file, an unknown user
        66  no database at the path given (only import, report PATH and migrate create one)
        70  a database error: cannot open, an incompatible schema
        73  an output file (report --out) cannot be written
        """

    static let configuration = CommandConfiguration(
        commandName: "exit-codes",
        abstract: "List the exit codes every command uses.",
        discussion: table)

    func run() {
        print(Self.table)
    }
}
