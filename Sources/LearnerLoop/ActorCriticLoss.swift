#if canImport(Glibc)
import Glibc
#endif

/// SEED's V-trace loss for one row (a transition): policy gradient
/// −A·log π(a), baseline ½·c_b·(v_s − V)², entropy bonus −c_e·H(π); each scaled by
/// `scale` (importance weight / number of transitions). Writes ∂loss/∂logits and
/// ∂loss/∂V into `gradient` (the head row) and returns the three unscaled terms.
enum ActorCriticLoss {
    struct Terms {
        var policy: Float
        var baseline: Float
        var entropy: Float
    }

    static func row(
        logits: UnsafePointer<Float>, numActions: Int, action: Int, value: Float,
        target: Float, advantage: Float, settings: LearnerSettings, scale: Float,
        gradient: UnsafeMutablePointer<Float>
    ) -> Terms {
        let logSoftmax = LogSoftmax(logits: logits, count: numActions)
        var entropy: Float = 0
        for j in 0..<numActions {
            let logP = logSoftmax.log(j)
            entropy -= expf(logP) * logP
        }
        for j in 0..<numActions {
            let logP = logSoftmax.log(j)
            let p = expf(logP)
            let policyGradient = -advantage * ((j == action ? 1 : 0) - p)
            let entropyGradient = settings.entropyCost * p * (logP + entropy)
            gradient[j] = scale * (policyGradient + entropyGradient)
        }
        let error = target - value
        gradient[numActions] = -scale * settings.baselineCost * error
        return Terms(policy: -advantage * logSoftmax.log(action), baseline: 0.5 * error * error, entropy: entropy)
    }
}

/// log softmax of a row, numerically stable.
struct LogSoftmax {
    private let logits: UnsafePointer<Float>
    private let logSum: Float

    init(logits: UnsafePointer<Float>, count: Int) {
        self.logits = logits
        var maximum = logits[0]
        for j in 1..<count where logits[j] > maximum { maximum = logits[j] }
        var sum: Float = 0
        for j in 0..<count { sum += expf(logits[j] - maximum) }
        logSum = maximum + logf(sum)
    }

    @inline(__always)
    func log(_ index: Int) -> Float { logits[index] - logSum }
}
