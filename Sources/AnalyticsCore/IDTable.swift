/// Values by label id, read per event: ids below `nearLimit` (label ids are small and dense) from an
/// array, others from a dictionary, so a lookup is an array read instead of a hash in the usual case.
///
/// Public, like the varint codec: a `package` declaration is never inlined into another module, also
/// when `@inlinable` (swiftlang/swift#70100), and a generic lookup per event that is not inlined is
/// not specialized either (4% of an import's instructions went to metadata lookups for `Value?`).
public struct IDTable<Value: Sendable>: Sendable {
    /// Ids below this are kept in the array.
    package static var nearLimit: Int64 { 1 << 16 }
    // Inlinable (with its storage), so that each use is specialized to its `Value`.
    @usableFromInline let near: [Value?]
    @usableFromInline let far: [Int64: Value]

    package init(_ values: [Int64: Value]) {
        var near = [Value?](repeating: nil, count: Int(min(Self.nearLimit, (values.keys.max() ?? -1) + 1)))
        var far: [Int64: Value] = [:]
        for (id, value) in values {
            if id >= 0 && id < near.count { near[Int(id)] = value } else { far[id] = value }
        }
        self.near = near
        self.far = far
    }

    @inlinable @inline(__always)
    public subscript(id: Int64) -> Value? {
        id >= 0 && id < near.count ? near[Int(id)] : far[id]
    }
}
