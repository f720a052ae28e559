import Model

/// SEED's V-trace loss for one row (a transition): policy gradient −A·log π(a), baseline
/// ½·c_b·(v_s − V)², entropy bonus −c_e·H(π); each scaled by `scale` (importance weight /
/// number of transitions). The policy head writes ∂loss/∂(its outputs) into `gradient`
/// (the head row) and adds ∂loss/∂(its own parameters) to `headParameterGradient`; the
/// value's gradient follows its outputs. Returns the three unscaled terms.
enum ActorCriticLoss {
    struct Terms {
        var policy: Float
        var baseline: Float
        var entropy: Float
    }

    static func row(
        head: any PolicyHead, outputs: UnsafePointer<Float>, headParameters: UnsafePointer<Float>, action: UnsafePointer<Float>,
        value: Float, target: Float, advantage: Float, settings: LearnerSettings, scale: Float,
        gradient: UnsafeMutablePointer<Float>, headParameterGradient: UnsafeMutablePointer<Float>
    ) -> Terms {
        let policy = head.lossGradient(
            outputs: outputs, parameters: headParameters, action: action, logProbabilityWeight: -advantage,
            entropyWeight: settings.entropyCost, scale: scale, outputGradient: gradient, parameterGradient: headParameterGradient)
        let error = target - value
        gradient[head.outputCount] = -scale * settings.baselineCost * error
        return Terms(policy: -advantage * policy.logProbability, baseline: 0.5 * error * error, entropy: policy.entropy)
    }
}
