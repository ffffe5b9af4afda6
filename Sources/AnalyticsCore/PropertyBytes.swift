/// One event's property pairs (`PropertyCodec`), held inline when short.
///
/// Most events carry a few properties (five columns take about 15 bytes). As an array, each
/// event's pairs cost an allocation when read, a free when dropped, and an atomic reference count
/// at every copy of the event: at 10M events with 5 properties that was about a third of what the
/// properties added to an import. Up to `inlineCapacity` bytes live in the value itself (a copy is
/// a copy of its bytes); longer runs fall back to an array. Public, not `package`, so that its
/// accessors inline into the other modules (see `PropertyCodec`).
public struct PropertyBytes: Sendable, Equatable, ExpressibleByArrayLiteral {
    /// Bytes kept in the value itself.
    public static let inlineCapacity = 32

    @usableFromInline var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    /// The number of bytes in `words`, or `UInt8.max` when they are in `heap`.
    @usableFromInline var inlineCount: UInt8 = 0
    @usableFromInline var heap: [UInt8]? = nil

    /// No pairs.
    @inlinable
    public init() {}

    /// A copy of `bytes`.
    @inlinable
    public init(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count <= Self.inlineCapacity else {
            heap = Array(bytes)
            inlineCount = .max
            return
        }
        inlineCount = UInt8(bytes.count)
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        withUnsafeMutableBytes(of: &words) { $0.baseAddress!.copyMemory(from: base, byteCount: bytes.count) }
    }

    /// A copy of `bytes`.
    @inlinable
    public init(_ bytes: [UInt8]) {
        if bytes.count > Self.inlineCapacity {
            heap = bytes
            inlineCount = .max
        } else {
            self = bytes.withUnsafeBytes { PropertyBytes($0) }
        }
    }

    @inlinable
    public init(arrayLiteral elements: UInt8...) { self.init(elements) }

    @inlinable
    public var count: Int { inlineCount == .max ? heap!.count : Int(inlineCount) }

    @inlinable
    public var isEmpty: Bool { inlineCount == 0 }

    /// Calls `body` with the bytes.
    @inlinable
    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        if inlineCount == .max { return try heap!.withUnsafeBytes(body) }
        let count = Int(inlineCount)
        return try Swift.withUnsafeBytes(of: words) { try body(UnsafeRawBufferPointer(rebasing: $0[..<count])) }
    }

    /// The bytes as an array.
    @inlinable
    public var array: [UInt8] {
        if inlineCount == .max { return heap! }
        return withUnsafeBytes { Array($0) }
    }

    @inlinable
    public static func == (lhs: PropertyBytes, rhs: PropertyBytes) -> Bool {
        lhs.withUnsafeBytes { left in rhs.withUnsafeBytes { right in left.elementsEqual(right) } }
    }
}

extension PropertyCodec {
    /// Decodes every pair of an event's bytes.
    package static func decode(_ bytes: PropertyBytes) -> [(property: Int64, value: Int64)] {
        bytes.withUnsafeBytes { decode($0) }
    }

    /// The pairs of `primary` and those of `secondary` for properties `primary` lacks.
    package static func merged(_ primary: PropertyBytes, _ secondary: PropertyBytes) -> PropertyBytes {
        guard !secondary.isEmpty else { return primary }
        return PropertyBytes(merged(primary.array, secondary.array))
    }
}
