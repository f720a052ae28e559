import Contract
@testable import LearnerLoop
@testable import Model
import Randomness
import Replay
import XCTest

/// Reward normalisation by the spread of the lanes' returns: the statistics are those of
/// the running returns the unrolls carry, dividing by them makes training blind to the
/// rewards' scale, a skipped step or a replayed unroll leaves them alone, and checkpoints
/// carry them.
final class ReturnNormalizationTests: XCTestCase {
    private let architecture = ModelArchitecture(observation: ObservationFormat(shape: [4], dtype: .float32), hiddenSizes: [8],
                                                 numActions: 3)

    private func learner(normalized: Bool, algorithm: AlgorithmKind = .vtrace) -> Learner {
        var settings = LearnerSettings()
        settings.batchSize = 2
        settings.unrollLength = 5
        settings.discount = 0.9
        settings.algorithm = algorithm
        settings.ppo.minibatches = 2
        settings.rewardNormalization = normalized ? .returns : .none
        let store = ParameterStore(
            initial: ParameterSnapshot(values: ParameterInitializer.initialValues(for: architecture, seed: 4), version: 0),
            layout: architecture.layout)
        return Learner(architecture: architecture, settings: settings, store: store)
    }

    /// A lane's unrolls in order, rewards × `scale`: episodes of 7 steps, each unroll
    /// carrying the running return (γ 0.9) its lane had at timestep 0.
    private func lane(seed: UInt64, unrolls count: Int, scale: Float = 1) -> [Unroll] {
        var builder = UnrollBuilder(length: 5, observationBytes: 16, returnDiscount: 0.9)
        var generator = SeededGenerator(seed: seed)
        var unrolls: [Unroll] = []
        var step = 0
        while unrolls.count < count {
            let type: StepType = step % 7 == 0 ? .first : (step % 7 == 6 ? .last : .mid)
            let reward = type == .first ? 0 : scale * (1 + Float.random(in: -1...1, using: &generator))
            let observation = (0..<4).map { _ in Float.random(in: -1...1, using: &generator) }
            let action: [Float] = [Float(Int.random(in: 0..<3, using: &generator))]
            let logProbability = Float.random(in: -2 ... -0.5, using: &generator)
            if let unroll = observation.withUnsafeBytes({
                builder.append(stepType: type, reward: reward, discount: type == .last ? 0 : 1, observation: $0, action: action,
                               logProbability: logProbability, version: 0)
            }) { unrolls.append(unroll) }
            step += 1
        }
        return unrolls
    }

    func testStatisticsAreThoseOfTheLanesRunningReturns() {
        let lanes = [lane(seed: 1, unrolls: 6), lane(seed: 2, unrolls: 6)]
        var statistics = ReturnStatistics(discount: 0.9)
        var seen: [Double] = []
        for index in 0..<6 {
            let batch = [lanes[0][index], lanes[1][index]]
            statistics.gather(batch[...])
            statistics.merge()
            for unroll in batch { unroll.forEachRunningReturn(discount: 0.9) { seen.append(Double($0)) } }
        }
        XCTAssertEqual(seen.count, 60)
        let mean = seen.reduce(0, +) / 60, variance = seen.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 60
        XCTAssertGreaterThan(variance, 1, "returns of up to ~8 spread well past the prior's 1")
        XCTAssertEqual(statistics.mean, mean, accuracy: 1e-4 * mean)
        XCTAssertEqual(statistics.m2 / statistics.count, variance, accuracy: 1e-4 * variance, "the prior's weight of 1e-4 is lost in 60")
        XCTAssertEqual(Double(statistics.rewardFactor), 1 / variance.squareRoot(), accuracy: 1e-4 / variance.squareRoot())
    }

    /// Rewards 40× larger train to the same parameters once normalised, under V-trace and
    /// PPO alike; without normalisation they do not.
    func testScaledRewardsTrainTheSameOnceNormalised() {
        for algorithm in [AlgorithmKind.vtrace, .ppo] {
            var difference: [Bool: Float] = [:]
            for normalized in [false, true] {
                let plain = learner(normalized: normalized, algorithm: algorithm)
                let scaled = learner(normalized: normalized, algorithm: algorithm)
                let lanes = [lane(seed: 3, unrolls: 6), lane(seed: 4, unrolls: 6)]
                let scaledLanes = [lane(seed: 3, unrolls: 6, scale: 40), lane(seed: 4, unrolls: 6, scale: 40)]
                for index in 0..<6 {
                    XCTAssertFalse(plain.step([lanes[0][index], lanes[1][index]]).skippedNonFinite)
                    XCTAssertFalse(scaled.step([scaledLanes[0][index], scaledLanes[1][index]]).skippedNonFinite)
                }
                difference[normalized] = zip(plain.parameters, scaled.parameters).map { abs($0 - $1) }.max()!
            }
            XCTAssertLessThan(difference[true]!, 1e-4, "\(algorithm): normalised, the scale is gone")
            XCTAssertGreaterThan(difference[false]!, 1e-3, "\(algorithm): without normalisation the scale shows")
        }
    }

