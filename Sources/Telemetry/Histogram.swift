import Synchronization

/// A Prometheus histogram over fixed bucket bounds, updated with relaxed atomic adds (no
/// lock on the hot path) and read whole by a scrape. Values are integers in `unit` (say
/// nanoseconds for a histogram of seconds, whose bounds are still given in seconds).
public final class Histogram: Sendable {
    /// Upper bounds in the exported unit, ascending; +Inf is implied.
    public let bounds: [Double]
    /// Exported value of one recorded unit (1e-9 for nanoseconds exported as seconds).
    public let unit: Double
    private let counts: [AtomicCounter]
    private let sum = Atomic<UInt64>(0)
    private let integerBounds: [UInt64]

    public init(bounds: [Double], unit: Double = 1) {
        precondition(!bounds.isEmpty && zip(bounds, bounds.dropFirst()).allSatisfy { $0 < $1 })
        self.bounds = bounds
        self.unit = unit
        integerBounds = bounds.map { UInt64(max(($0 / unit).rounded(.down), 0)) }
        counts = (0...bounds.count).map { _ in AtomicCounter() }
    }

    /// Bounds that double from `first` for `count` buckets (latencies, batch sizes).
    public static func doubling(from first: Double, count: Int, unit: Double = 1) -> Histogram {
        Histogram(bounds: (0..<count).map { first * Double(1 << $0) }, unit: unit)
    }

    /// Records one value (in units).
    @inline(__always)
    public func observe(_ value: UInt64) {
        var bucket = 0
        while bucket < integerBounds.count && value > integerBounds[bucket] { bucket += 1 }
        counts[bucket].value.add(1, ordering: .relaxed)
        sum.add(value, ordering: .relaxed)
    }

    /// Cumulative counts per bound (then +Inf), the count and the sum in exported units.
    public func snapshot() -> (cumulative: [UInt64], count: UInt64, sum: Double) {
        var running: UInt64 = 0
        let cumulative = counts.map { count -> UInt64 in
            running += count.value.load(ordering: .relaxed)
            return running
        }
        return (cumulative, running, Double(sum.load(ordering: .relaxed)) * unit)
    }
}

/// One atomic counter as an object, so counters can live in an array.
public final class AtomicCounter: Sendable {
    public let value = Atomic<UInt64>(0)
    public init() {}
    @inline(__always) public func add(_ amount: UInt64 = 1) { value.add(amount, ordering: .relaxed) }
    public var current: UInt64 { value.load(ordering: .relaxed) }
}
