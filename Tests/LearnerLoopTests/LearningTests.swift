import Environments
import LearnerLoop
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
        BLAS.useSingleThread()
        let environments = (0..<16).map { CartPole(seed: seed &* 100 &+ UInt64($0)) }
        let architecture = ModelArchitecture(
            observation: ObservationFormat(shape: [4], elementType: .float32), hiddenSizes: [64, 64], numActions: 2)
        let store = ParameterStore(
            initial: ParameterSnapshot(values: ParameterInitializer.initialValues(for: architecture, seed: seed), version: 0),
            layout: architecture.layout)
        let policy = MLPPolicy(architecture: architecture, store: store, maxBatch: environments.count, seed: seed)
        let learner = Learner(architecture: architecture, settings: settings, store: store)
        var builders = environments.map { _ in UnrollBuilder(length: settings.unrollLength, observationBytes: 16, numActions: 2) }
        var observations = [Float](repeating: 0, count: environments.count * 4)
        var types = [UInt8](repeating: Unroll.first, count: environments.count)
        var rewards = [Float](repeating: 0, count: environments.count), discounts = [Float](repeating: 1, count: environments.count)
        var episodeReturns = [Double](repeating: 0, count: environments.count)
        var actions = [Int32](repeating: 0, count: environments.count), logits = [Float](repeating: 0, count: environments.count * 2)
        var pending: [Unroll] = []
        var run = Run()
        observations.withUnsafeMutableBytes { raw in
            for (index, environment) in environments.enumerated() {
                environment.reset(observation: UnsafeMutableRawBufferPointer(rebasing: raw[(index * 16)..<((index + 1) * 16)]))
            }
        }
        while run.environmentSteps < budget {
            let version = observations.withUnsafeBytes {
                policy.act(observations: $0.baseAddress!, count: environments.count, actions: &actions, logits: &logits)
            }
            observations.withUnsafeMutableBytes { raw in
                for (index, environment) in environments.enumerated() {
                    let slot = UnsafeMutableRawBufferPointer(rebasing: raw[(index * 16)..<((index + 1) * 16)])
                    let unroll = logits.withUnsafeBufferPointer {
                        builders[index].append(stepType: types[index], reward: rewards[index], discount: discounts[index],
                                               observation: UnsafeRawBufferPointer(slot), action: actions[index],
                                               logits: $0.baseAddress! + index * 2, version: version)
                    }
                    if let unroll { pending.append(unroll) }
                    if types[index] == Unroll.last {
                        environment.reset(observation: slot)
                        (types[index], rewards[index], discounts[index], episodeReturns[index]) = (Unroll.first, 0, 1, 0)
                        continue
                    }
                    let outcome = environment.step(action: Int(actions[index]), observation: slot)
                    run.environmentSteps += 1
                    episodeReturns[index] += Double(outcome.reward)
                    (types[index], rewards[index], discounts[index]) = (outcome.isLast ? Unroll.last : Unroll.mid, outcome.reward, outcome.discount)
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
}