    func testReportsTheFactorItMultipliedRewardsBy() {
        let normalized = learner(normalized: true), plain = learner(normalized: false)
        let lanes = [lane(seed: 5, unrolls: 1, scale: 10), lane(seed: 6, unrolls: 1, scale: 10)]
        let report = normalized.step([lanes[0][0], lanes[1][0]])
        XCTAssertLessThan(report.rewardFactor, 0.5, "returns of tens are scaled down")
        XCTAssertEqual(plain.step([lanes[0][0], lanes[1][0]]).rewardFactor, 1, "--reward-scale alone")
    }

    func testReplayedUnrollsAndSkippedStepsLeaveTheStatisticsAlone() {
        let learner = learner(normalized: true)
        let lanes = [lane(seed: 7, unrolls: 3), lane(seed: 8, unrolls: 3)]
        _ = learner.step([lanes[0][0], lanes[1][0]])
        let afterOne = learner.savedReturnStatistics!
        XCTAssertEqual(afterOne[0], 10, accuracy: 1e-3, "two unrolls of 5 new timesteps")
        _ = learner.step([lanes[0][1], lanes[0][0]], fresh: 1)
        XCTAssertEqual(learner.savedReturnStatistics![0], 15, accuracy: 1e-3, "the replayed unroll was counted when fresh")

        // A NaN observation (the server refuses one; the learner must survive it anyway)
        // makes the gradient NaN: the step is skipped.
        var poisoned = lanes[0][2]
        poisoned.observations.withUnsafeMutableBytes { $0.storeBytes(of: Float.nan, toByteOffset: 16, as: Float.self) }
        let before = learner.savedReturnStatistics!
        XCTAssertTrue(learner.step([poisoned, lanes[1][2]]).skippedNonFinite)
        XCTAssertEqual(learner.savedReturnStatistics!, before, "a skipped step's returns are forgotten")
        XCTAssertFalse(learner.step([lanes[1][2], lanes[1][1]]).skippedNonFinite, "and training goes on")
    }

    func testCheckpointsCarryTheStatisticsAndAResumedLearnerContinuesThem() throws {
        let learner = learner(normalized: true)
        let lanes = [lane(seed: 9, unrolls: 5, scale: 5), lane(seed: 10, unrolls: 5, scale: 5)]
        for index in 0..<4 { _ = learner.step([lanes[0][index], lanes[1][index]]) }
        var checkpoint = Checkpoint(envName: "test", architecture: architecture, version: learner.store.version,
                                    framesTrained: learner.framesTrained, parameters: learner.parameters, optimizer: learner.optimizer)
        checkpoint.returnStatistics = learner.savedReturnStatistics!
        let read = try Checkpoint(decoding: checkpoint.encoded())
        XCTAssertEqual(read, checkpoint)
        XCTAssertEqual(read.returnStatistics.count, 3)
        var older = checkpoint
        older.returnStatistics = []
        XCTAssertEqual(try Checkpoint(decoding: checkpoint.encoded(format: 5)), older, "format 5 still reads, without them")

        let resumed = self.learner(normalized: true)
        let state = learner.optimizer.state
        resumed.restore(parameters: read.parameters, optimizer: state.first, state.second, steps: state.steps,
                        framesTrained: read.framesTrained, returnStatistics: read.returnStatistics)
        XCTAssertEqual(resumed.savedReturnStatistics, learner.savedReturnStatistics)
        let next = [lanes[0][4], lanes[1][4]]
        XCTAssertEqual(resumed.step(next).rewardFactor, learner.step(next).rewardFactor, "the factor continues from the checkpoint")
    }

    func testImplausibleStatisticsInACheckpointAreRefused() {
        var checkpoint = Checkpoint(envName: "test", architecture: architecture, version: 0, framesTrained: 0,
                                    parameters: ParameterInitializer.initialValues(for: architecture, seed: 1),
                                    optimizer: Optimizer(settings: OptimizerSettings(), parameterCount: architecture.layout.count))
        for bad in [[0.0, 0, 1], [10, .nan, 1], [10, 0, -1], [1, 2]] {
            checkpoint.returnStatistics = bad
            XCTAssertThrowsError(try Checkpoint(decoding: checkpoint.encoded()), "\(bad)") {
                XCTAssertEqual("\($0)", "implausible return statistics")
            }
        }
    }
}
