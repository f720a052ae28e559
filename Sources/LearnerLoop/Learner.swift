import Contract
import Replay
import Threading
import Model

/// One V-trace learner step, top to bottom: encode the batch of unrolls, run the model
/// forward on every timestep, compute V-trace targets per unroll, turn the loss into
/// gradients on the head, backpropagate, clip, apply the optimizer, publish the new
/// parameter version. Owned by the learner thread.
public final class Learner: @unchecked Sendable {
    // @unchecked: every buffer is confined to the learner thread; `store` is thread-safe.
    public let architecture: ModelArchitecture
    public let settings: LearnerSettings
    public let store: ParameterStore
    public private(set) var parameters: [Float]
    public private(set) var optimizer: Optimizer
    public private(set) var framesTrained: UInt64 = 0

    private let rows: Int
    private let encoder: ObservationEncoder
    private let forward: ForwardWorkspace
    private let backward: BackwardWorkspace
    private let rawObservations: UnsafeMutableRawPointer
    private let input: UnsafeMutablePointer<Float>
    // A recurrent core's per-unroll starting states and the episode starts inside unrolls.
    private let initialStates: UnsafeMutablePointer<Float>
    private let initialStateRows: UnsafeMutablePointer<UnsafePointer<Float>>
    private let resets: UnsafeMutablePointer<Bool>
    private var gradient: [Float]
    // V-trace scratch: inputs per unroll (length T), results for the whole batch (B×T,
    // unroll b at b·T) so advantages can be normalised across the batch before the loss.
    private var logRhos: [Float], discounts: [Float], rewards: [Float]
    private let values: UnsafeMutablePointer<Float>, vs: UnsafeMutablePointer<Float>
    private let advantages: UnsafeMutablePointer<Float>, valid: UnsafeMutablePointer<Bool>

    public init(architecture: ModelArchitecture, settings: LearnerSettings, store: ParameterStore) {
        self.architecture = architecture
        self.settings = settings
        self.store = store
        let snapshot = store.snapshot
        parameters = snapshot.values
        optimizer = Optimizer(settings: settings.optimizer, parameterCount: parameters.count)
        rows = settings.batchSize * (settings.unrollLength + 1)
        encoder = ObservationEncoder(architecture: architecture)
        forward = ForwardWorkspace(architecture: architecture, maxBatch: rows)
        backward = BackwardWorkspace(architecture: architecture, maxRows: rows)
        rawObservations = .allocate(byteCount: rows * architecture.observation.byteCount, alignment: 64)
        input = .allocate(capacity: rows * architecture.inputSize)
        let stateSize = architecture.stateSize
        initialStates = .allocate(capacity: max(1, settings.batchSize * stateSize))
        initialStateRows = .allocate(capacity: settings.batchSize)
        for b in 0..<settings.batchSize { initialStateRows[b] = UnsafePointer(initialStates + b * stateSize) }
        resets = .allocate(capacity: rows)
        gradient = Array(repeating: 0, count: parameters.count)
        let t = settings.unrollLength
        logRhos = Array(repeating: 0, count: t); discounts = logRhos; rewards = logRhos
        let bt = settings.batchSize * t
        values = .allocate(capacity: bt); vs = .allocate(capacity: bt); advantages = .allocate(capacity: bt)
        valid = .allocate(capacity: bt)
    }

    deinit {
        rawObservations.deallocate()
        input.deallocate()
        initialStates.deallocate()
        initialStateRows.deallocate()
        resets.deallocate()
        values.deallocate()
        vs.deallocate()
        advantages.deallocate()
        valid.deallocate()
    }

    /// Continues from a checkpoint: parameters, optimizer state and frame count.
    public func restore(parameters: [Float], optimizer first: [Float], _ second: [Float], steps: UInt64, framesTrained: UInt64) {
        precondition(parameters.count == self.parameters.count)
        self.parameters = parameters
        optimizer.restore(first: first, second: second, steps: steps)
        self.framesTrained = framesTrained
    }

    /// Trains on `unrolls` (exactly `batchSize`, each of `unrollLength`), weighting each
    /// unroll's loss by `weights` (importance weights of replayed unrolls; 1 for fresh).
    /// With a `group`, every rank calls this with its own batch at the same time: the
    /// gradients are summed across ranks and the average applied, identically everywhere.
    public func step(_ unrolls: [Unroll], weights: [Float]? = nil, group: DataParallelGroup? = nil) -> TrainingStepReport {
        var report = computeGradient(unrolls, weights: weights)
        if let group {
            let started = MonotonicClock.now()
            gradient.withUnsafeMutableBufferPointer { group.sumInPlace($0) }
            report.reduceSeconds = Double(MonotonicClock.now() - started) / 1e9
        }
        applyGradient(contributors: group?.size ?? 1, report: &report)
        return report
    }

    /// The gradient `computeGradient` left (a sum over batches once combined), for
    /// combining it across ranks or batches before `applyGradient`.
    public func withGradient<T>(_ body: (UnsafeMutableBufferPointer<Float>) -> T) -> T {
        gradient.withUnsafeMutableBufferPointer { body($0) }
    }

