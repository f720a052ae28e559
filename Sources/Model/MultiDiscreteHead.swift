import Contract
import Randomness

/// Several discrete choices at once (a gamepad's buttons, say): one independent softmax
/// per dimension over consecutive outputs; log-probabilities and entropies add up.
public struct MultiDiscreteHead: PolicyHead {
    public let counts: [Int]
    /// Where dimension d's logits start among the outputs.
    private let offsets: [Int]
    public var name: String { "multi-discrete" }
    public var action: ActionSpec { .multiDiscrete(counts) }
    public let outputCount: Int
    public var parameterCount: Int { 0 }

    public init(counts: [Int]) {
        precondition(!counts.isEmpty && counts.allSatisfy { $0 >= 1 })
        self.counts = counts
        offsets = counts.indices.map { counts[..<$0].reduce(0, +) }
        outputCount = counts.reduce(0, +)
    }

    public func initialParameters(into parameters: UnsafeMutablePointer<Float>) {}

    public func sample(outputs: UnsafePointer<Float>, parameters: UnsafePointer<Float>, generator: inout SeededGenerator,
                       into action: UnsafeMutablePointer<Float>) -> Float {
        var logProbability: Float = 0
        for (d, count) in counts.enumerated() {
            let (index, logProbabilityOfIndex) = Categorical.sample(logits: outputs + offsets[d], count: count, generator: &generator)
            action[d] = Float(index)
            logProbability += logProbabilityOfIndex
        }
        return logProbability
    }

    public func mode(outputs: UnsafePointer<Float>, parameters: UnsafePointer<Float>, into action: UnsafeMutablePointer<Float>) -> Float {
        var logProbability: Float = 0
        for (d, count) in counts.enumerated() {
            let index = Categorical.greedy(logits: outputs + offsets[d], count: count)
            action[d] = Float(index)
            logProbability += LogSoftmax(logits: outputs + offsets[d], count: count).log(index)
        }
        return logProbability
    }

    public func logProbability(outputs: UnsafePointer<Float>, parameters: UnsafePointer<Float>, action: UnsafePointer<Float>) -> Float {
        var total: Float = 0
        for (d, count) in counts.enumerated() {
            total += LogSoftmax(logits: outputs + offsets[d], count: count).log(Int(action[d]))
        }
        return total
    }

    public func entropy(outputs: UnsafePointer<Float>, parameters: UnsafePointer<Float>) -> Float {
        var total: Float = 0
        for (d, count) in counts.enumerated() {
            total += Categorical.entropy(LogSoftmax(logits: outputs + offsets[d], count: count), count: count)
        }
        return total
    }

    public func lossGradient(outputs: UnsafePointer<Float>, parameters: UnsafePointer<Float>, action: UnsafePointer<Float>,
                             logProbabilityWeight: Float, entropyWeight: Float, scale: Float,
                             outputGradient: UnsafeMutablePointer<Float>, parameterGradient: UnsafeMutablePointer<Float>)
        -> (logProbability: Float, entropy: Float) {
        var logProbability: Float = 0, entropy: Float = 0
        for (d, count) in counts.enumerated() {
            let terms = Categorical.lossGradient(
                logits: outputs + offsets[d], count: count, action: Int(action[d]), logProbabilityWeight: logProbabilityWeight,
                entropyWeight: entropyWeight, scale: scale, gradient: outputGradient + offsets[d])
            logProbability += terms.logProbability
            entropy += terms.entropy
        }
        return (logProbability, entropy)
    }
}
