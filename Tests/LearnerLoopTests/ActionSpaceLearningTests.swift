import Contract
import Environments
@testable import LearnerLoop
import Randomness
import XCTest

/// One-step tasks whose best action depends on the observation: the Gaussian and the
/// multi-discrete heads must learn them through the whole loop (sampling, the behaviour
/// log-prob kept at inference, V-trace, the head's gradient), within a step budget.
final class ActionSpaceLearningTests: XCTestCase {
    /// Observe a target t uniform in [−1, 1]; act a in the box [−2, 2]; reward −(a − t)²,
    /// then the episode ends. A random policy (σ 1 around 0) scores about −1.3; the mean
    /// action following t, with σ shrinking, approaches 0.
    final class ReachTarget: Environment {
        let spec = ObservationSpec(envName: "ReachTarget", shape: [1], dtype: .float32, action: .box(low: [-2], high: [2]))
        private var generator: SeededGenerator
        private var target: Float = 0

        init(seed: UInt64) { generator = SeededGenerator(seed: seed, stream: 0x7A) }

        func reset(observation: UnsafeMutableRawBufferPointer) {
            target = 2 * generator.nextUnitFloat() - 1
            observation.storeBytes(of: target, as: Float.self)
        }

        func step(action: UnsafePointer<Float>, observation: UnsafeMutableRawBufferPointer) -> StepOutcome {
            let error = action[0] - target
            return StepOutcome(reward: -error * error, isLast: true, discount: 0)
        }
    }

    /// Observe a one-hot pair (x in 0..<3, y in 0..<2); act (a, b) in multi-discrete[3, 2];
    /// reward 1 for each dimension matched (0.5 each, 1 for both). Random scores 0.42.
    final class MatchPair: Environment {
        let spec = ObservationSpec(envName: "MatchPair", shape: [5], dtype: .float32, action: .multiDiscrete([3, 2]))
        private var generator: SeededGenerator
        private var pair = (0, 0)

        init(seed: UInt64) { generator = SeededGenerator(seed: seed, stream: 0x7B) }

        func reset(observation: UnsafeMutableRawBufferPointer) {
            pair = (Int(generator.next() % 3), Int(generator.next() % 2))
            let floats = observation.bindMemory(to: Float.self)
            for index in 0..<5 { floats[index] = 0 }
            floats[pair.0] = 1
            floats[3 + pair.1] = 1
        }

        func step(action: UnsafePointer<Float>, observation: UnsafeMutableRawBufferPointer) -> StepOutcome {
            let reward: Float = (Int(action[0]) == pair.0 ? 0.5 : 0) + (Int(action[1]) == pair.1 ? 0.5 : 0)
            return StepOutcome(reward: reward, isLast: true, discount: 0)
        }
    }

    /// Reaches -0.05 after about 101k steps (seed 1): the budget leaves 4× that.
    func testAGaussianPolicyLearnsToReachTheTarget() {
        var settings = LearnerSettings()
        settings.entropyCost = 0  // as the continuous-control defaults: a Gaussian's bonus only widens σ
        let run = LearningTests.train(seed: 1, budget: 400_000, target: -0.05, settings: settings, lstmSize: nil) { ReachTarget(seed: $0) }
        print("learning test (reach target, gaussian): mean return \(run.meanReturn) after \(run.environmentSteps) environment steps")
        XCTAssertGreaterThanOrEqual(run.meanReturn, -0.05, "mean of the last 100 episodes after \(run.environmentSteps) steps")
    }

    /// Reaches 0.95 after about 4k steps (seed 1): the budget leaves 15× that.
    func testAMultiDiscretePolicyLearnsBothChoices() {
        let run = LearningTests.train(seed: 1, budget: 60_000, target: 0.95, lstmSize: nil) { MatchPair(seed: $0) }
        print("learning test (match pair, multi-discrete): mean return \(run.meanReturn) after \(run.environmentSteps) environment steps")
        XCTAssertGreaterThanOrEqual(run.meanReturn, 0.95, "mean of the last 100 episodes after \(run.environmentSteps) steps")
    }
}
