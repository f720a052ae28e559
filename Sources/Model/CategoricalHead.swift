#if canImport(Glibc)
import Glibc
#endif
import Contract
import Randomness

/// A discrete action: softmax over `count` logits; the action row is the class index.
public struct CategoricalHead: PolicyHead {
    public let count: Int
    public var name: String { "categorical" }
    public var action: ActionSpec { .discrete(count) }
    public var outputCount: Int { count }
    public var parameterCount: Int { 0 }

    public init(count: Int) {
        precondition(count >= 1)
        self.count = count
    }

    public func initialParameters(into parameters: UnsafeMutablePointer<Float>) {}

    public func sample(outputs: UnsafePointer<Float>, parameters: UnsafePointer<Float>, generator: inout SeededGenerator,
                       into action: UnsafeMutablePointer<Float>) -> Float {
        let (index, logProbability) = Categorical.sample(logits: outputs, count: count, generator: &generator)
        action[0] = Float(index)
        return logProbability
    }

    /// The same draw as `sample` (the same generator use), without the logarithm.
    public func sampleAction(outputs: UnsafePointer<Float>, parameters: UnsafePointer<Float>, generator: inout SeededGenerator,
                             into action: UnsafeMutablePointer<Float>) {
        action[0] = Float(Categorical.sampleIndex(logits: outputs, count: count, generator: &generator).index)
    }

    public func mode(outputs: UnsafePointer<Float>, parameters: UnsafePointer<Float>, into action: UnsafeMutablePointer<Float>) -> Float {
        let index = Categorical.greedy(logits: outputs, count: count)
        action[0] = Float(index)
        return LogSoftmax(logits: outputs, count: count).log(index)
    }

    public func logProbability(outputs: UnsafePointer<Float>, parameters: UnsafePointer<Float>, action: UnsafePointer<Float>) -> Float {
        LogSoftmax(logits: outputs, count: count).log(Int(action[0]))
    }

    public func entropy(outputs: UnsafePointer<Float>, parameters: UnsafePointer<Float>) -> Float {
        Categorical.entropy(LogSoftmax(logits: outputs, count: count), count: count)
    }

    public func lossGradient(outputs: UnsafePointer<Float>, parameters: UnsafePointer<Float>, action: UnsafePointer<Float>,
                             logProbabilityWeight: Float, entropyWeight: Float, scale: Float,
                             outputGradient: UnsafeMutablePointer<Float>, parameterGradient: UnsafeMutablePointer<Float>)
        -> (logProbability: Float, entropy: Float) {
        Categorical.lossGradient(logits: outputs, count: count, action: Int(action[0]), logProbabilityWeight: logProbabilityWeight,
                                 entropyWeight: entropyWeight, scale: scale, gradient: outputGradient)
    }
}

/// One softmax distribution over a row of logits: what the categorical and the
/// multi-discrete heads are made of.
enum Categorical {
    /// Samples an index from the softmax of `logits[0..<count]`, numerically stable, and
    /// gives its log-probability from the same pass (the server does this per row).
    @inline(__always)
    static func sample(logits: UnsafePointer<Float>, count: Int, generator: inout SeededGenerator)
        -> (index: Int, logProbability: Float) {
        let draw = sampleIndex(logits: logits, count: count, generator: &generator)
        return (draw.index, logits[draw.index] - (draw.maximum + logf(draw.total)))
    }

    /// As `sample` without the logarithm: the index, and the maximum logit and the sum of
    /// exp(logit − maximum) it was drawn with.
    @inline(__always)
    static func sampleIndex(logits: UnsafePointer<Float>, count: Int, generator: inout SeededGenerator)
        -> (index: Int, maximum: Float, total: Float) {
        var maximum = logits[0]
        for index in 1..<count where logits[index] > maximum { maximum = logits[index] }
        var total: Float = 0
        for index in 0..<count { total += expf(logits[index] - maximum) }
        var threshold = generator.nextUnitFloat() * total
        for index in 0..<count {
            threshold -= expf(logits[index] - maximum)
            if threshold < 0 { return (index, maximum, total) }
        }
        return (count - 1, maximum, total)  // rounding left a sliver: the last action
    }

    /// The most likely index (first on ties).
    static func greedy(logits: UnsafePointer<Float>, count: Int) -> Int {
        var best = 0
        for index in 1..<count where logits[index] > logits[best] { best = index }
        return best
    }

    static func entropy(_ logSoftmax: LogSoftmax, count: Int) -> Float {
        var entropy: Float = 0
        for j in 0..<count {
            let logP = logSoftmax.log(j)
            entropy -= expf(logP) * logP
        }
        return entropy
    }

    /// ∂/∂logits of `scale · (w · log p(action) − e · H)`: `w·(1[j=a] − p_j) + e·p_j·(log p_j + H)`.
    static func lossGradient(logits: UnsafePointer<Float>, count: Int, action: Int, logProbabilityWeight: Float,
                             entropyWeight: Float, scale: Float, gradient: UnsafeMutablePointer<Float>)
        -> (logProbability: Float, entropy: Float) {
        let logSoftmax = LogSoftmax(logits: logits, count: count)
        let entropy = entropy(logSoftmax, count: count)
        for j in 0..<count {
            let logP = logSoftmax.log(j)
            let p = expf(logP)
            let policyGradient = logProbabilityWeight * ((j == action ? 1 : 0) - p)
            let entropyGradient = entropyWeight * p * (logP + entropy)
            gradient[j] = scale * (policyGradient + entropyGradient)
        }
        return (logSoftmax.log(action), entropy)
    }
}

/// log softmax of a row, numerically stable.
public struct LogSoftmax {
    private let logits: UnsafePointer<Float>
    private let logSum: Float

    public init(logits: UnsafePointer<Float>, count: Int) {
        self.logits = logits
        var maximum = logits[0]
        for j in 1..<count where logits[j] > maximum { maximum = logits[j] }
        var sum: Float = 0
        for j in 0..<count { sum += expf(logits[j] - maximum) }
        logSum = maximum + logf(sum)
    }

    @inline(__always)
    public func log(_ index: Int) -> Float { logits[index] - logSum }
}
