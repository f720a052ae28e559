/// A log-linear histogram of durations in nanoseconds (HdrHistogram's layout with 64
/// sub-buckets per power of two: under 1.6% error), fixed memory, no allocation per
/// sample. Not thread-safe: one recorder per thread, merged afterwards.
public struct LatencyHistogram: Sendable {
    private static let subBuckets = 64
    private var counts: [UInt64]
    public private(set) var count: UInt64 = 0
    public private(set) var maximum: UInt64 = 0

    public init() {
        counts = Array(repeating: 0, count: 2 * Self.subBuckets + 58 * Self.subBuckets)
    }

    @inline(__always)
    static func index(of value: UInt64) -> Int {
        let bucket = max(0, (64 - value.leadingZeroBitCount) - 7)
        let sub = Int(value >> UInt64(bucket))
        return bucket == 0 ? sub : 2 * subBuckets + (bucket - 1) * subBuckets + (sub - subBuckets)
    }

    static func lowerBound(of index: Int) -> UInt64 {
        if index < 2 * subBuckets { return UInt64(index) }
        let bucket = (index - 2 * subBuckets) / subBuckets + 1
        let sub = (index - 2 * subBuckets) % subBuckets + subBuckets
        return UInt64(sub) << UInt64(bucket)
    }

    @inline(__always)
    public mutating func record(_ nanoseconds: UInt64) {
        counts[Self.index(of: nanoseconds)] &+= 1
        count &+= 1
        if nanoseconds > maximum { maximum = nanoseconds }
    }

    public mutating func merge(_ other: LatencyHistogram) {
        for index in counts.indices { counts[index] &+= other.counts[index] }
        count &+= other.count
        maximum = max(maximum, other.maximum)
    }

    /// The value at quantile `q` in [0, 1] (the lower edge of its bucket), 0 when empty.
    public func quantile(_ q: Double) -> UInt64 {
        guard count > 0 else { return 0 }
        let rank = max(1, UInt64((q * Double(count)).rounded(.up)))
        var seen: UInt64 = 0
        for (index, value) in counts.enumerated() where value > 0 {
            seen += value
            if seen >= rank { return min(Self.lowerBound(of: index), maximum) }
        }
        return maximum
    }

    /// Non-empty buckets as (lower bound ns, count), for plots.
    public var buckets: [(nanoseconds: UInt64, count: UInt64)] {
        counts.enumerated().compactMap { $0.element > 0 ? (Self.lowerBound(of: $0.offset), $0.element) : nil }
    }
}
