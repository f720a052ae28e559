#if canImport(Glibc)
import Glibc
#endif
import Contract
import Model
import Replay

/// PPO's clipped surrogate on the served model. Per batch, `prepare` fixes the advantages
/// and value targets from the parameters before the batch's first update (GAE(λ), or
/// V-trace's); then each minibatch's gradient is the clipped surrogate against the
/// behaviour policy that chose the actions (the log-probabilities the server kept), with
/// the advantages normalised over the minibatch, plus the value loss and the entropy bonus.
final class PPOAlgorithm: Algorithm {
    // Confined to the learner thread, like the learner that owns it.
    private let architecture: ModelArchitecture
    private let settings: LearnerSettings
    var rewardFactor: Float
    /// Per unroll of the batch (b·T + t): advantage, value target, whether a transition.
    private let advantages: UnsafeMutablePointer<Float>, targets: UnsafeMutablePointer<Float>
    /// Per unroll of the batch (b·T + t): the value before the batch's first update.
    private let oldValues: UnsafeMutablePointer<Float>
    /// Explained variance of the batch's values before its updates (see `prepare`).
    private(set) var explainedVariance: Float = 0
    /// The batch's policy lag before its first update (`prepare`): versions between the
    /// policy that acted and the parameters the batch's training starts from.
    private(set) var batchLag = TrainingStepReport()
    private let valid: UnsafeMutablePointer<Bool>
    private var logRhos: [Float], discounts: [Float], rewards: [Float], values: [Float]
    /// Which of the batch's unrolls the next `headGradient` call is given, in its order.
    var selection: [Int] = []

    init(architecture: ModelArchitecture, settings: LearnerSettings) {
        self.architecture = architecture
        self.settings = settings
        rewardFactor = settings.rewardScale
        let t = settings.unrollLength, bt = settings.batchSize * t
        advantages = .allocate(capacity: bt)
        targets = .allocate(capacity: bt)
        oldValues = .allocate(capacity: bt)
        valid = .allocate(capacity: bt)
        logRhos = Array(repeating: 0, count: t); discounts = logRhos; rewards = logRhos; values = logRhos
    }

    deinit {
        advantages.deallocate()
        targets.deallocate()
        oldValues.deallocate()
        valid.deallocate()
    }

    /// Advantages and value targets of the whole batch from `forward` (run on all of it
    /// with the parameters before any of this batch's updates, at `version`).
    func prepare(unrolls: [Unroll], forward: ForwardWorkspace, headParameters: UnsafePointer<Float>, version: UInt64) {
        var lag = PolicyLag()
        for unroll in unrolls {
            for t in 0..<unroll.length where unroll.isTransition(t) { lag.add(learner: version, behaviour: unroll.versions[t]) }
        }
        batchLag = TrainingStepReport()
        lag.write(into: &batchLag)
        computeTargets(unrolls: unrolls, forward: forward, headParameters: headParameters)
        explainedVariance = Self.explainedVariance(targets: targets, values: oldValues, valid: valid,
                                                   count: unrolls.count * settings.unrollLength)
    }

    /// The advantages, value targets and values of the whole batch from `forward` (run on
    /// all of it): before the batch's first update, and with `recomputesAdvantages` again
    /// before every later epoch.
    func computeTargets(unrolls: [Unroll], forward: ForwardWorkspace, headParameters: UnsafePointer<Float>) {
        let length = settings.unrollLength, timesteps = length + 1, valueIndex = architecture.valueIndex
        let head = architecture.head
        var parameters = VTrace.Parameters()
        if settings.ppo.advantages == .gae {
            parameters.lambda = settings.ppo.lambda  // ρ = c = 1: the λ-return, and A = v − V is GAE(λ)
        } else {
            parameters = settings.vtrace
        }
        for (b, unroll) in unrolls.enumerated() {
            let first = b * length
            for t in 0..<length {
                let outputs = forward.headRow(b * timesteps + t)
                valid[first + t] = unroll.isTransition(t)
                discounts[t] = valid[first + t] ? settings.discount * unroll.discounts[t + 1] : 0
                rewards[t] = valid[first + t] ? unroll.rewards[t + 1] * rewardFactor : 0
                values[t] = outputs[valueIndex]
                logRhos[t] = settings.ppo.advantages == .gae ? 0
                    : unroll.withAction(t) { head.logProbability(outputs: outputs, parameters: headParameters, action: $0) }
                        - unroll.behaviourLogProbabilities[t]
            }
            let bootstrap = forward.headRow(b * timesteps + length)[valueIndex]
            values.withUnsafeBufferPointer { values in
                VTrace.compute(logRhos: logRhos, discounts: discounts, rewards: rewards, values: values.baseAddress!,
                               bootstrap: bootstrap, valid: valid + first, count: length, parameters: parameters,
                               vs: targets + first, advantages: advantages + first)
            }
            if settings.ppo.advantages == .gae {
                for t in 0..<length { advantages[first + t] = valid[first + t] ? targets[first + t] - values[t] : 0 }
            }
            for t in 0..<length { oldValues[first + t] = values[t] }
        }
    }

    /// 1 − Var(target − value) / Var(target) over the valid transitions (0 when the targets
    /// do not vary).
    static func explainedVariance(targets: UnsafePointer<Float>, values: UnsafePointer<Float>, valid: UnsafePointer<Bool>,
                                  count: Int) -> Float {
        var n = 0.0, sum = 0.0, squares = 0.0, errorSum = 0.0, errorSquares = 0.0
        for i in 0..<count where valid[i] {
            let target = Double(targets[i]), error = target - Double(values[i])
            n += 1
            sum += target
            squares += target * target
            errorSum += error
            errorSquares += error * error
        }
        guard n > 1 else { return 0 }
        let variance = squares / n - (sum / n) * (sum / n)
        let errorVariance = errorSquares / n - (errorSum / n) * (errorSum / n)
        return variance > 1e-12 ? Float(1 - errorVariance / variance) : 0
    }

