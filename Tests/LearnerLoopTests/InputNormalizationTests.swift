import Contract
@testable import LearnerLoop
@testable import Model
import Randomness
import Replay
import XCTest

/// Observation normalisation: the statistics the learner publishes are those of the inputs
/// it trained on, the model applies them as its first step, and checkpoints carry them.
final class InputNormalizationTests: XCTestCase {
    private let architecture = ModelArchitecture(observation: ObservationFormat(shape: [3], dtype: .float32), hiddenSizes: [8],
                                                 action: .box(low: [-2], high: [2]), normalizesInputs: true)

    private func learner(batchSize: Int = 2) -> Learner {
        var settings = LearnerSettings()
        settings.batchSize = batchSize
        settings.unrollLength = 5
        let store = ParameterStore(
            initial: ParameterSnapshot(values: ParameterInitializer.initialValues(for: architecture, seed: 2), version: 0),
            layout: architecture.layout)
        return Learner(architecture: architecture, settings: settings, store: store)
    }

    /// Features far from mean 0 and variance 1 (offsets 100, −3, 0; scales 50, 0.01, 1).
    private func unroll(_ generator: inout SeededGenerator) -> Unroll {
        var unroll = Unroll(length: 5, observationBytes: 12)
        let timesteps = unroll.timesteps
        unroll.observations.withUnsafeMutableBytes { raw in
            let floats = raw.bindMemory(to: Float.self)
            for t in 0..<timesteps {
                floats[t * 3] = 100 + 50 * generator.nextGaussian()
                floats[t * 3 + 1] = -3 + 0.01 * generator.nextGaussian()
                floats[t * 3 + 2] = generator.nextGaussian()
            }
        }
        for t in 0..<unroll.timesteps {
            unroll.stepTypes[t] = t == 0 ? .first : .mid
            unroll.rewards[t] = generator.nextGaussian()
            unroll.discounts[t] = 1
            unroll.actions[t] = generator.nextGaussian()
            unroll.behaviourLogProbabilities[t] = -1.5
        }
        return unroll
    }

    func testPublishedStatisticsAreThoseOfTheTrainedInputs() {
        let learner = learner()
        var generator = SeededGenerator(seed: 11)
        var seen: [[Double]] = [[], [], []]
        for _ in 0..<20 {
            let batch = (0..<2).map { _ in unroll(&generator) }
            for unroll in batch {
                unroll.observations.withUnsafeBytes { raw in
                    let floats = raw.bindMemory(to: Float.self)
                    for t in 1..<unroll.timesteps { for j in 0..<3 { seen[j].append(Double(floats[t * 3 + j])) } }
                }
            }
            XCTAssertFalse(learner.step(batch).skippedNonFinite)
        }
        let published = learner.store.snapshot.values, layout = architecture.layout
        for j in 0..<3 {
            let mean = seen[j].reduce(0, +) / Double(seen[j].count)
            let variance = seen[j].map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(seen[j].count)
            XCTAssertEqual(Double(published[layout.normalizerOffset + j]), mean, accuracy: 1e-4 * max(1, abs(mean)), "mean \(j)")
            XCTAssertEqual(Double(published[layout.normalizerOffset + 3 + j]), 1 / (variance + 1e-8).squareRoot(),
                           accuracy: 1e-3 / variance.squareRoot(), "inverse std \(j)")
        }
        XCTAssertEqual(learner.parameters, published, "the learner's own copy is what it published")
    }

    /// A normalising model on x computes what the same weights compute on the normalised x.
    func testTheModelNormalisesItsInputFirst() {
        var parameters = ParameterInitializer.initialValues(for: architecture, seed: 4)
        let layout = architecture.layout
        let mean: [Float] = [100, -3, 0.5], inverseStd: [Float] = [0.02, 100, 2]
        for j in 0..<3 {
            parameters[layout.normalizerOffset + j] = mean[j]
            parameters[layout.normalizerOffset + 3 + j] = inverseStd[j]
        }
        let plain = ModelArchitecture(observation: ObservationFormat(shape: [3], dtype: .float32), hiddenSizes: [8], action: .box(low: [-2], high: [2]))
        let input: [Float] = [130, -2.99, 40]  // the last normalises to 79: clipped to 10
        let normalized = (0..<3).map { min(max((input[$0] - mean[$0]) * inverseStd[$0], -InputNormalizer.clip), InputNormalizer.clip) }
        let withNormalizer = ForwardWorkspace(architecture: architecture, maxBatch: 1)
        let without = ForwardWorkspace(architecture: plain, maxBatch: 1)
        ModelForward.run(parameters: parameters, input: input, count: 1, workspace: withNormalizer)
        ModelForward.run(parameters: Array(parameters[..<plain.layout.count]), input: normalized, count: 1, workspace: without)
        for j in 0..<architecture.headSize {
            XCTAssertEqual(withNormalizer.headRow(0)[j], without.headRow(0)[j], accuracy: 1e-6)
        }
    }

    func testCheckpointsCarryTheStatisticsAndAResumedLearnerContinuesThem() throws {
        let learner = learner()
        var generator = SeededGenerator(seed: 5)
        for _ in 0..<5 { _ = learner.step((0..<2).map { _ in unroll(&generator) }) }
        let checkpoint = Checkpoint(envName: "Pendulum", architecture: architecture, version: learner.store.version,
                                    framesTrained: learner.framesTrained, parameters: learner.parameters, optimizer: learner.optimizer)
        let bytes = checkpoint.encoded()
        XCTAssertNotNil(bytes.firstRange(of: Array("normalized".utf8)))
        let read = try Checkpoint(decoding: bytes)
        XCTAssertEqual(read, checkpoint)
        XCTAssertTrue(read.architecture.normalizesInputs)
        XCTAssertThrowsError(try Checkpoint(decoding: checkpoint.encoded(format: 4)), "format 4 cannot say its inputs are normalised") {
            XCTAssertEqual("\($0)", "parameter count does not match the architecture")
        }

        let resumed = self.learner()
        let state = learner.optimizer.state
        resumed.restore(parameters: read.parameters, optimizer: state.first, state.second, steps: state.steps, framesTrained: read.framesTrained)
        let batch = (0..<2).map { _ in unroll(&generator) }
        _ = learner.step(batch)
        _ = resumed.step(batch)
        let layout = architecture.layout
        for j in layout.normalizerOffset..<layout.count {
            XCTAssertEqual(resumed.parameters[j], learner.parameters[j], accuracy: 1e-3 * max(1, abs(learner.parameters[j])),
                           "statistic \(j - layout.normalizerOffset) continues from the checkpoint")
        }
    }
}
