import Contract
@testable import LearnerLoop
@testable import Model
import Randomness
import Replay
import XCTest

/// Finite but extreme values from a client, and episode boundaries a client may send,
/// must not poison what the learner trains on.
final class PoisoningTests: XCTestCase {
    private func makeLearner() -> Learner { makeTestLearner() }

    private func unroll(seed: UInt64, types: [StepType]? = nil) -> Unroll { makeTestUnroll(seed: seed, types: types) }

    /// A reward of 3e38 is finite and passes validation, but the gradient is not: the
    /// step is skipped (NaN > maxNorm is false, so clipping would have let it through).
    func testANonFiniteGradientIsSkippedNotApplied() {
        let learner = makeLearner()
        let before = learner.parameters
        var poisoned = unroll(seed: 1)
        poisoned.rewards[3] = 3e38
        let report = learner.step([poisoned])
        XCTAssertTrue(report.skippedNonFinite)
        XCTAssertFalse(report.gradientNorm.isFinite)
        XCTAssertEqual(learner.parameters, before, "nothing applied")
        XCTAssertEqual(learner.store.version, 0, "nothing published")
        XCTAssertTrue(learner.optimizer.state.first.allSatisfy(\.isFinite))

        let healthy = learner.step([unroll(seed: 2)])
        XCTAssertFalse(healthy.skippedNonFinite)
        XCTAssertEqual(learner.store.version, 1, "the next healthy step trains as usual")
        XCTAssertTrue(learner.parameters.allSatisfy(\.isFinite))
    }

    /// A MID followed by FIRST (an episode abandoned without LAST) is not a transition:
    /// whatever reward the FIRST carries, the gradient is the same, and it equals the
    /// gradient of the same unroll with a proper LAST there.
    func testAStepFollowedByFirstIsNotTrainedOn() {
        let types: [StepType] = [StepType.first, StepType.mid, StepType.mid, StepType.first, StepType.mid, StepType.mid]
        var a = unroll(seed: 3, types: types)
        var b = a
        a.rewards[3] = 0
        b.rewards[3] = 1000
        let first = makeLearner(), second = makeLearner()
        _ = first.computeGradient([a])
        _ = second.computeGradient([b])
        XCTAssertEqual(first.withGradient { Array($0) }, second.withGradient { Array($0) },
                       "the FIRST's reward field is not a consequence of the step before it")
    }

    /// Keras' RMSProp: the mean square starts at 0, so the first step is
    /// θ − lr·g/√((1−ρ)g² + ε) (TF1's form, starting at 1, would move far less).
    func testRMSPropIsKerasFormStartingFromZero() {
        var settings = OptimizerSettings()
        settings.kind = .rmsprop
        var optimizer = Optimizer(settings: settings, parameterCount: 2)
        XCTAssertEqual(optimizer.state.first, [0, 0])
        var parameters: [Float] = [1, 1]
        let gradient: [Float] = [0.5, -2]
        optimizer.apply(gradient: gradient, to: &parameters, learningRate: 0.01)
        for i in 0..<2 {
            let g = gradient[i]
            let expected = 1 - 0.01 * g / ((1 - settings.rmsDecay) * g * g + settings.rmsEpsilon).squareRoot()
            XCTAssertEqual(parameters[i], expected, accuracy: 1e-6)
        }
    }
}