    func headGradient(unrolls: [Unroll], weights: [Float]?, forward: ForwardWorkspace, headParameters: UnsafePointer<Float>,
                      versionBefore: UInt64, into headGradient: UnsafeMutablePointer<Float>,
                      headParameterGradient: UnsafeMutablePointer<Float>, report: inout TrainingStepReport) {
        precondition(selection.count == unrolls.count, "set the selection before each minibatch")
        let length = settings.unrollLength, timesteps = length + 1
        let head = architecture.head, headSize = architecture.headSize, valueIndex = architecture.valueIndex
        // The minibatch's advantages, normalised over its transitions.
        var sum = 0.0, squares = 0.0, transitions = 0
        for index in selection {
            for t in 0..<length where valid[index * length + t] {
                let a = Double(advantages[index * length + t])
                sum += a
                squares += a * a
                transitions += 1
            }
        }
        let mean = sum / Double(max(transitions, 1))
        let std = max(0, squares / Double(max(transitions, 1)) - mean * mean).squareRoot()
        let perTransition = 1 / Float(max(transitions, 1))
        var lag = PolicyLag(), clipped = 0, approximateKL = 0.0
        for (b, unroll) in unrolls.enumerated() {
            let index = selection[b]
            for t in 0..<length where valid[index * length + t] {
                let row = b * timesteps + t
                let outputs = forward.headRow(row)
                let advantage = Float((Double(advantages[index * length + t]) - mean) / (std + 1e-8))
                let terms = unroll.withAction(t) { action in
                    PPOLoss.row(head: head, outputs: outputs, headParameters: headParameters, action: action,
                                behaviourLogProbability: unroll.behaviourLogProbabilities[t], advantage: advantage,
                                value: outputs[valueIndex], oldValue: oldValues[index * length + t],
                                target: targets[index * length + t], settings: settings,
                                scale: perTransition, gradient: headGradient + row * headSize,
                                headParameterGradient: headParameterGradient)
                }
                report.policyLoss += terms.policy * perTransition
                report.baselineLoss += terms.baseline * perTransition
                report.entropy += terms.entropy * perTransition
                if terms.clipped { clipped += 1 }
                approximateKL += Double(terms.approximateKL)
                lag.add(learner: versionBefore, behaviour: unroll.versions[t])
            }
        }
        lag.write(into: &report)
        report.explainedVariance = explainedVariance
        report.clipFraction = transitions > 0 ? Float(clipped) / Float(transitions) : 0
        report.approximateKL = transitions > 0 ? Float(approximateKL / Double(transitions)) : 0
    }
}

/// PPO's loss for one transition: −min(r·A, clip(r, 1 ± ε)·A) with r = π(a)/μ(a), plus
/// ½·c_b·(R − V)² and −c_e·H(π), each scaled by `scale`. Where the clip binds (the
/// minimum is the clipped term) the policy term has no gradient. With value clipping the
/// value term is ½·c_b·max((R − V)², (R − V_clip)²), V_clip = V_old + clip(V − V_old, ±c).
enum PPOLoss {
    struct Terms {
        var policy: Float
        var baseline: Float
        var entropy: Float
        var clipped: Bool
        /// (r − 1) − log r: Schulman's low-variance estimate of KL(μ‖π) for this sample.
        var approximateKL: Float
    }

    static func row(
        head: any PolicyHead, outputs: UnsafePointer<Float>, headParameters: UnsafePointer<Float>, action: UnsafePointer<Float>,
        behaviourLogProbability: Float, advantage: Float, value: Float, oldValue: Float, target: Float, settings: LearnerSettings,
        scale: Float,
        gradient: UnsafeMutablePointer<Float>, headParameterGradient: UnsafeMutablePointer<Float>
    ) -> Terms {
        let epsilon = settings.ppo.clip
        let logRatio = head.logProbability(outputs: outputs, parameters: headParameters, action: action) - behaviourLogProbability
        let ratio = expf(min(logRatio, 20))
        let clippedRatio = min(max(ratio, 1 - epsilon), 1 + epsilon)
        let unclippedObjective = ratio * advantage, clippedObjective = clippedRatio * advantage
        let clipBinds = clippedObjective < unclippedObjective
        // ∂(−r·A)/∂log π = −r·A where the unclipped term is the minimum; 0 where the clip binds.
        let policy = head.lossGradient(
            outputs: outputs, parameters: headParameters, action: action,
            logProbabilityWeight: clipBinds ? 0 : -ratio * advantage, entropyWeight: settings.entropyCost, scale: scale,
            outputGradient: gradient, parameterGradient: headParameterGradient)
        var error = target - value
        if let valueClip = settings.ppo.valueClip {
            let change = value - oldValue
            let clippedError = target - (oldValue + min(max(change, -valueClip), valueClip))
            // The clipped loss is the larger one: it has no gradient where the clip binds.
            if clippedError * clippedError > error * error { error = abs(change) > valueClip ? 0 : clippedError }
        }
        gradient[head.outputCount] = -scale * settings.baselineCost * error
        return Terms(policy: -min(unclippedObjective, clippedObjective), baseline: 0.5 * error * error, entropy: policy.entropy,
                     clipped: ratio < 1 - epsilon || ratio > 1 + epsilon, approximateKL: (ratio - 1) - logRatio)
    }
}
