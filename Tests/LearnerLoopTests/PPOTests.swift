import Contract
import Environments
@testable import LearnerLoop
@testable import Model
import Randomness
import Replay
import XCTest

/// PPO on the Algorithm seam: its per-transition loss against central differences (inside
/// and outside the clip, every head, with and without value clipping), learning CartPole through the whole loop, its checkpoint name.
final class PPOTests: XCTestCase {
    func testClippedSurrogateGradientMatchesFiniteDifferences() {
        var settings = LearnerSettings()
        settings.entropyCost = 0.05
        settings.baselineCost = 0.7
        settings.ppo.clip = 0.2
        let heads: [(any PolicyHead, outputs: [Float], parameters: [Float], action: [Float])] = [
            (CategoricalHead(count: 3), [0.2, -0.4, 1.1], [], [1]),
            (GaussianHead(dimensions: 2, spec: .box(low: [-1, -2], high: [1, 2])), [0.3, -0.5], [-0.2, 0.4], [0.9, -1.7]),
            (MultiDiscreteHead(counts: [3, 2]), [0.2, -0.4, 1.1, 0.5, -0.3], [], [2, 0]),
        ]
        // Without value clipping; with it, the clip not binding, binding (no value gradient),
        // and the unclipped loss the larger.
        for (valueClip, oldValue) in [(Float?.none, Float(0.3)), (0.1, 0.25), (0.1, 0.0), (0.1, 0.6)] {
        settings.ppo.valueClip = valueClip
        for (head, outputs, parameters, action) in heads {
            let held = parameters.isEmpty ? [Float(0)] : parameters
            let current = head.logProbability(outputs: outputs, parameters: held, action: action)
            // Behaviour log-probs putting the ratio inside the clip, above it, and below it.
            for (behaviourShift, advantage) in [(Float(0.05), Float(1.3)), (-0.5, 1.3), (0.5, -0.8), (-0.5, -0.8)] {
                let behaviour = current + behaviourShift
                func total(_ outputs: [Float], _ parameters: [Float], _ value: Float) -> Double {
                    var gradient = [Float](repeating: 0, count: outputs.count + 1), parameterGradient = [Float](repeating: 0, count: held.count)
                    let terms = PPOLoss.row(head: head, outputs: outputs, headParameters: parameters.isEmpty ? [0] : parameters, action: action,
                                            behaviourLogProbability: behaviour, advantage: advantage, value: value, oldValue: oldValue, target: 0.8,
                                            settings: settings, scale: 1, gradient: &gradient, headParameterGradient: &parameterGradient)
                    return Double(terms.policy) + Double(settings.baselineCost * terms.baseline) - Double(settings.entropyCost * terms.entropy)
                }
                var gradient = [Float](repeating: 0, count: outputs.count + 1), parameterGradient = [Float](repeating: 0, count: held.count)
                let terms = PPOLoss.row(head: head, outputs: outputs, headParameters: held, action: action, behaviourLogProbability: behaviour,
                                        advantage: advantage, value: 0.3, oldValue: oldValue, target: 0.8, settings: settings, scale: 1,
                                        gradient: &gradient, headParameterGradient: &parameterGradient)
                XCTAssertEqual(terms.clipped, abs(behaviourShift) > 0.2, "\(head.name) shift \(behaviourShift)")
                let step: Float = 1e-3
                for j in outputs.indices {
                    var plus = outputs, minus = outputs
                    plus[j] += step
                    minus[j] -= step
                    XCTAssertEqual(Double(gradient[j]), (total(plus, parameters, 0.3) - total(minus, parameters, 0.3)) / Double(2 * step),
                                   accuracy: 3e-3, "\(head.name) output \(j), shift \(behaviourShift), advantage \(advantage)")
                }
                for j in parameters.indices {
                    var plus = parameters, minus = parameters
                    plus[j] += step
                    minus[j] -= step
                    XCTAssertEqual(Double(parameterGradient[j]), (total(outputs, plus, 0.3) - total(outputs, minus, 0.3)) / Double(2 * step),
                                   accuracy: 3e-3, "\(head.name) parameter \(j), shift \(behaviourShift)")
                }
                XCTAssertEqual(Double(gradient[outputs.count]), (total(outputs, parameters, 0.3 + step) - total(outputs, parameters, 0.3 - step)) / Double(2 * step),
                               accuracy: 3e-3, "\(head.name) value, clip \(String(describing: valueClip)), old value \(oldValue)")
                if valueClip != nil && oldValue == 0 { XCTAssertEqual(gradient[outputs.count], 0, "the clip binds: no value gradient") }
            }
        }
        }
    }