    /// The loss gradient of one batch (see `step`) into the learner's gradient buffer;
    /// the parameters are not touched.
    public func computeGradient(_ unrolls: [Unroll], weights: [Float]? = nil) -> TrainingStepReport {
        let batch = settings.batchSize, length = settings.unrollLength, timesteps = length + 1
        precondition(unrolls.count == batch && unrolls.allSatisfy { $0.length == length })
        let numActions = architecture.numActions, headSize = architecture.headSize
        let versionBefore = store.version  // for the policy lag

        // 1. Every timestep of every unroll is one row of the forward pass.
        let observationBytes = architecture.observation.byteCount
        for (b, unroll) in unrolls.enumerated() {
            unroll.observations.withUnsafeBytes {
                (rawObservations + b * timesteps * observationBytes).copyMemory(from: $0.baseAddress!, byteCount: timesteps * observationBytes)
            }
        }
        encoder.encode(raw: rawObservations, count: rows, into: input)
        // A recurrent core replays each unroll from the state it started in, and starts
        // afresh at every FIRST inside it, as the server did while acting.
        let stateSize = architecture.stateSize
        for (b, unroll) in unrolls.enumerated() {
            if stateSize > 0 {
                precondition(unroll.initialState.count == stateSize, "an unroll without the recurrent state")
                (initialStates + b * stateSize).update(from: unroll.initialState, count: stateSize)
            }
            for t in 0..<timesteps { resets[b * timesteps + t] = unroll.stepTypes[t] == StepType.first }
        }
        parameters.withUnsafeBufferPointer {
            ModelForward.run(parameters: $0.baseAddress!, input: input, sequences: batch, length: timesteps,
                           initialState: stateSize > 0 ? UnsafePointer(initialStateRows) : nil, resets: resets, workspace: forward)
        }

        // 2. V-trace per unroll, then the loss's gradient on each head row.
        let transitions = unrolls.reduce(0) { total, unroll in total + (0..<length).count { unroll.isTransition($0) } }
        let perTransition = 1 / Float(max(transitions, 1))
        backward.headGradient.update(repeating: 0, count: rows * headSize)
        var report = TrainingStepReport()
        var lagSum = 0.0
        for (b, unroll) in unrolls.enumerated() {
            let first = b * length
            for t in 0..<length {
                let head = forward.headRow(b * timesteps + t)
                let action = Int(unroll.actions[t])
                let target = LogSoftmax(logits: head, count: numActions).log(action)
                let behaviour = unroll.logits.withUnsafeBufferPointer {
                    LogSoftmax(logits: $0.baseAddress! + t * numActions, count: numActions).log(action)
                }
                logRhos[t] = target - behaviour
                valid[first + t] = unroll.isTransition(t)
                discounts[t] = valid[first + t] ? settings.discount * unroll.discounts[t + 1] : 0
                rewards[t] = valid[first + t] ? unroll.rewards[t + 1] : 0
                values[first + t] = head[numActions]
            }
            let bootstrap = forward.headRow(b * timesteps + length)[numActions]
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
                let terms = ActorCriticLoss.row(
                    logits: forward.headRow(row), numActions: numActions, action: Int(unroll.actions[t]),
                    value: values[index], target: vs[index], advantage: advantages[index], settings: settings,
                    scale: weight * perTransition, gradient: backward.headGradient + row * headSize)
                report.policyLoss += terms.policy * perTransition
                report.baselineLoss += terms.baseline * perTransition
                report.entropy += terms.entropy * perTransition
                lagSum += Double(versionBefore &- unroll.versions[t])
            }
        }

        // 3. Backward: the gradient of this batch's loss.
        gradient.withUnsafeMutableBufferPointer { gradient in
            parameters.withUnsafeBufferPointer { parameters in
                ModelBackward.run(parameters: parameters.baseAddress!, input: input, rows: rows,
                                forward: forward, workspace: backward, gradient: gradient.baseAddress!)
            }
        }
        report.frames = batch * length
        report.policyLag = transitions > 0 ? lagSum / Double(transitions) : 0
        return report
    }

    /// Averages the gradient buffer over `contributors` equal batches (it holds their sum),
    /// clips it, applies the optimizer — the average and the clip fused into the
    /// optimizer's pass — and publishes the next version. `framesTrained` counts every
    /// contributor's frames, so the learning-rate schedule is the job's on every rank.
    ///
    /// A non-finite gradient (a reward or observation of 3e38 is finite, but its square is
    /// not) is never applied: `norm > maxNorm` is false for NaN, so clipping cannot catch
    /// it. The step is skipped — parameters, optimizer state and version unchanged — and
    /// reported as `skippedNonFinite`; every rank of a job skips it alike (same sum).
    public func applyGradient(contributors: Int, report: inout TrainingStepReport) {
        precondition(contributors >= 1)
        let versionBefore = store.version
        let learningRate = settings.learningRate(afterFrames: framesTrained)
        let applied = gradient.withUnsafeBufferPointer { gradient -> Bool in
            let (norm, factor) = globalNormClip(
                gradient.baseAddress!, count: gradient.count, scale: 1 / Float(contributors), maxNorm: settings.maxGradientNorm)
            report.gradientNorm = norm
            guard norm.isFinite && factor.isFinite else { return false }
            optimizer.apply(gradient: gradient.baseAddress!, scale: factor, to: &parameters, learningRate: learningRate)
            return true
        }
        report.learningRate = learningRate
        report.frames *= contributors
        guard applied else {
            report.skippedNonFinite = true
            report.version = versionBefore
            return
        }
        framesTrained += UInt64(report.frames)
        store.publish(parameters, version: versionBefore + 1)
        report.version = versionBefore + 1
        report.learningRate = learningRate
    }
}
