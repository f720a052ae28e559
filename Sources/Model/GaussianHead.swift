#if canImport(Glibc)
import Glibc
#endif
import Contract
import Randomness

/// Continuous actions: a diagonal Gaussian whose means are the head's outputs and whose
/// log standard deviations are parameters of their own, one per dimension, the same in
/// every state (CleanRL's and Stable-Baselines' choice for MuJoCo). A state-dependent
/// spread would let the policy shrink σ in a few states until the importance ratios of
/// V-trace (and PPO) against slightly older behaviour explode there; a shared σ anneals
/// smoothly and exports as one constant.
///
/// The action row is the raw sample, unbounded: the server clips it into the box for the
/// environment (see the proto) and the learner trains on the sample itself, so the
/// log-probability needs no correction for the clip.
public struct GaussianHead: PolicyHead {
    public let dimensions: Int
    public let action: ActionSpec
    public var name: String { "gaussian" }
    public var outputCount: Int { dimensions }
    public var parameterCount: Int { dimensions }
    /// Bounds on log σ: e^-5 ≈ 0.007 keeps ratios finite, e^2 ≈ 7.4 covers wide boxes.
    public static let logStdRange: ClosedRange<Float> = -5...2
    private static let halfLogTwoPi: Float = 0.5 * logf(2 * Float.pi)

    public init(dimensions: Int, spec: ActionSpec) {
        precondition(dimensions >= 1 && spec.width == dimensions)
        self.dimensions = dimensions
        action = spec
    }

    /// log σ 0: σ = 1 at the start.
    public func initialParameters(into parameters: UnsafeMutablePointer<Float>) {
        parameters.update(repeating: 0, count: dimensions)
    }

    /// log σ as the head uses it: the parameter clamped into `logStdRange`.
    @inline(__always)
    public static func clampedLogStd(_ value: Float) -> Float {
        min(max(value, logStdRange.lowerBound), logStdRange.upperBound)
    }

    public func sample(outputs: UnsafePointer<Float>, parameters: UnsafePointer<Float>, generator: inout SeededGenerator,
                       into action: UnsafeMutablePointer<Float>) -> Float {
        var logProbability: Float = 0
        for d in 0..<dimensions {
            let logStd = Self.clampedLogStd(parameters[d])
            let noise = generator.nextGaussian()
            action[d] = outputs[d] + expf(logStd) * noise
            logProbability += -0.5 * noise * noise - logStd - Self.halfLogTwoPi
        }
        return logProbability
    }

    public func mode(outputs: UnsafePointer<Float>, parameters: UnsafePointer<Float>, into action: UnsafeMutablePointer<Float>) -> Float {
        action.update(from: outputs, count: dimensions)
        return logProbability(outputs: outputs, parameters: parameters, action: action)
    }

    public func logProbability(outputs: UnsafePointer<Float>, parameters: UnsafePointer<Float>, action: UnsafePointer<Float>) -> Float {
        var total: Float = 0
        for d in 0..<dimensions {
            let logStd = Self.clampedLogStd(parameters[d])
            let z = (action[d] - outputs[d]) * expf(-logStd)
            total += -0.5 * z * z - logStd - Self.halfLogTwoPi
        }
        return total
    }

    public func entropy(outputs: UnsafePointer<Float>, parameters: UnsafePointer<Float>) -> Float {
        var total: Float = 0
        for d in 0..<dimensions { total += Self.clampedLogStd(parameters[d]) + 0.5 + Self.halfLogTwoPi }
        return total
    }

    /// ∂log π/∂μ = z/σ, ∂log π/∂log σ = z² − 1, ∂H/∂log σ = 1 (0 where log σ is clamped).
    public func lossGradient(outputs: UnsafePointer<Float>, parameters: UnsafePointer<Float>, action: UnsafePointer<Float>,
                             logProbabilityWeight: Float, entropyWeight: Float, scale: Float,
                             outputGradient: UnsafeMutablePointer<Float>, parameterGradient: UnsafeMutablePointer<Float>)
        -> (logProbability: Float, entropy: Float) {
        var logProbability: Float = 0, entropy: Float = 0
        for d in 0..<dimensions {
            let logStd = Self.clampedLogStd(parameters[d])
            let inverseStd = expf(-logStd)
            let z = (action[d] - outputs[d]) * inverseStd
            logProbability += -0.5 * z * z - logStd - Self.halfLogTwoPi
            entropy += logStd + 0.5 + Self.halfLogTwoPi
            outputGradient[d] = scale * logProbabilityWeight * z * inverseStd
            if Self.logStdRange.contains(parameters[d]) {
                parameterGradient[d] += scale * (logProbabilityWeight * (z * z - 1) - entropyWeight)
            }
        }
        return (logProbability, entropy)
    }
}
