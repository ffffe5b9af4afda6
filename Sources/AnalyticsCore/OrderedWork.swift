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

/// A mutable box handed to one other thread, which alone uses it until the
/// handing thread waits for that thread to finish (a `DispatchGroup`).
package final class Unchecked<Value>: @unchecked Sendable {
    package var value: Value
    package init(_ value: Value) { self.value = value }
}
