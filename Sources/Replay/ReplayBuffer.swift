import Randomness

/// Recent unrolls kept for re-use: a ring of `capacity`, sampled uniformly or by
/// priority (p^α through a sum tree) with importance weights (N·P(i))^-β, normalised by
/// their maximum. A pure data structure: one thread (the learner) owns it.
public struct ReplayBuffer: Sendable {
    public enum Sampling: String, Sendable, CaseIterable { case uniform, prioritized }

    public struct Sample: Sendable {
        public let slot: Int
        public let unroll: Unroll
        public let weight: Float
    }

    public let capacity: Int
    public let sampling: Sampling
    public let alpha: Double
    public let beta: Double
    private var slots: [Unroll?]
    private var tree: SumTree
    private var next = 0
    public private(set) var count = 0
    private var maxPriority = 1.0

    public init(capacity: Int, sampling: Sampling, alpha: Double = 0.6, beta: Double = 0.4) {
        precondition(capacity >= 1)
        self.capacity = capacity
        self.sampling = sampling
        self.alpha = alpha
        self.beta = beta
        slots = Array(repeating: nil, count: capacity)
        tree = SumTree(capacity: capacity)
    }

    /// Adds an unroll, replacing the oldest when full; new ones get the highest priority
    /// seen so they are replayed at least once.
    public mutating func insert(_ unroll: Unroll) {
        slots[next] = unroll
        tree.update(next, priority: pow(maxPriority, alpha))
        next = (next + 1) % capacity
        count = min(count + 1, capacity)
    }

    /// Draws `n` unrolls (with replacement). Empty when the buffer is.
    public func sample(_ n: Int, using generator: inout SeededGenerator) -> [Sample] {
        guard count > 0 else { return [] }
        var samples: [Sample] = []
        samples.reserveCapacity(n)
        switch sampling {
        case .uniform:
            for _ in 0..<n {
                let slot = Int(generator.next() % UInt64(count))
                samples.append(Sample(slot: slot, unroll: slots[slot]!, weight: 1))
            }
        case .prioritized:
            let total = tree.total
            var slotsDrawn: [Int] = []
            for _ in 0..<n { slotsDrawn.append(tree.find(generator.nextUnitDouble() * total)) }
            let weights = slotsDrawn.map { pow(Double(count) * tree.priority($0) / total, -beta) }
            let largest = weights.max() ?? 1
            for (slot, weight) in zip(slotsDrawn, weights) {
                samples.append(Sample(slot: slot, unroll: slots[slot]!, weight: Float(weight / largest)))
            }
        }
        return samples
    }

    /// Sets the priority of a sampled slot (e.g. its mean absolute advantage).
    public mutating func updatePriority(slot: Int, priority: Double) {
        guard sampling == .prioritized, slots[slot] != nil else { return }
        let p = max(priority, 1e-6)
        maxPriority = max(maxPriority, p)
        tree.update(slot, priority: pow(p, alpha))
    }
}

#if canImport(Glibc)
import Glibc
#endif
