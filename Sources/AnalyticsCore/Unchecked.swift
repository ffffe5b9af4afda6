/// A mutable box handed to one other thread, which alone uses it until the
/// handing thread waits for that thread to finish (a `DispatchGroup`).
package final class Unchecked<Value>: @unchecked Sendable {
    package var value: Value
    package init(_ value: Value) { self.value = value }
}
