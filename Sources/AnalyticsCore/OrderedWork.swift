import Foundation

/// Runs `work` for slots 0..<count on background workers and hands the
/// results out in slot order, so one thread can consume them in order (the
/// database writer) while the others compute ahead. At most `ahead` results
/// wait unconsumed, which bounds memory.
package final class OrderedWork<Output>: @unchecked Sendable {
    // @unchecked: every mutable field is read and written under `condition`.
    private let condition = NSCondition()
    private var results: [Int: Result<Output, any Error>] = [:]
    private var handedOut = 0
    private var consumed = 0
    private var stopped = false
    private let count: Int
    private let ahead: Int
    private let workers = DispatchGroup()

    /// Starts `workerCount` workers.
    package init(count: Int, workers workerCount: Int, ahead: Int, work: @escaping @Sendable (Int) throws -> Output) {
        self.count = count
        self.ahead = max(ahead, workerCount)
        for _ in 0..<workerCount {
            DispatchQueue.global().async(group: workers) { [self] in run(work) }
        }
    }

    private func run(_ work: (Int) throws -> Output) {
        while true {
            condition.lock()
            while !stopped && handedOut < count && handedOut - consumed >= ahead { condition.wait() }
            guard !stopped, handedOut < count else {
                condition.unlock()
                return
            }
            let slot = handedOut
            handedOut += 1
            condition.unlock()
            let result = Result { try work(slot) }
            condition.lock()
            results[slot] = result
            condition.broadcast()
            condition.unlock()
        }
    }

    /// The result of `slot`, waiting for it; slots must be taken in order.
    /// - Throws: the error `work` threw for that slot.
    package func take(_ slot: Int) throws -> Output {
        condition.lock()
        defer { condition.unlock() }
        while results[slot] == nil { condition.wait() }
        consumed = slot + 1
        condition.broadcast()
        return try results.removeValue(forKey: slot)!.get()
    }

    /// Stops handing out slots and waits until every worker has returned.
    package func finish() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
        workers.wait()
    }
}

/// How many workers run CPU work next to the one thread that writes: one per core, at most 4.
package enum Workers {
    package static var count: Int { max(1, min(ProcessInfo.processInfo.activeProcessorCount, 4)) }
}

extension OrderedWork {
    /// Three stages over slots 0..<count: `prepare` on the calling thread (reading what the work
    /// needs, at most `ahead` slots before what was consumed), `work` on `workers` background
    /// threads, and `consume` on the calling thread, in slot order. Memory holds at most `ahead`
    /// slots' inputs and outputs.
    /// - Parameter meanwhile: run on the calling thread once, after the first slots' inputs are
    ///   prepared and before the first is consumed: while the workers start on them.
    package static func pipeline<Input: Sendable>(
        count: Int, workers: Int, ahead: Int, prepare: (Int) throws -> Input,
        work: @escaping @Sendable (Int, Input) throws -> Output, meanwhile: () throws -> Void = {},
        consume: (Int, Output) throws -> Void
    ) throws {
        let inputs = PreparedInputs<Input>()
        let ordered = OrderedWork(count: count, workers: workers, ahead: ahead) { slot in
            try work(slot, try inputs.wait(slot))
        }
        defer {
            inputs.cancel()
            ordered.finish()
        }
        // Consumed outputs are freed on another thread: a bucket of users' derived rows is many small
        // arrays, and freeing them took about a twentieth of the consuming thread (the database writer).
        let release = DispatchQueue(label: "OrderedWork.release")
        var prepared = 0
        for slot in 0..<count {
            while prepared < min(count, slot + ahead) {
                inputs.put(prepared, try prepare(prepared))
                prepared += 1
            }
            if slot == 0 { try meanwhile() }
            let output = Unchecked(try ordered.take(slot))
            try consume(slot, output.value)
            release.async { withExtendedLifetime(output) {} }
        }
        release.sync {}
    }
}

/// Inputs handed from the preparing thread to the workers, by slot.
private final class PreparedInputs<Input: Sendable>: @unchecked Sendable {
    // @unchecked: every mutable field is read and written under `condition`.
    private let condition = NSCondition()
    private var inputs: [Int: Input] = [:]
    private var cancelled = false

    struct Cancelled: Error {}

    func put(_ slot: Int, _ input: Input) {
        condition.lock()
        inputs[slot] = input
        condition.broadcast()
        condition.unlock()
    }

    func wait(_ slot: Int) throws -> Input {
        condition.lock()
        defer { condition.unlock() }
        while inputs[slot] == nil && !cancelled { condition.wait() }
        guard let input = inputs.removeValue(forKey: slot) else { throw Cancelled() }
        return input
    }

    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }
}
