import Analytics
import ArgumentParser

struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create the database or bring its schema up to date.",
        discussion: "Every other command does this on its own; run it to prepare a database explicitly.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let applied = try Workspace.migrate(path: global.databasePath)
        if applied.isEmpty {
            print("\(global.databasePath): schema is up to date.")
        } else {
            for migration in applied { print("applied \(migration)") }
        }
    }
}
