import Contract
@testable import LearnerLoop
@testable import Model
import XCTest

/// `mlp-separate` through the learner: training moves both MLPs and never the weights
/// between them; checkpoints name the torso and refuse it with an LSTM core.
final class SeparateTowersTrainingTests: XCTestCase {
    private let architecture = ModelArchitecture(observation: ObservationFormat(shape: [4], dtype: .float32), torso: .separateMLP,
                                                 hiddenSizes: [8, 8], numActions: 3)

    private func crossedIndices() -> [Int] {
        var ones = [Float](repeating: 1, count: architecture.layout.count)
        SeparateTowers.zeroCrossedWeights(&ones, layout: architecture.layout, architecture: architecture)
        return ones.indices.filter { ones[$0] == 0 }
    }

    func testTrainingNeverMovesTheCrossedWeights() {
        for algorithm in AlgorithmKind.allCases {
            var settings = LearnerSettings()
            settings.algorithm = algorithm
            settings.batchSize = 2
            settings.unrollLength = 5
            settings.ppo.epochs = 2
            settings.ppo.minibatches = 2
            let initial = ParameterInitializer.initialValues(for: architecture, seed: 4)
            let store = ParameterStore(initial: ParameterSnapshot(values: initial, version: 0), layout: architecture.layout)
            let learner = Learner(architecture: architecture, settings: settings, store: store)
            for step in 0..<6 {
                let batch = (0..<2).map { makeTestUnroll(seed: UInt64(10 * step + $0)) }
                XCTAssertFalse(learner.step(batch).skippedNonFinite)
            }
            let trained = learner.parameters
            let crossed = crossedIndices()
            XCTAssertEqual(crossed.count, 2 * 8 * 8 + 8 + 8 * 3)
            for index in crossed { XCTAssertEqual(trained[index], 0, "\(algorithm): crossed weight \(index)") }
            // Both MLPs learned: the second layer's policy block and value block each moved.
            let second = architecture.layout.layers[1]
            let policyWeight = second.weightOffset, valueWeight = second.weightOffset + 8 * 16 + 8
            XCTAssertNotEqual(trained[policyWeight], initial[policyWeight], "\(algorithm): the policy's MLP")
            XCTAssertNotEqual(trained[valueWeight], initial[valueWeight], "\(algorithm): the value's MLP")
        }
    }

    func testACheckpointNamesTheTorsoAndRefusesItWithAnLSTMCore() throws {
        let parameters = ParameterInitializer.initialValues(for: architecture, seed: 3)
        var checkpoint = Checkpoint(envName: "Hopper-v5", architecture: architecture, version: 7, framesTrained: 70,
                                    parameters: parameters, optimizer: Optimizer(settings: OptimizerSettings(), parameterCount: parameters.count))
        let bytes = checkpoint.encoded()
        XCTAssertNotNil(bytes.firstRange(of: Array("mlp-separate".utf8)))
        XCTAssertEqual(try Checkpoint(decoding: bytes).architecture, architecture)
        checkpoint.lstmSize = 8
        XCTAssertThrowsError(try Checkpoint(decoding: checkpoint.encoded())) {
            XCTAssertEqual("\($0)", "the mlp-separate torso takes no LSTM core (it would share what the two MLPs keep apart)")
        }
    }
}
