import AnalyticsCore

/// Reads a timeline blob (`TimelineRecord`'s format) record by record, in place.
///
/// Public and inlinable, like the varint codec it uses: funnels, paths, retention and attribution
/// read every record of every user through it, from another module (a `package` declaration is
/// never inlined there, swiftlang/swift#70100).
public struct TimelineCursor {
    /// The format byte that starts every blob of this layout.
    public static let format: UInt8 = 2

    /// A session's touchpoint: channel, device and campaign ids (0: none).
    public struct Touchpoint: Equatable, Sendable {
        public var channel: Int32
        public var device: Int32
        public var campaign: Int32

        @inlinable
        public init(channel: Int32 = 0, device: Int32 = 0, campaign: Int32 = 0) {
            self.channel = channel
            self.device = device
            self.campaign = campaign
        }
    }

    /// The touchpoints of the timeline's sessions, by session index.
    public var touchpoints: [Touchpoint] = []
    /// How many records the timeline has.
    public var count = 0
    /// The current record (after `next` returned true).
    public var timestamp: Int64 = 0
    public var eventTypeID: Int32 = 0
    public var pageID: Int32 = 0
    public var sessionIndex: Int32 = 0

    @usableFromInline var bytes = UnsafeRawBufferPointer(start: nil, count: 0)
    @usableFromInline var offset = 0
    @usableFromInline var left = 0

    /// A cursor with no timeline; `start` gives it one (and keeps its buffers for the next).
    @inlinable
    public init() {}

    /// A cursor at the start of a timeline.
    @inlinable
    public init(_ bytes: UnsafeRawBufferPointer) { start(bytes) }

    /// Starts reading a timeline: reads its sessions' touchpoints. A blob of another format or one
    /// that ends early has no records (or none past the damage); reading never traps.
    @inlinable
    public mutating func start(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        touchpoints.removeAll(keepingCapacity: true)
        timestamp = 0
        count = 0
        left = 0
        offset = 1
        guard bytes.first == Self.format, let sessions = PropertyCodec.readVarint(bytes, &offset),
              sessions <= UInt64(bytes.count) else { return }
        for _ in 0..<Int(sessions) {
            guard let channel = PropertyCodec.readVarint(bytes, &offset), let device = PropertyCodec.readVarint(bytes, &offset),
                  let campaign = PropertyCodec.readVarint(bytes, &offset) else { return }
            touchpoints.append(Touchpoint(channel: Int32(truncatingIfNeeded: channel), device: Int32(truncatingIfNeeded: device),
                                          campaign: Int32(truncatingIfNeeded: campaign)))
        }
        guard let records = PropertyCodec.readVarint(bytes, &offset), records <= UInt64(bytes.count) else { return }
        count = Int(records)
        left = count
    }

    /// Moves to the next record; false after the last.
    @inlinable
    public mutating func next() -> Bool {
        guard left > 0, let delta = PropertyCodec.readVarint(bytes, &offset),
              let eventType = PropertyCodec.readVarint(bytes, &offset), let page = PropertyCodec.readVarint(bytes, &offset),
              let session = PropertyCodec.readVarint(bytes, &offset), session < UInt64(touchpoints.count) else {
            left = 0
            return false
        }
        left -= 1
        timestamp = timestamp &+ PropertyCodec.unzigzag(delta)
        eventTypeID = Int32(truncatingIfNeeded: eventType)
        pageID = Int32(truncatingIfNeeded: page)
        sessionIndex = Int32(truncatingIfNeeded: session)
        return true
    }

    /// The current record's session's touchpoint.
    @inlinable
    public var touchpoint: Touchpoint { touchpoints[Int(sessionIndex)] }
}