    func testExplainedVariance() {
        let targets: [Float] = [1, 2, 3, 4, 100], valid = [true, true, true, true, false]
        XCTAssertEqual(PPOAlgorithm.explainedVariance(targets: targets, values: targets, valid: valid, count: 5), 1)
        XCTAssertEqual(PPOAlgorithm.explainedVariance(targets: targets, values: [2.5, 2.5, 2.5, 2.5, 0], valid: valid, count: 5), 0,
                       accuracy: 1e-6, "the mean explains nothing")
        XCTAssertEqual(PPOAlgorithm.explainedVariance(targets: targets, values: [0, 1, 2, 3, 0], valid: valid, count: 5), 1,
                       accuracy: 1e-6, "a constant offset leaves no variance unexplained")
    }

    func testTheKLStopEndsABatchsUpdatesEarly() {
        let (learner, store) = tinyPPOLearner(epochs: 4, minibatches: 2, targetKL: 1e-9)
        let report = learner.step((0..<4).map { makeTestUnroll(seed: UInt64($0)) })
        XCTAssertLessThan(report.minibatchUpdates ?? 8, 8, "a KL past 1.5 × 1e-9 stops the batch")
        XCTAssertEqual(store.version, UInt64(report.minibatchUpdates ?? 0), "one version per update made")
        XCTAssertEqual(report.frames, 20, "the batch's frames, counted once")
    }

    /// Reaches 200 after about 60k steps (seed 1; V-trace takes 139k): the budget leaves 4×.
    func testPPOLearnsCartPoleWithinTheStepBudget() {
        var settings = LearnerSettings()
        settings.algorithm = .ppo
        settings.optimizer.learningRate = 1e-3
        let run = LearningTests.train(seed: 1, budget: 250_000, target: 200, settings: settings, lstmSize: nil) { CartPole(seed: $0) }
        print("learning test (cartpole, ppo): mean return \(run.meanReturn) after \(run.environmentSteps) environment steps")
        XCTAssertGreaterThanOrEqual(run.meanReturn, 200, "mean of the last 100 episodes after \(run.environmentSteps) steps")
    }

    /// PPO with the LSTM core: each unroll replayed from the state it started in, every epoch.
    func testPPOWithAnLSTMCoreLearnsCartPole() {
        var settings = LearnerSettings()
        settings.algorithm = .ppo
        settings.optimizer.learningRate = 1e-3
        let run = LearningTests.train(seed: 1, budget: 250_000, target: 150, settings: settings, lstmSize: 32) { CartPole(seed: $0) }
        print("learning test (cartpole, ppo, lstm): mean return \(run.meanReturn) after \(run.environmentSteps) environment steps")
        XCTAssertGreaterThanOrEqual(run.meanReturn, 150, "mean of the last 100 episodes after \(run.environmentSteps) steps")
    }

    func testAPPOLearnerPublishesAVersionPerMinibatch() {
        let (learner, store) = tinyPPOLearner(epochs: 3, minibatches: 2)
        let report = learner.step((0..<4).map { makeTestUnroll(seed: UInt64($0)) })
        XCTAssertEqual(store.version, 6, "3 epochs × 2 minibatches")
        XCTAssertEqual(report.frames, 20, "the batch's frames, counted once")
        XCTAssertEqual(learner.framesTrained, 20, "frames count once, however often they are reused")
        XCTAssertNotNil(report.clipFraction)
        XCTAssertTrue(learner.parameters.allSatisfy(\.isFinite))
    }

