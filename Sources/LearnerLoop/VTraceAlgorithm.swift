#if canImport(Glibc)
import Glibc
#endif
import Contract
import Model
import Replay

/// IMPALA's single-pass V-trace actor-critic (SEED RL's loss): per unroll, importance
/// ratios of the learner's policy against the behaviour policy that acted, V-trace targets
/// and advantages; then per transition the policy-gradient, baseline and entropy terms'
/// gradient on the head row (`ActorCriticLoss`).
final class VTraceAlgorithm: Algorithm {
    // Confined to the learner thread, like the learner that owns it.
    private let architecture: ModelArchitecture
    private let settings: LearnerSettings
    var rewardFactor: Float
    // Inputs per unroll (length T); results for the whole batch (B×T, unroll b at b·T),
    // so advantages can be normalised across the batch before the loss.
    private var logRhos: [Float], discounts: [Float], rewards: [Float]
    private let values: UnsafeMutablePointer<Float>, vs: UnsafeMutablePointer<Float>
    private let advantages: UnsafeMutablePointer<Float>, valid: UnsafeMutablePointer<Bool>

    init(architecture: ModelArchitecture, settings: LearnerSettings) {
        self.architecture = architecture
        self.settings = settings
        rewardFactor = settings.rewardScale
        let t = settings.unrollLength
        logRhos = Array(repeating: 0, count: t); discounts = logRhos; rewards = logRhos
        let bt = settings.batchSize * t
        values = .allocate(capacity: bt); vs = .allocate(capacity: bt); advantages = .allocate(capacity: bt)
        valid = .allocate(capacity: bt)
    }

    deinit {
        values.deallocate()
        vs.deallocate()
        advantages.deallocate()
        valid.deallocate()
    }

    func headGradient(unrolls: [Unroll], weights: [Float]?, forward: ForwardWorkspace, headParameters: UnsafePointer<Float>,
                      versionBefore: UInt64, into headGradient: UnsafeMutablePointer<Float>,
                      headParameterGradient: UnsafeMutablePointer<Float>, report: inout TrainingStepReport) {
        let batch = settings.batchSize, length = settings.unrollLength, timesteps = length + 1
        let head = architecture.head, headSize = architecture.headSize, valueIndex = architecture.valueIndex
        let transitions = unrolls.reduce(0) { total, unroll in total + (0..<length).count { unroll.isTransition($0) } }
        let perTransition = 1 / Float(max(transitions, 1))
        var lag = PolicyLag()
        for (b, unroll) in unrolls.enumerated() {
            let first = b * length
            for t in 0..<length {
                let outputs = forward.headRow(b * timesteps + t)
                let target = unroll.withAction(t) { head.logProbability(outputs: outputs, parameters: headParameters, action: $0) }
                logRhos[t] = target - unroll.behaviourLogProbabilities[t]
                valid[first + t] = unroll.isTransition(t)
                discounts[t] = valid[first + t] ? settings.discount * unroll.discounts[t + 1] : 0
                rewards[t] = valid[first + t] ? unroll.rewards[t + 1] * rewardFactor : 0
                values[first + t] = outputs[valueIndex]
            }
            let bootstrap = forward.headRow(b * timesteps + length)[valueIndex]
            VTrace.compute(logRhos: logRhos, discounts: discounts, rewards: rewards, values: values + first,
                           bootstrap: bootstrap, valid: valid + first, count: length, parameters: settings.vtrace,
                           vs: vs + first, advantages: advantages + first)
            // Priorities are the raw advantages, whatever the loss is given.
            var priority = 0.0, transitionsInUnroll = 0
            for t in 0..<length where valid[first + t] {
                priority += Double(abs(advantages[first + t]))
                transitionsInUnroll += 1
            }
            report.unrollPriorities.append(priority / Double(max(1, transitionsInUnroll)))
        }
        if settings.normalizeAdvantages { AdvantageNormalization.apply(advantages, valid: valid, count: batch * length) }
        for (b, unroll) in unrolls.enumerated() {
            let weight = weights?[b] ?? 1
            for t in 0..<length where valid[b * length + t] {
                let row = b * timesteps + t, index = b * length + t
                let terms = unroll.withAction(t) { action in
                    ActorCriticLoss.row(
                        head: head, outputs: forward.headRow(row), headParameters: headParameters, action: action,
                        value: values[index], target: vs[index], advantage: advantages[index], settings: settings,
                        scale: weight * perTransition, gradient: headGradient + row * headSize,
                        headParameterGradient: headParameterGradient)
                }
                report.policyLoss += terms.policy * perTransition
                report.baselineLoss += terms.baseline * perTransition
                report.entropy += terms.entropy * perTransition
                lag.add(learner: versionBefore, behaviour: unroll.versions[t])
            }
        }
        lag.write(into: &report)
        if case .box(let low, _) = architecture.action {
            Self.reportBoxActions(unrolls, valid: valid, length: length, dimensions: low.count, headParameters: headParameters,
                                  report: &report)
        }
    }

    /// The batch's action mean and spread and the policy's σ (see `TrainingStepReport`).
    private static func reportBoxActions(_ unrolls: [Unroll], valid: UnsafePointer<Bool>, length: Int, dimensions: Int,
                                         headParameters: UnsafePointer<Float>, report: inout TrainingStepReport) {
        var sum = 0.0, squares = 0.0, count = 0.0
        for (b, unroll) in unrolls.enumerated() {
            for t in 0..<length where valid[b * length + t] {
                for d in 0..<dimensions {
                    let value = Double(unroll.actions[t * dimensions + d])
                    sum += value
                    squares += value * value
                }
                count += Double(dimensions)
            }
        }
        if count > 0 {
            let mean = sum / count
            report.actionMean = Float(mean)
            report.actionStd = Float(max(0, squares / count - mean * mean).squareRoot())
        }
        report.policyStd = (0..<dimensions).map { expf(GaussianHead.clampedLogStd(headParameters[$0])) }.reduce(0, +) / Float(dimensions)
    }
}
