import Contract
import Environments
import LearnerLoop
import Model
import Randomness
import Replay
import XCTest
import LinearAlgebra

/// Learning with a step budget, deterministic: the real model, unroll builder and
/// learner, stepped synchronously (no threads, no sockets) so the same seed always
/// gives the same curve. The served end to end path is tested in InferenceServerTests.
final class LearningTests: XCTestCase {
    struct Run {
        var environmentSteps = 0
        var recentReturns: [Double] = []
        var meanReturn: Double { recentReturns.isEmpty ? 0 : recentReturns.reduce(0, +) / Double(recentReturns.count) }
    }

    static func train(seed: UInt64, budget: Int, target: Double, settings: LearnerSettings = LearnerSettings()) -> Run {
        train(seed: seed, budget: budget, target: target, settings: settings, lstmSize: nil) { CartPole(seed: $0) }
    }

    /// Any environment, with any torso, feed-forward or with an LSTM core (whose
    /// per-environment state is kept here as the server keeps it per stream).
    static func train(seed: UInt64, budget: Int, target: Double, settings: LearnerSettings = LearnerSettings(),
                      torso: TorsoKind = .mlp, lstmSize: Int?, makeEnvironment: (UInt64) -> Environment) -> Run {
        BLAS.useSingleThread()
        let environments = (0..<16).map { makeEnvironment(seed &* 100 &+ UInt64($0)) }
        let spec = environments[0].spec
        let bytes = spec.byteCount, width = spec.action.width
        let architecture = ModelArchitecture(observation: spec.format, torso: torso, hiddenSizes: [64, 64],
                                             action: spec.action, lstmSize: lstmSize)
        let store = ParameterStore(
            initial: ParameterSnapshot(values: ParameterInitializer.initialValues(for: architecture, seed: seed), version: 0),
            layout: architecture.layout)
        let policy = ModelPolicy(architecture: architecture, store: store, maxBatch: environments.count, seed: seed)
        let learner = Learner(architecture: architecture, settings: settings, store: store)
        let stateSize = architecture.stateSize
        var builders = environments.map { _ in
            UnrollBuilder(length: settings.unrollLength, observationBytes: bytes, actionWidth: width, stateSize: stateSize)
        }
        let rows = (0..<environments.count).map { _ in UnsafeMutableRawPointer.allocate(byteCount: policy.preparedRowBytes, alignment: 16) }
        let states = (0..<environments.count).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: max(1, stateSize)) }
        defer { rows.forEach { $0.deallocate() }; states.forEach { $0.deallocate() } }
        let rowPointers = rows.map { UnsafeRawPointer($0) }
        var observations = [UInt8](repeating: 0, count: environments.count * bytes)
        var types = [StepType](repeating: .first, count: environments.count)
        var rewards = [Float](repeating: 0, count: environments.count), discounts = [Float](repeating: 1, count: environments.count)
        var episodeReturns = [Double](repeating: 0, count: environments.count)
        var actions = [Float](repeating: 0, count: environments.count * width)
        var logProbabilities = [Float](repeating: 0, count: environments.count)
        var sent = [Float](repeating: 0, count: width)
        var pending: [Unroll] = []
        var run = Run()
        observations.withUnsafeMutableBytes { raw in
            for (index, environment) in environments.enumerated() {
                environment.reset(observation: UnsafeMutableRawBufferPointer(rebasing: raw[(index * bytes)..<((index + 1) * bytes)]))
            }
        }
        while run.environmentSteps < budget {
            // What the server does on receipt: reset the state at FIRST, prepare, stage.
            observations.withUnsafeBytes { raw in
                for index in environments.indices {
                    if types[index] == StepType.first { states[index].update(repeating: 0, count: max(1, stateSize)) }
                    let slot = UnsafeRawBufferPointer(rebasing: raw[(index * bytes)..<((index + 1) * bytes)])
                    policy.prepare(observation: slot, into: rows[index])
                    builders[index].stage(stepType: types[index], reward: rewards[index], discount: discounts[index],
                                          observation: slot, state: stateSize > 0 ? UnsafePointer(states[index]) : nil)
                }
            }
            let version = policy.act(preparedRows: rowPointers, states: stateSize > 0 ? states : nil, count: environments.count,
                                     actions: &actions, logProbabilities: &logProbabilities)
            observations.withUnsafeMutableBytes { raw in
                for (index, environment) in environments.enumerated() {
                    let slot = UnsafeMutableRawBufferPointer(rebasing: raw[(index * bytes)..<((index + 1) * bytes)])
                    let unroll = actions.withUnsafeBufferPointer {
                        builders[index].commit(action: $0.baseAddress! + index * width, logProbability: logProbabilities[index],
                                               version: version)
                    }
                    if let unroll { pending.append(unroll) }
                    if types[index] == StepType.last {
                        environment.reset(observation: slot)
                        (types[index], rewards[index], discounts[index], episodeReturns[index]) = (StepType.first, 0, 1, 0)
                        continue
                    }
                    // As the server sends it: a box action clipped into its bounds.
                    for d in 0..<width { sent[d] = actions[index * width + d] }
                    if case .box(let low, let high) = spec.action {
                        for d in 0..<width { sent[d] = ActionSpec.clip(sent[d], low: low[d], high: high[d]) }
                    }
                    let outcome = environment.step(action: sent, observation: slot)
                    run.environmentSteps += 1
                    episodeReturns[index] += Double(outcome.reward)
                    (types[index], rewards[index], discounts[index]) = (outcome.isLast ? StepType.last : StepType.mid, outcome.reward, outcome.discount)
                    if outcome.isLast {
                        run.recentReturns.append(episodeReturns[index])
                        if run.recentReturns.count > 100 { run.recentReturns.removeFirst() }
                    }
                }
            }
            while pending.count >= settings.batchSize {
                _ = learner.step(Array(pending.prefix(settings.batchSize)))
                pending.removeFirst(settings.batchSize)
            }
            if run.recentReturns.count == 100 && run.meanReturn >= target { break }
        }
        return run
    }

    func testCartPoleReachesTwoHundredWithinTheStepBudget() {
        let run = Self.train(seed: 1, budget: 250_000, target: 200)
        print("learning test: mean return \(run.meanReturn) after \(run.environmentSteps) environment steps")
        XCTAssertGreaterThanOrEqual(run.meanReturn, 200, "mean of the last 100 episodes after \(run.environmentSteps) steps")
    }

    func testTheSameSeedGivesTheSameRun() {
        let a = Self.train(seed: 3, budget: 6_000, target: .infinity)
        let b = Self.train(seed: 3, budget: 6_000, target: .infinity)
        XCTAssertEqual(a.recentReturns, b.recentReturns)
    }

    /// The memory task: only a policy with memory can name the cue after the delay. The
    /// LSTM agent reaches a mean return of 0.9 (95 % right) within the budget; the
    /// feed-forward agent, given the same budget, stays near chance (mean 0).
    func testAnLSTMLearnsToRecallTheCueAndAFeedForwardAgentCannot() {
        let lstm = Self.train(seed: 1, budget: 100_000, target: 0.9, lstmSize: 32) { Recall(seed: $0) }
        print("learning test (recall, lstm): mean return \(lstm.meanReturn) after \(lstm.environmentSteps) environment steps")
        XCTAssertGreaterThanOrEqual(lstm.meanReturn, 0.9, "mean of the last 100 episodes after \(lstm.environmentSteps) steps")
        let feedForward = Self.train(seed: 1, budget: 100_000, target: 0.9, lstmSize: nil) { Recall(seed: $0) }
        print("learning test (recall, mlp): mean return \(feedForward.meanReturn) after \(feedForward.environmentSteps) environment steps")
        XCTAssertLessThan(feedForward.meanReturn, 0.5, "a policy without memory cannot know the cue")
    }

    /// Learning from pixels: in Catch seen as 32×32 frames (single-pixel ball and paddle,
    /// columns 2 pixels apart) the conv torso learns to catch within the budget, while the
    /// MLP, which sees the frame average-pooled 4×4 (neighbouring columns merged), cannot
    /// tell where to go.
    func testAConvTorsoLearnsFromPixelsWhereThePooledMLPCannot() {
        var settings = LearnerSettings()
        settings.discount = 0.99
        let conv = Self.train(seed: 1, budget: 60_000, target: 0.9, settings: settings, torso: .minatar, lstmSize: nil) { PixelCatch(seed: $0) }
        print("learning test (pixel catch, minatar torso): mean return \(conv.meanReturn) after \(conv.environmentSteps) environment steps")
        XCTAssertGreaterThanOrEqual(conv.meanReturn, 0.9, "mean of the last 100 episodes after \(conv.environmentSteps) steps")
        let mlp = Self.train(seed: 1, budget: 60_000, target: 0.9, settings: settings, torso: .mlp, lstmSize: nil) { PixelCatch(seed: $0) }
        print("learning test (pixel catch, pooled mlp): mean return \(mlp.meanReturn) after \(mlp.environmentSteps) environment steps")
        XCTAssertLessThan(mlp.meanReturn, 0.6, "pooling merges the columns the ball falls in")
    }
}
