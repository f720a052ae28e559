import Contract
import Replay
import Threading
import Model
import Randomness

/// One learner step, top to bottom: encode the batch of unrolls, run the model forward on
/// every timestep, let the algorithm (V-trace) turn its loss into gradients on the head,
/// backpropagate, clip, apply the optimizer, publish the new parameter version. Owned by
/// the learner thread.
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
    /// The policy head's own parameters in the flat vector (`headParameterOffset..<count`).
    private let headParameterOffset: Int
    /// Running statistics of the inputs, for a model that normalises them.
    private var inputStatistics: InputStatistics?
    /// Running statistics of the lanes' returns, when rewards are normalised by them.
    private var returnStatistics: ReturnStatistics?
    /// What makes the head's gradient from the batch: the algorithm.
    private let algorithm: Algorithm
    /// The same object when it is PPO's (its batch preparation and minibatch selection).
    private let ppo: PPOAlgorithm?
    /// PPO's minibatch shuffles.
    private var shuffler: SeededGenerator

    /// - Parameter backend: the arithmetic of the learner's passes (`SplitCPUBackend` puts
    ///   its GEMMs on two cores).
    public init(architecture: ModelArchitecture, settings: LearnerSettings, store: ParameterStore,
                backend: any ComputeBackend = CPUBackend()) {
        self.architecture = architecture
        self.settings = settings
        self.store = store
        let snapshot = store.snapshot
        parameters = snapshot.values
        optimizer = Optimizer(settings: settings.optimizer, parameterCount: parameters.count)
        rows = settings.batchSize * (settings.unrollLength + 1)
        encoder = ObservationEncoder(architecture: architecture)
        forward = ForwardWorkspace(architecture: architecture, maxBatch: rows, backend: backend)
        backward = BackwardWorkspace(architecture: architecture, maxRows: rows)
        rawObservations = .allocate(byteCount: rows * architecture.observation.byteCount, alignment: 64)
        input = .allocate(capacity: rows * architecture.inputSize)
        let stateSize = architecture.stateSize
        initialStates = .allocate(capacity: max(1, settings.batchSize * stateSize))
        initialStateRows = .allocate(capacity: settings.batchSize)
        for b in 0..<settings.batchSize { initialStateRows[b] = UnsafePointer(initialStates + b * stateSize) }
        resets = .allocate(capacity: rows)
        gradient = Array(repeating: 0, count: parameters.count)
        headParameterOffset = architecture.layout.headParameterOffset
        inputStatistics = architecture.normalizesInputs ? InputStatistics(width: architecture.inputSize) : nil
        returnStatistics = settings.rewardNormalization == .returns ? ReturnStatistics(discount: settings.discount) : nil
        switch settings.algorithm {
        case .vtrace:
            algorithm = VTraceAlgorithm(architecture: architecture, settings: settings)
            ppo = nil
        case .ppo:
            precondition(settings.batchSize % settings.ppo.minibatches == 0, "PPO's minibatches must divide the batch")
            let ppo = PPOAlgorithm(architecture: architecture, settings: settings)
            algorithm = ppo
            self.ppo = ppo
        }
        shuffler = SeededGenerator(seed: 0x99_0E, stream: 0x5AFF)
    }

    deinit {
        rawObservations.deallocate()
        input.deallocate()
        initialStates.deallocate()
        initialStateRows.deallocate()
        resets.deallocate()
    }

    /// Continues from a checkpoint: parameters, optimizer state, frame count and (where the
    /// checkpoint has them and rewards are normalised) the return statistics.
    public func restore(parameters: [Float], optimizer first: [Float], _ second: [Float], steps: UInt64, framesTrained: UInt64,
                        returnStatistics savedReturns: [Double]? = nil) {
        precondition(parameters.count == self.parameters.count)
        if let savedReturns { returnStatistics?.restore(savedReturns) }
        self.parameters = parameters
        optimizer.restore(first: first, second: second, steps: steps)
        self.framesTrained = framesTrained
        parameters.withUnsafeBufferPointer {
            inputStatistics?.restore(from: $0.baseAddress!, layout: architecture.layout, count: Double(max(framesTrained, 1)))
        }
    }

    /// The return statistics as a checkpoint keeps them (nil: rewards are not normalised).
    public var savedReturnStatistics: [Double]? { returnStatistics?.saved }

    /// Trains on `unrolls` (exactly `batchSize`, each of `unrollLength`), weighting each
    /// unroll's loss by `weights` (importance weights of replayed unrolls; 1 for fresh).
    /// The first `fresh` unrolls (nil: all) are new; only they join the return statistics.
    /// With a `group`, every rank calls this with its own batch at the same time: the
    /// gradients are summed across ranks and the average applied, identically everywhere.
    public func step(_ unrolls: [Unroll], weights: [Float]? = nil, fresh: Int? = nil,
                     group: DataParallelGroup? = nil) -> TrainingStepReport {
        if let ppo {
            precondition(weights?.allSatisfy { $0 == 1 } ?? true, "PPO runs without replay")
            return ppoStep(unrolls, ppo: ppo, group: group)
        }
        var report = computeGradient(unrolls, weights: weights, fresh: fresh, group: group)
        if let group {
            let started = MonotonicClock.now()
            gradient.withUnsafeMutableBufferPointer { group.sumInPlace($0) }
            inputStatistics?.withPending { group.sumInPlace($0) }
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

    /// PPO: the batch's advantages and targets from the parameters as they are, then
    /// `epochs` passes over it in shuffled minibatches, one update (and one published
    /// version) each. The report sums the frames of the batch once and keeps the last
    /// minibatch's losses and statistics.
    ///
    /// With a `group` every rank prepares its own batch, then each minibatch's gradient is
    /// summed across the ranks and the average applied everywhere, as V-trace's step is:
    /// the ranks make the same number of updates (the KL stop looks at the ranks' mean KL),
    /// so they stay in step and keep identical parameters.
    private func ppoStep(_ unrolls: [Unroll], ppo: PPOAlgorithm, group: DataParallelGroup?) -> TrainingStepReport {
        setRewardFactor(fresh: unrolls[...], group: group)
        runForward(unrolls, gatherStatistics: true)
        parameters.withUnsafeBufferPointer {
            ppo.prepare(unrolls: unrolls, forward: forward, headParameters: $0.baseAddress! + headParameterOffset, version: store.version)
        }
        let perMinibatch = unrolls.count / settings.ppo.minibatches
        var order = Array(unrolls.indices)
        var last = TrainingStepReport(), updates = 0, reduceSeconds = 0.0
        epochs: for epoch in 0..<settings.ppo.epochs {
            if epoch > 0 && settings.ppo.recomputesAdvantages {
                runForward(unrolls, gatherStatistics: false)
                parameters.withUnsafeBufferPointer {
                    ppo.computeTargets(unrolls: unrolls, forward: forward, headParameters: $0.baseAddress! + headParameterOffset)
                }
            }
            for index in stride(from: order.count - 1, to: 0, by: -1) {
                order.swapAt(index, Int(shuffler.next() % UInt64(index + 1)))
            }
            for first in stride(from: 0, to: order.count, by: perMinibatch) {
                ppo.selection = Array(order[first..<(first + perMinibatch)])
                var report = computeGradient(ppo.selection.map { unrolls[$0] }, gatherStatistics: false)
                report.frames = 0  // frames count once per batch, below, however often they are reused
                if let group {
                    let started = MonotonicClock.now()
                    gradient.withUnsafeMutableBufferPointer { group.sumInPlace($0) }
                    // The batch's input statistics join the job's with its first update.
                    if updates == 0 { inputStatistics?.withPending { group.sumInPlace($0) } }
                    if settings.ppo.targetKL != nil {
                        var kl = [report.approximateKL ?? 0]
                        kl.withUnsafeMutableBufferPointer { group.sumInPlace($0) }
                        report.approximateKL = kl[0] / Float(group.size)
                    }
                    reduceSeconds += Double(MonotonicClock.now() - started) / 1e9
                }
                applyGradient(contributors: group?.size ?? 1, report: &report)
                last = report
                updates += 1
                // The policy has moved far enough from the one that acted: the rest of this
                // batch's updates would only push it further.
                if let target = settings.ppo.targetKL, let kl = report.approximateKL, kl > 1.5 * target { break epochs }
            }
        }
        last.minibatchUpdates = updates
        last.batchPolicyLagMedian = ppo.batchLag.policyLagMedian
        last.batchPolicyLagMax = ppo.batchLag.policyLagMax
        last.reduceSeconds = reduceSeconds
        last.frames = unrolls.count * settings.unrollLength * (group?.size ?? 1)
        framesTrained += UInt64(last.frames)
        return last
    }

    /// Encodes the unrolls' observations and runs the model on every timestep (unroll b's
    /// timestep t at row b·(T+1) + t), optionally counting the inputs for the normaliser.
    private func runForward(_ unrolls: [Unroll], gatherStatistics: Bool) {
        let count = unrolls.count, length = settings.unrollLength, timesteps = length + 1, rows = count * timesteps
        precondition(count >= 1 && count <= settings.batchSize && unrolls.allSatisfy { $0.length == length })
        let observationBytes = architecture.observation.byteCount
        for (b, unroll) in unrolls.enumerated() {
            unroll.observations.withUnsafeBytes {
                (rawObservations + b * timesteps * observationBytes).copyMemory(from: $0.baseAddress!, byteCount: timesteps * observationBytes)
            }
        }
        encoder.encode(raw: rawObservations, count: rows, into: input)
        // Each unroll's new timesteps join the input statistics (timestep 0 joined with the
        // unroll before, whose last timestep it is).
        if gatherStatistics {
            for b in 0..<count {
                inputStatistics?.gather(input + (b * timesteps + 1) * architecture.inputSize, rows: length)
            }
        }
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
            ModelForward.run(parameters: $0.baseAddress!, input: input, sequences: count, length: timesteps,
                           initialState: stateSize > 0 ? UnsafePointer(initialStateRows) : nil, resets: resets, workspace: forward)
        }
    }

    /// The loss gradient of one batch (see `step`) into the learner's gradient buffer;
    /// the parameters are not touched.
    public func computeGradient(_ unrolls: [Unroll], weights: [Float]? = nil, fresh: Int? = nil) -> TrainingStepReport {
        computeGradient(unrolls, weights: weights, fresh: fresh, group: nil)
    }

    /// A batch's gradient; with a `group`, its ranks' returns are summed for the factor.
    private func computeGradient(_ unrolls: [Unroll], weights: [Float]?, fresh: Int?, group: DataParallelGroup?) -> TrainingStepReport {
        precondition(unrolls.count == settings.batchSize)
        setRewardFactor(fresh: unrolls.prefix(fresh ?? unrolls.count), group: group)
        return computeGradient(unrolls, weights: weights, gatherStatistics: true)
    }

    /// Gathers the fresh unrolls' returns (when rewards are normalised; with a `group`,
    /// summed across its ranks first, so every rank scales its batch alike) and sets what
    /// the algorithm multiplies this batch's rewards by.
    private func setRewardFactor(fresh: ArraySlice<Unroll>, group: DataParallelGroup?) {
        guard returnStatistics != nil else { return }
        returnStatistics!.gather(fresh)
        if let group { returnStatistics!.withPending { group.sumInPlace($0) } }
        algorithm.rewardFactor = settings.rewardScale * returnStatistics!.rewardFactor
    }

    /// The loss gradient of `unrolls` (a batch, or PPO's minibatch of it).
    private func computeGradient(_ unrolls: [Unroll], weights: [Float]? = nil, gatherStatistics: Bool) -> TrainingStepReport {
        let length = settings.unrollLength, timesteps = length + 1, rows = unrolls.count * timesteps
        let versionBefore = store.version  // for the policy lag

        // 1. Every timestep of every unroll is one row of the forward pass.
        runForward(unrolls, gatherStatistics: gatherStatistics)

        // 2. The algorithm's loss, as gradients on each head row.
        // The head's own parameters get their gradient straight from the algorithm.
        backward.headGradient.update(repeating: 0, count: rows * architecture.headSize)
        var report = TrainingStepReport()
        gradient.withUnsafeMutableBufferPointer { gradient in
            parameters.withUnsafeBufferPointer { parameters in
                let headParameterGradient = gradient.baseAddress! + headParameterOffset
                headParameterGradient.update(repeating: 0, count: gradient.count - headParameterOffset)
                algorithm.headGradient(unrolls: unrolls, weights: weights, forward: forward,
                                       headParameters: parameters.baseAddress! + headParameterOffset, versionBefore: versionBefore,
                                       into: backward.headGradient, headParameterGradient: headParameterGradient, report: &report)

                // 3. Backward: the rest of this batch's gradient.
                ModelBackward.run(parameters: parameters.baseAddress!, input: input, rows: rows,
                                forward: forward, workspace: backward, gradient: gradient.baseAddress!)
            }
        }
        report.frames = unrolls.count * length
        report.rewardFactor = algorithm.rewardFactor
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
            // On the passes' backend: with two threads, the norm and the optimizer split too.
            let (norm, factor) = globalNormClip(
                gradient.baseAddress!, count: gradient.count, scale: 1 / Float(contributors), maxNorm: settings.maxGradientNorm,
                on: forward.backend)
            report.gradientNorm = norm
            guard norm.isFinite && factor.isFinite else { return false }
            optimizer.apply(gradient: gradient.baseAddress!, scale: factor, to: &parameters, learningRate: learningRate, on: forward.backend)
            return true
        }
        report.learningRate = learningRate
        report.frames *= contributors
        guard applied else {
            inputStatistics?.discardPending()  // a skipped step changes no parameter, statistics included
            returnStatistics?.discardPending()
            report.skippedNonFinite = true
            report.version = versionBefore
            return
        }
        framesTrained += UInt64(report.frames)
        returnStatistics?.merge()
        if inputStatistics != nil {
            inputStatistics!.merge()
            let layout = forward.layout
            parameters.withUnsafeMutableBufferPointer { inputStatistics!.write(into: $0.baseAddress!, layout: layout) }
        }
        store.publish(parameters, version: versionBefore + 1)
        report.version = versionBefore + 1
        report.learningRate = learningRate
    }
}
