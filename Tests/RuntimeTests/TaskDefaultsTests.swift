import Environments
import LearnerLoop
import Runtime
import XCTest

/// The task presets: what each task trains with when no flag says otherwise.
final class TaskDefaultsTests: XCTestCase {
    func testBoxActionsOfAnUnknownEnvironmentTrainWithPPODecayedOverTheBudget() {
        let defaults = TaskDefaults.continuousControl
        XCTAssertEqual(defaults.learning.algorithm, .ppo)
        XCTAssertEqual(defaults.learning.batchSize * defaults.learning.unrollLength, 2048)
        XCTAssertEqual(defaults.learning.ppo.epochs, 10)
        XCTAssertTrue(defaults.learning.ppo.recomputesAdvantages, "Hopper: 2,719 against 1,723 with the first epoch's kept")
        XCTAssertEqual(defaults.learning.batchSize % defaults.learning.ppo.minibatches, 0, "minibatches must divide the batch")
        XCTAssertTrue(defaults.decaysLearningRateOverBudget)
        XCTAssertEqual(defaults.unrollQueueCapacity, 2 * defaults.learning.batchSize, "two batches bound the policy lag")
        XCTAssertTrue(defaults.normalizesObservations)
        XCTAssertEqual(TaskDefaults.of(nil, action: .box(low: [-1], high: [1])), defaults)
    }

    func testPendulumKeepsItsVTraceSettings() {
        let defaults = TaskDefaults.of(.pendulum)
        XCTAssertEqual(defaults.learning.algorithm, .vtrace)
        XCTAssertEqual(defaults.learning.unrollLength, 10)
        XCTAssertEqual(defaults.learning.batchSize, LearnerSettings().batchSize)
        XCTAssertEqual(defaults.learning.discount, 0.9)
        XCTAssertEqual(defaults.learning.optimizer.learningRate, 5e-4)
        XCTAssertEqual(defaults.learning.rewardScale, 0.1)
        XCTAssertEqual(defaults.learning.entropyCost, 0)
        XCTAssertEqual(defaults.learning.maxGradientNorm, LearnerSettings().maxGradientNorm)
        XCTAssertFalse(defaults.normalizesObservations)
        XCTAssertFalse(defaults.decaysLearningRateOverBudget)
        XCTAssertNil(defaults.unrollQueueCapacity)
    }

    func testFreewayHasLittleEntropyAndADecayingRateAndSeaquestTheFrameDefaults() {
        let freeway = TaskDefaults.of(.minatarFreeway)
        XCTAssertEqual(freeway.learning.entropyCost, 0.001)
        XCTAssertTrue(freeway.decaysLearningRateOverBudget)
        XCTAssertEqual(freeway.torso, .minatar)
        XCTAssertEqual(TaskDefaults.of(.minatarSeaquest), .minatarFrames)
        XCTAssertEqual(TaskDefaults.minatarFrames.learning.entropyCost, LearnerSettings().entropyCost)
        XCTAssertTrue(TaskDefaults.minatarFrames.decaysLearningRateOverBudget, "every V-trace MinAtar game decays its rate")
    }

    func testAsterixHasAHigherDecayingRate() {
        let asterix = TaskDefaults.of(.minatarAsterix)
        XCTAssertEqual(asterix.learning.optimizer.learningRate, 3e-3)
        XCTAssertGreaterThan(asterix.learning.optimizer.learningRate, TaskDefaults.minatarFrames.learning.optimizer.learningRate)
        XCTAssertTrue(asterix.decaysLearningRateOverBudget)
        XCTAssertEqual(asterix.learning.algorithm, .vtrace)
        XCTAssertEqual(asterix.torso, .minatar)
        XCTAssertEqual(asterix.learning.entropyCost, TaskDefaults.minatarFrames.learning.entropyCost)
    }

    func testSpaceInvadersHasTwiceTheEntropyBonusAndADecayingRate() {
        let spaceInvaders = TaskDefaults.of(.minatarSpaceInvaders)
        XCTAssertEqual(spaceInvaders.learning.entropyCost, 2 * LearnerSettings().entropyCost)
        XCTAssertTrue(spaceInvaders.decaysLearningRateOverBudget)
        XCTAssertEqual(spaceInvaders.learning.algorithm, .vtrace)
        XCTAssertEqual(spaceInvaders.torso, .minatar)
        XCTAssertEqual(spaceInvaders.learning.batchSize, TaskDefaults.minatarFrames.learning.batchSize)
    }

    func testBreakoutTrainsWithPPOOnBatchesOf8192TransitionsAndAQueueOfTwoBatches() {
        let breakout = TaskDefaults.of(.minatarBreakout)
        XCTAssertEqual(breakout.learning.algorithm, .ppo)
        XCTAssertEqual(breakout.learning.batchSize * breakout.learning.unrollLength, 8_192)
        XCTAssertEqual(breakout.learning.unrollLength, 128)
        XCTAssertLessThanOrEqual(breakout.learning.batchSize, breakout.environmentsPerActor * breakout.actors,
                                 "one unroll from each lane fills a batch: none waits for a lane's second")
        XCTAssertEqual(breakout.learning.ppo.minibatches, 8)
        XCTAssertEqual(breakout.learning.batchSize % breakout.learning.ppo.minibatches, 0, "minibatches must divide the batch")
        XCTAssertEqual(breakout.unrollQueueCapacity, 2 * breakout.learning.batchSize)
        XCTAssertEqual(breakout.learning.optimizer.learningRate, 5e-3)
        XCTAssertTrue(breakout.learning.ppo.recomputesAdvantages, "with 5e-3, 3 seeds reached 60.8 recomputed against 52.2 kept at 3e-3")
        XCTAssertEqual(breakout.torso, .minatar)
        XCTAssertEqual(breakout.learning.entropyCost, TaskDefaults.minatarFrames.learning.entropyCost)
        XCTAssertTrue(breakout.decaysLearningRateOverBudget, "the rate decays to 0 over the budget, as every MinAtar game's")
    }
}
