#if canImport(Glibc)
import Glibc
#endif
import Randomness

/// Draws actions from softmax(logits) with a seeded generator (or takes the argmax).
/// A value: each thread that samples owns its own.
public struct ActionSampler: Sendable {
    private var generator: SeededGenerator

    public init(seed: UInt64) {
        generator = SeededGenerator(seed: seed, stream: 0xAC7)
    }

    /// Samples an index from the softmax of `logits[0..<count]`, numerically stable.
    public mutating func sample(logits: UnsafePointer<Float>, count: Int) -> Int {
        var maximum = logits[0]
        for index in 1..<count where logits[index] > maximum { maximum = logits[index] }
        var total: Float = 0
        for index in 0..<count { total += expf(logits[index] - maximum) }
        var threshold = generator.nextUnitFloat() * total
        for index in 0..<count {
            threshold -= expf(logits[index] - maximum)
            if threshold < 0 { return index }
        }
        return count - 1  // rounding left a sliver: the last action
    }

    /// The most likely action (first on ties).
    public static func greedy(logits: UnsafePointer<Float>, count: Int) -> Int {
        var best = 0
        for index in 1..<count where logits[index] > logits[best] { best = index }
        return best
    }
}
