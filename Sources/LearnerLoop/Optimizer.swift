#if canImport(Glibc)
import Glibc
#endif
import Model

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
    /// this one pass instead of rewriting the gradient first. The pass is elementwise, so
    /// `backend` may cut it into parts on its threads; the result is the same either way.
    public mutating func apply(gradient: UnsafePointer<Float>, scale gradientScale: Float = 1,
                               to parameters: inout [Float], learningRate: Float,
                               on backend: any ComputeBackend = CPUBackend()) {
        steps += 1
        let s = settings
        let count = parameters.count
        let steps = self.steps
        first.withUnsafeMutableBufferPointer { first in
            second.withUnsafeMutableBufferPointer { second in
                parameters.withUnsafeMutableBufferPointer { theta in
                    let first = first.baseAddress!, second = second.baseAddress!, theta = theta.baseAddress!
                    switch s.kind {
                    case .adam:
                        let correction1 = 1 - powf(s.beta1, Float(steps))
                        let correction2 = 1 - powf(s.beta2, Float(steps))
                        let stepSize = learningRate * correction2.squareRoot() / correction1
                        let epsilon = s.epsilon * correction2.squareRoot()
                        backend.forEachPart(of: count) { part, _ in
                            Self.adam(part, gradient: gradient, scale: gradientScale, m: first, v: second, theta: theta,
                                      beta1: s.beta1, beta2: s.beta2, stepSize: stepSize, epsilon: epsilon)
                        }
                    case .rmsprop:
                        backend.forEachPart(of: count) { part, _ in
                            Self.rmsprop(part, gradient: gradient, scale: gradientScale, meanSquare: first, momentum: second,
                                         theta: theta, settings: s, learningRate: learningRate)
                        }
                    }
                }
            }
        }
    }

    private static func adam(_ part: Range<Int>, gradient: UnsafePointer<Float>, scale: Float, m: UnsafeMutablePointer<Float>,
                             v: UnsafeMutablePointer<Float>, theta: UnsafeMutablePointer<Float>,
                             beta1: Float, beta2: Float, stepSize: Float, epsilon: Float) {
        for i in part {
            let g = gradient[i] * scale
            m[i] = beta1 * m[i] + (1 - beta1) * g
            v[i] = beta2 * v[i] + (1 - beta2) * g * g
            theta[i] -= stepSize * m[i] / (v[i].squareRoot() + epsilon)
        }
    }

    private static func rmsprop(_ part: Range<Int>, gradient: UnsafePointer<Float>, scale: Float,
                                meanSquare: UnsafeMutablePointer<Float>, momentum: UnsafeMutablePointer<Float>,
                                theta: UnsafeMutablePointer<Float>, settings s: OptimizerSettings, learningRate: Float) {
        for i in part {
            let g = gradient[i] * scale
            meanSquare[i] = s.rmsDecay * meanSquare[i] + (1 - s.rmsDecay) * g * g
            momentum[i] = s.rmsMomentum * momentum[i] + learningRate * g / (meanSquare[i] + s.rmsEpsilon).squareRoot()
            theta[i] -= momentum[i]
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
/// when no clipping is needed). Reads only; the optimizer applies the factor. `backend`
/// may sum the squares in parts on its threads (the parts' sums are then added in order).
public func globalNormClip(_ gradient: UnsafePointer<Float>, count: Int, scale: Float, maxNorm: Float?,
                           on backend: any ComputeBackend = CPUBackend()) -> (norm: Float, factor: Float) {
    let sum = withUnsafeTemporaryAllocation(of: Float.self, capacity: backend.parts) { sums -> Float in
        let sums = sums.baseAddress!
        sums.initialize(repeating: 0, count: backend.parts)
        backend.forEachPart(of: count) { part, index in
            var sum: Float = 0
            for i in part { sum += gradient[i] * gradient[i] }
            sums[index] = sum
        }
        var sum: Float = 0
        for index in 0..<backend.parts { sum += sums[index] }
        return sum
    }
    let norm = scale * sum.squareRoot()
    if let maxNorm, norm > maxNorm, norm > 0 {
        return (norm, scale * (maxNorm / norm))
    }
    return (norm, scale)
}
