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
        laneWithReturns(seed: seed, unrolls: count, scale: scale).unrolls
    }

    /// The lane's unrolls and, computed here step by step, the running return after each
    /// step of unroll k's new timesteps (steps 5k+1 ... 5k+5) that is not FIRST.
    private func laneWithReturns(seed: UInt64, unrolls count: Int, scale: Float) -> (unrolls: [Unroll], returns: [[Double]]) {
        var builder = UnrollBuilder(length: 5, observationBytes: 16, returnDiscount: 0.9)
        var generator = SeededGenerator(seed: seed)
        var unrolls: [Unroll] = []
        var returns: [[Double]] = Array(repeating: [], count: count + 1)
        var running = 0.0
        var step = 0
        while unrolls.count < count {
            let type: StepType = step % 7 == 0 ? .first : (step % 7 == 6 ? .last : .mid)
            let reward = type == .first ? 0 : scale * (1 + Float.random(in: -1...1, using: &generator))
            running = type == .first ? Double(reward) : 0.9 * running + Double(reward)
            if step > 0 && type != .first { returns[(step - 1) / 5].append(running) }
            let observation = (0..<4).map { _ in Float.random(in: -1...1, using: &generator) }
            let action: [Float] = [Float(Int.random(in: 0..<3, using: &generator))]
            let logProbability = Float.random(in: -2 ... -0.5, using: &generator)
            if let unroll = observation.withUnsafeBytes({
                builder.append(stepType: type, reward: reward, discount: type == .last ? 0 : 1, observation: $0, action: action,
                               logProbability: logProbability, version: 0)
            }) { unrolls.append(unroll) }
            step += 1
        }
        return (unrolls, Array(returns.prefix(count)))
    }

    private static func variance(_ values: [Double]) -> (mean: Double, variance: Double) {
        let mean = values.reduce(0, +) / Double(values.count)
        return (mean, values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count))
    }

    func testStatisticsAreThoseOfTheLanesRunningReturns() {
        let lanes = [laneWithReturns(seed: 1, unrolls: 6, scale: 1), laneWithReturns(seed: 2, unrolls: 6, scale: 1)]
        var statistics = ReturnStatistics(discount: 0.9)
        for index in 0..<6 {
            statistics.gather([lanes[0].unrolls[index], lanes[1].unrolls[index]][...])
            statistics.merge()
        }
        let seen = lanes.flatMap { $0.returns.joined() }
        XCTAssertEqual(seen.count, 60 - 8, "60 new timesteps, 8 of them FIRST")
        let (mean, variance) = Self.variance(seen)
        XCTAssertGreaterThan(variance, 1, "returns of up to ~8 spread well past the prior's 1")
        XCTAssertEqual(statistics.mean, mean, accuracy: 1e-4 * mean)
        XCTAssertEqual(statistics.m2 / statistics.count, variance, accuracy: 1e-4 * variance, "the prior's weight of 1e-4 is lost in 52")
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
        let (a, returnsA) = laneWithReturns(seed: 7, unrolls: 3, scale: 1)
        let (b, returnsB) = laneWithReturns(seed: 8, unrolls: 3, scale: 30)
        let lanes = [a, b]
        _ = learner.step([a[0], b[0]])
        _ = learner.step([a[1], b[0]], fresh: 1)  // b's rewards are 30× a's: counted twice, they would show
        let saved = learner.savedReturnStatistics!
        let seen = returnsA[0] + returnsB[0] + returnsA[1]
        let (mean, variance) = Self.variance(seen)
        XCTAssertEqual(saved[0], Double(seen.count), accuracy: 1e-3, "the replayed unroll was counted when fresh, once")
        XCTAssertEqual(saved[1], mean, accuracy: 1e-4 * abs(mean))
        XCTAssertEqual(saved[2] / saved[0], variance, accuracy: 1e-4 * variance)

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

    /// In a data-parallel job every rank scales its batch by the job's statistics: the
    /// ranks' returns are summed before the factor is taken (here the other rank is a
    /// stand-in whose returns, 30× these, arrive through the group's sum).
    func testRanksScaleTheirBatchesByTheJobsStatistics() {
        for algorithm in [AlgorithmKind.vtrace, .ppo] {
            let (own, ownReturns) = laneWithReturns(seed: 11, unrolls: 2, scale: 1)
            let (other, otherReturns) = laneWithReturns(seed: 12, unrolls: 2, scale: 30)
            var otherRank = ReturnStatistics(discount: 0.9)
            otherRank.gather(other[...])
            let group = OtherRankGroup(otherPending: otherRank.pending)
            let report = learner(normalized: true, algorithm: algorithm).step(own, group: group)
            let (_, variance) = Self.variance(Array(ownReturns.joined()) + Array(otherReturns.joined()))
            XCTAssertEqual(Double(report.rewardFactor), 1 / variance.squareRoot(), accuracy: 1e-4 / variance.squareRoot(),
                           "\(algorithm): the job's spread, not this rank's")
            XCTAssertEqual(group.returnSums, 1, "\(algorithm): the returns are summed once per batch")
        }
    }
}

