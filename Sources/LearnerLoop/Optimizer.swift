#if canImport(Glibc)
import Glibc
#endif

/// The optimizers the learner offers, applied in place to the flat parameter vector.
public enum OptimizerKind: String, Sendable, CaseIterable {
    case adam, rmsprop
}

public struct OptimizerSettings: Sendable, Equatable {
    public var kind: OptimizerKind = .adam
    /// The learning rate's one default (the command line's help and every task read it here).
    public var learningRate: Float = 2e-3
    /// Adam's β1, β2, ε.
    public var beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8
    /// RMSProp in Keras' form (TF2, as SEED RL's code uses): the mean square starts at 0
    /// (`Optimizer.rmspropInitialMeanSquare`) and ε is added inside the square root.
    /// TF1's RMSPropOptimizer, which the IMPALA paper used, starts it at 1 instead.
    public var rmsDecay: Float = 0.99, rmsMomentum: Float = 0, rmsEpsilon: Float = 1e-5
    public init() {}
}

/// Optimizer state (moments) for one parameter vector. Owned by the learner thread.
public struct Optimizer: Sendable {
    public let settings: OptimizerSettings
    private var first: [Float]
    private var second: [Float]
    public private(set) var steps: UInt64 = 0

    /// Where RMSProp's running mean square starts (Keras: 0).
    public static let rmspropInitialMeanSquare: Float = 0

    public init(settings: OptimizerSettings, parameterCount: Int) {
        self.settings = settings
        first = Array(repeating: settings.kind == .rmsprop ? Self.rmspropInitialMeanSquare : 0, count: parameterCount)
        second = Array(repeating: 0, count: parameterCount)
    }

    /// θ ← θ − update(g) with learning rate `learningRate` (after any decay), where
    /// g = `gradientScale` · `gradient`: averaging over ranks and clipping are fused into
    /// this one pass instead of rewriting the gradient first.
    public mutating func apply(gradient: UnsafePointer<Float>, scale gradientScale: Float = 1,
                               to parameters: inout [Float], learningRate: Float) {
        steps += 1
        let s = settings
        let count = parameters.count
        switch s.kind {
        case .adam:
            let correction1 = 1 - powf(s.beta1, Float(steps))
            let correction2 = 1 - powf(s.beta2, Float(steps))
            let stepSize = learningRate * correction2.squareRoot() / correction1
            let epsilon = s.epsilon * correction2.squareRoot()
            first.withUnsafeMutableBufferPointer { m in
                second.withUnsafeMutableBufferPointer { v in
                    parameters.withUnsafeMutableBufferPointer { theta in
                        for i in 0..<count {
                            let g = gradient[i] * gradientScale
                            m[i] = s.beta1 * m[i] + (1 - s.beta1) * g
                            v[i] = s.beta2 * v[i] + (1 - s.beta2) * g * g
                            theta[i] -= stepSize * m[i] / (v[i].squareRoot() + epsilon)
                        }
                    }
                }
            }
        case .rmsprop:
            first.withUnsafeMutableBufferPointer { meanSquare in
                second.withUnsafeMutableBufferPointer { momentum in
                    parameters.withUnsafeMutableBufferPointer { theta in
                        for i in 0..<count {
                            let g = gradient[i] * gradientScale
                            meanSquare[i] = s.rmsDecay * meanSquare[i] + (1 - s.rmsDecay) * g * g
                            momentum[i] = s.rmsMomentum * momentum[i] + learningRate * g / (meanSquare[i] + s.rmsEpsilon).squareRoot()
                            theta[i] -= momentum[i]
                        }
                    }
                }
            }
        }
    }

    /// The optimizer's state for checkpoints: moments and step count.
    public var state: (first: [Float], second: [Float], steps: UInt64) { (first, second, steps) }

    public mutating func restore(first: [Float], second: [Float], steps: UInt64) {
        precondition(first.count == self.first.count && second.count == self.second.count)
        self.first = first
        self.second = second
        self.steps = steps
    }
}

/// Scales `gradient` so its global L2 norm is at most `maxNorm`; returns the norm before.
@discardableResult
public func clipGlobalNorm(_ gradient: UnsafeMutablePointer<Float>, count: Int, maxNorm: Float?) -> Float {
    let (norm, factor) = globalNormClip(gradient, count: count, scale: 1, maxNorm: maxNorm)
    if factor != 1 { for i in 0..<count { gradient[i] *= factor } }
    return norm
}

/// The global L2 norm of `scale · gradient`, and the factor to multiply `gradient` by so
/// that the result is `scale · gradient` clipped to norm `maxNorm` (the factor is `scale`
/// when no clipping is needed). Reads only; the optimizer applies the factor.
public func globalNormClip(_ gradient: UnsafePointer<Float>, count: Int, scale: Float, maxNorm: Float?) -> (norm: Float, factor: Float) {
    var sum: Float = 0
    for i in 0..<count { sum += gradient[i] * gradient[i] }
    let norm = scale * sum.squareRoot()
    if let maxNorm, norm > maxNorm, norm > 0 {
        return (norm, scale * (maxNorm / norm))
    }
    return (norm, scale)
}
