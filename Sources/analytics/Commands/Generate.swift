import Analytics
import ArgumentParser

struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write realistic, deterministic events.csv and orders.csv for demos, tests and benchmarks.")

    @Option(help: "How many clickstream events to write (orders come on top).")
    var events: Int = 10_000

    @Option(help: "The random seed; the same seed gives the same files.")
    var seed: UInt64 = 1

    @Option(help: "The folder to write into (created when missing).")
    var out: String

    @Option(help: "How many days the data spans, from 2024-03-01.")
    var days: Int = 56

    func validate() throws {
        guard events > 0 else { throw ValidationError("--events must be positive.") }
        guard days > 0 else { throw ValidationError("--days must be positive.") }
    }

    func run() throws {
        var generator = DataGenerator(events: events, seed: seed)
        generator.days = days
        let output = try generator.write(to: out)
        print("wrote \(Format.grouped(Int64(output.events))) events to \(output.eventsPath)")
        print("wrote \(Format.grouped(Int64(output.orders))) orders to \(output.ordersPath)")
        print("\(Format.grouped(Int64(output.users))) users over \(days) days from 2024-03-01")
    }
}
