#if canImport(Glibc)
import Glibc
#endif
import Contract
import Randomness

/// Continuous actions: a diagonal Gaussian whose means come from the head's outputs and
/// whose log standard deviations are parameters of their own, one per dimension, the same
/// in every state (CleanRL's and Stable-Baselines' choice for MuJoCo). A state-dependent
/// spread would let the policy shrink σ in a few states until the importance ratios of
/// V-trace (and PPO) against slightly older behaviour explode there; a shared σ anneals
/// smoothly and exports as one constant.
///
/// A dimension bounded on both sides has its mean squashed into the box,
/// μ = centre + halfWidth·tanh(output): with an unbounded mean, Pendulum runs drifted to
/// means of ±70 for a box of ±2, where every sample clips to the same action, the
/// advantages vanish and nothing brings the mean back (BENCHMARKS.md, "Continuous
/// control"). A dimension unbounded on either side takes the output as its mean.
///
/// The action row is the raw sample, μ + σ·ε, unbounded: the server clips it into the box
/// for the environment (see the proto) and the learner trains on the sample itself, so the
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
    /// Per dimension: the box's centre and half width, or nil where a side is unbounded.
    public let squash: [(centre: Float, halfWidth: Float)?]

    public init(dimensions: Int, spec: ActionSpec) {
        precondition(dimensions >= 1 && spec.width == dimensions)
        self.dimensions = dimensions
        action = spec
        if case .box(let low, let high) = spec {
            squash = zip(low, high).map { low, high in
                low.isFinite && high.isFinite ? ((low + high) / 2, (high - low) / 2) : nil
            }
        } else {
            squash = Array(repeating: nil, count: dimensions)
        }
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

    /// Dimension d's mean and ∂mean/∂output.
    @inline(__always)
    func mean(_ outputs: UnsafePointer<Float>, _ d: Int) -> (value: Float, slope: Float) {
        guard let box = squash[d] else { return (outputs[d], 1) }
        let t = tanhf(outputs[d])
        return (box.centre + box.halfWidth * t, box.halfWidth * (1 - t * t))
    }

    /// The means for a head row (what `mode` takes and the ONNX export's `mean`).
    public func means(outputs: UnsafePointer<Float>, into means: UnsafeMutablePointer<Float>) {
        for d in 0..<dimensions { means[d] = mean(outputs, d).value }
    }

    public func sample(outputs: UnsafePointer<Float>, parameters: UnsafePointer<Float>, generator: inout SeededGenerator,
                       into action: UnsafeMutablePointer<Float>) -> Float {
        var logProbability: Float = 0
        for d in 0..<dimensions {
            let logStd = Self.clampedLogStd(parameters[d])
            let noise = generator.nextGaussian()
            action[d] = mean(outputs, d).value + expf(logStd) * noise
            logProbability += -0.5 * noise * noise - logStd - Self.halfLogTwoPi
        }
        return logProbability
    }

    public func mode(outputs: UnsafePointer<Float>, parameters: UnsafePointer<Float>, into action: UnsafeMutablePointer<Float>) -> Float {
        means(outputs: outputs, into: action)
        return logProbability(outputs: outputs, parameters: parameters, action: action)
    }

    public func logProbability(outputs: UnsafePointer<Float>, parameters: UnsafePointer<Float>, action: UnsafePointer<Float>) -> Float {
        var total: Float = 0
        for d in 0..<dimensions {
            let logStd = Self.clampedLogStd(parameters[d])
            let z = (action[d] - mean(outputs, d).value) * expf(-logStd)
            total += -0.5 * z * z - logStd - Self.halfLogTwoPi
        }
        return total
    }

    public func entropy(outputs: UnsafePointer<Float>, parameters: UnsafePointer<Float>) -> Float {
        var total: Float = 0
        for d in 0..<dimensions { total += Self.clampedLogStd(parameters[d]) + 0.5 + Self.halfLogTwoPi }
        return total
    }

    /// ∂log π/∂μ = z/σ (times ∂μ/∂output), ∂log π/∂log σ = z² − 1, ∂H/∂log σ = 1 (0 where
    /// log σ is clamped).
    public func lossGradient(outputs: UnsafePointer<Float>, parameters: UnsafePointer<Float>, action: UnsafePointer<Float>,
                             logProbabilityWeight: Float, entropyWeight: Float, scale: Float,
                             outputGradient: UnsafeMutablePointer<Float>, parameterGradient: UnsafeMutablePointer<Float>)
        -> (logProbability: Float, entropy: Float) {
        var logProbability: Float = 0, entropy: Float = 0
        for d in 0..<dimensions {
            let logStd = Self.clampedLogStd(parameters[d])
            let inverseStd = expf(-logStd)
            let (mean, slope) = mean(outputs, d)
            let z = (action[d] - mean) * inverseStd
            logProbability += -0.5 * z * z - logStd - Self.halfLogTwoPi
            entropy += logStd + 0.5 + Self.halfLogTwoPi
            outputGradient[d] = scale * logProbabilityWeight * z * inverseStd * slope
            if Self.logStdRange.contains(parameters[d]) {
                parameterGradient[d] += scale * (logProbabilityWeight * (z * z - 1) - entropyWeight)
            }
        }
        return (logProbability, entropy)
    }
}
