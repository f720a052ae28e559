/// V-trace targets and policy-gradient advantages for one trajectory (IMPALA, Espeholt
/// et al. 2018, eq. 1, with λ as in SEED):
///
///   δ_s = ρ̄_s (r_s + γ_s V(x_{s+1}) − V(x_s)),   ρ̄_s = min(ρ̄, π/μ),   c_s = λ min(c̄, π/μ)
///   v_s = V(x_s) + δ_s + γ_s c_s (v_{s+1} − V(x_{s+1}))
///   A_s = min(ρ̄_pg, π/μ) (r_s + γ_s v_{s+1} − V(x_s))
///
/// A transition that is not real (`valid[s] == false`: the step after LAST) contributes
/// nothing and cuts the recursion: v_s = V(x_s), A_s = 0.
public enum VTrace {
    public struct Parameters: Sendable, Equatable {
        public var clipRho: Float = 1
        public var clipC: Float = 1
        public var clipPGRho: Float = 1
        public var lambda: Float = 1
        public init() {}
    }

    /// All arrays have length T (`values` too); `bootstrap` is V(x_T). Writes `vs` and
    /// `advantages` (length T).
    public static func compute(
        logRhos: UnsafePointer<Float>, discounts: UnsafePointer<Float>, rewards: UnsafePointer<Float>,
        values: UnsafePointer<Float>, bootstrap: Float, valid: UnsafePointer<Bool>, count: Int,
        parameters: Parameters,
        vs: UnsafeMutablePointer<Float>, advantages: UnsafeMutablePointer<Float>
    ) {
        var accumulated: Float = 0  // v_{s+1} − V(x_{s+1})
        var nextValue = bootstrap
        for s in stride(from: count - 1, through: 0, by: -1) {
            guard valid[s] else {
                vs[s] = values[s]
                advantages[s] = 0
                accumulated = 0
                nextValue = values[s]
                continue
            }
            let rho = expf(logRhos[s])
            let clippedRho = min(parameters.clipRho, rho)
            let c = parameters.lambda * min(parameters.clipC, rho)
            let delta = clippedRho * (rewards[s] + discounts[s] * nextValue - values[s])
            accumulated = delta + discounts[s] * c * accumulated
            vs[s] = values[s] + accumulated
            nextValue = values[s]
        }
        for s in 0..<count where valid[s] {
            let vNext = s + 1 < count ? vs[s + 1] : bootstrap
            let pgRho = min(parameters.clipPGRho, expf(logRhos[s]))
            advantages[s] = pgRho * (rewards[s] + discounts[s] * vNext - values[s])
        }
    }
}

#if canImport(Glibc)
import Glibc
#endif