    /// The batch's own lag (before its first update) reads the staleness of its data; the
    /// last minibatch's adds the batch's earlier updates.
    func testTheBatchLagIsTheDatasAgeBeforeTheFirstUpdate() {
        let (learner, store) = tinyPPOLearner(epochs: 2, minibatches: 2)
        _ = learner.step((0..<4).map { makeTestUnroll(seed: UInt64($0)) })
        XCTAssertEqual(store.version, 4)
        let batch = (0..<4).map { index -> Unroll in
            var unroll = makeTestUnroll(seed: UInt64(10 + index))
            for t in 0..<unroll.timesteps { unroll.versions[t] = index == 3 ? 1 : 3 }  // acted 1 and 3 versions ago
            return unroll
        }
        let report = learner.step(batch)
        XCTAssertEqual(report.batchPolicyLagMedian, 1, "three of the four unrolls were acted one version ago")
        XCTAssertEqual(report.batchPolicyLagMax, 3)
        XCTAssertGreaterThanOrEqual(report.policyLagMedian, 4, "the last minibatch comes 3 updates later")
    }

    /// Recomputing the advantages before the second epoch makes it what a second step on
    /// the same batch would be (advantages and targets from the parameters after the first
    /// update; the ratio still against the behaviour policy); keeping the first epoch's
    /// advantages gives other parameters. (A large rate, so the first update moves the
    /// values well past the float noise of summing in another order.)
    func testRecomputedAdvantagesMakeTheSecondEpochASecondStepOnTheBatch() {
        let batch = (0..<4).map { makeTestUnroll(seed: UInt64(20 + $0)) }
        let (recomputing, _) = tinyPPOLearner(epochs: 2, minibatches: 1, recomputesAdvantages: true, learningRate: 0.05)
        _ = recomputing.step(batch)
        let (twice, _) = tinyPPOLearner(epochs: 1, minibatches: 1, learningRate: 0.05)
        _ = twice.step(batch)
        _ = twice.step(batch)
        let (keeping, _) = tinyPPOLearner(epochs: 2, minibatches: 1, learningRate: 0.05)
        _ = keeping.step(batch)
        let recomputed = recomputing.parameters, stepped = twice.parameters, kept = keeping.parameters
        XCTAssertEqual(recomputed.count, stepped.count)
        for index in recomputed.indices { XCTAssertEqual(recomputed[index], stepped[index], accuracy: 1e-6, "parameter \(index)") }
        let largestDifference = zip(recomputed, kept).map { abs($0 - $1) }.max() ?? 0
        XCTAssertGreaterThan(largestDifference, 1e-3, "the first epoch's advantages give another second update")
    }
}

extension PPOTests {
    /// A PPO learner on batches of 4 unrolls of 5 steps (`makeTestUnroll`'s), and its store.
    func tinyPPOLearner(epochs: Int, minibatches: Int, targetKL: Float? = nil, recomputesAdvantages: Bool = false,
                        learningRate: Float = OptimizerSettings().learningRate) -> (Learner, ParameterStore) {
        let architecture = ModelArchitecture(observation: ObservationFormat(shape: [4], dtype: .float32), hiddenSizes: [8], numActions: 3)
        var settings = LearnerSettings()
        settings.algorithm = .ppo
        settings.batchSize = 4
        settings.unrollLength = 5
        settings.ppo.epochs = epochs
        settings.ppo.minibatches = minibatches
        settings.ppo.targetKL = targetKL
        settings.ppo.recomputesAdvantages = recomputesAdvantages
        settings.optimizer.learningRate = learningRate
        let store = ParameterStore(
            initial: ParameterSnapshot(values: ParameterInitializer.initialValues(for: architecture, seed: 4), version: 0),
            layout: architecture.layout)
        return (Learner(architecture: architecture, settings: settings, store: store), store)
    }

    func testAPPOCheckpointNamesItsAlgorithm() throws {
        let architecture = ModelArchitecture(observation: ObservationFormat(shape: [4], dtype: .float32), hiddenSizes: [8], numActions: 2)
        let parameters = ParameterInitializer.initialValues(for: architecture, seed: 1)
        var checkpoint = Checkpoint(envName: "CartPole", architecture: architecture, version: 3, framesTrained: 30,
                                    parameters: parameters, optimizer: Optimizer(settings: OptimizerSettings(), parameterCount: parameters.count))
        checkpoint.algorithm = "ppo"
        let read = try Checkpoint(decoding: checkpoint.encoded())
        XCTAssertEqual(read.algorithm, "ppo")
        XCTAssertEqual(read, checkpoint)
    }
}