extension ReturnNormalizationTests {
    /// A rank that joins a job takes rank 0's statistics with its parameters (rank 0 may
    /// have resumed them from a checkpoint; the others start afresh).
    func testAJoiningRankAdoptsTheStatisticsOfRankZero() {
        let root = learner(normalized: true), joining = learner(normalized: true)
        let lanes = [lane(seed: 13, unrolls: 3, scale: 5), lane(seed: 14, unrolls: 3, scale: 5)]
        for index in 0..<3 { _ = root.step([lanes[0][index], lanes[1][index]]) }
        let recording = BroadcastGroup(replaying: nil)
        root.adoptState(of: 0, in: recording)
        joining.adoptState(of: 0, in: BroadcastGroup(replaying: recording.broadcasts))
        XCTAssertEqual(joining.parameters, root.parameters)
        XCTAssertEqual(joining.savedReturnStatistics, root.savedReturnStatistics)
        XCTAssertNotEqual(joining.savedReturnStatistics, learner(normalized: true).savedReturnStatistics, "not the prior")
    }
}

/// Broadcasts as rank 0 sends them (recorded, in order) or as another rank receives them
/// (the recording replayed into its buffers).
private final class BroadcastGroup: DataParallelGroup, @unchecked Sendable {
    private(set) var broadcasts: [[Double]] = []
    private var replaying: [[Double]]?
    init(replaying: [[Double]]?) { self.replaying = replaying }
    var rank: Int { replaying == nil ? 0 : 1 }
    var size: Int { 2 }
    func sumInPlace(_ values: UnsafeMutableBufferPointer<Float>) {}
    func sumInPlace(_ values: UnsafeMutableBufferPointer<Double>) {}
    func broadcast(_ values: UnsafeMutableBufferPointer<Float>, from root: Int) {
        var doubles = values.map(Double.init)
        doubles.withUnsafeMutableBufferPointer { broadcast($0, from: root) }
        for i in values.indices { values[i] = Float(doubles[i]) }
    }
    func broadcast(_ values: UnsafeMutableBufferPointer<Double>, from root: Int) {
        if replaying != nil {
            let sent = replaying!.removeFirst()
            precondition(sent.count == values.count, "a broadcast of another size")
            for i in values.indices { values[i] = sent[i] }
        } else {
            broadcasts.append(Array(values))
        }
    }
    func abort(reason: String) -> Never { fatalError(reason) }
    func leave() {}
}

/// A group of two ranks where the other rank's gradient equals this one's and its return
/// sums are given: what one rank of a data-parallel job sees.
private final class OtherRankGroup: DataParallelGroup, @unchecked Sendable {
    let otherPending: [Double]
    var returnSums = 0
    init(otherPending: [Double]) { self.otherPending = otherPending }
    var rank: Int { 0 }
    var size: Int { 2 }
    func sumInPlace(_ values: UnsafeMutableBufferPointer<Float>) { for i in values.indices { values[i] *= 2 } }
    func sumInPlace(_ values: UnsafeMutableBufferPointer<Double>) {
        precondition(values.count == 3, "only the return statistics are Doubles here")
        returnSums += 1
        for i in values.indices { values[i] += otherPending[i] }
    }
    func broadcast(_ values: UnsafeMutableBufferPointer<Float>, from root: Int) {}
    func broadcast(_ values: UnsafeMutableBufferPointer<Double>, from root: Int) {}
    func abort(reason: String) -> Never { fatalError(reason) }
    func leave() {}
}
