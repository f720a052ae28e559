import Contract
@testable import LearnerLoop
@testable import Model
import Randomness
import Replay
import XCTest

/// The data-parallel arithmetic without MPI (scripts/test-mpi.sh runs it across real
/// ranks): a gradient buffer holding the sum of N batches' gradients is averaged inside
/// the clip and the optimizer.
final class GradientAveragingTests: XCTestCase {
    private func makeLearner(maxGradientNorm: Float?) -> Learner {
        let architecture = ModelArchitecture(
            observation: ObservationFormat(shape: [4], dtype: .float32), hiddenSizes: [16], numActions: 3)
        var settings = LearnerSettings()
        settings.batchSize = 2
        settings.unrollLength = 5
        settings.maxGradientNorm = maxGradientNorm
        let store = ParameterStore(
            initial: ParameterSnapshot(values: ParameterInitializer.initialValues(for: architecture, seed: 4), version: 0),
            layout: architecture.layout)
        return Learner(architecture: architecture, settings: settings, store: store)
    }

    private func batch(seed: UInt64) -> [Unroll] {
        var generator = SeededGenerator(seed: seed)
        return (0..<2).map { _ in
            var unroll = Unroll(length: 5, observationBytes: 16)
            for t in 0..<unroll.timesteps {
                unroll.stepTypes[t] = t == 0 ? StepType.first : StepType.mid
                unroll.rewards[t] = Float.random(in: -1...1, using: &generator)
                unroll.discounts[t] = 1
                unroll.actions[t] = Float(Int.random(in: 0..<3, using: &generator))
                unroll.behaviourLogProbabilities[t] = Float.random(in: -2...0, using: &generator)
            }
            unroll.observations.withUnsafeMutableBytes { raw in
                for index in raw.bindMemory(to: Float.self).indices { raw.bindMemory(to: Float.self)[index] = Float.random(in: -1...1, using: &generator) }
            }
            return unroll
        }
    }

    /// Two ranks with the same batch: the sum is 2g, and averaging must give exactly g
    /// (doubling and halving are exact), so both learners end bit for bit equal — with and
    /// without clipping, over several steps of Adam.
    func testTheAverageOfIdenticalBatchesIsTheBatch() {
        for clip in [Float?.none, Float(0.01)] {
            let alone = makeLearner(maxGradientNorm: clip), pair = makeLearner(maxGradientNorm: clip)
            for step in 0..<4 {
                let unrolls = batch(seed: UInt64(step))
                _ = alone.step(unrolls)
                var report = pair.computeGradient(unrolls)
                pair.withGradient { gradient in for i in gradient.indices { gradient[i] += gradient[i] } }
                pair.applyGradient(contributors: 2, report: &report)
                XCTAssertEqual(report.frames, 20, "both ranks' frames count")
            }
            XCTAssertEqual(alone.parameters, pair.parameters, "clip \(String(describing: clip))")
            XCTAssertEqual(pair.framesTrained, 2 * alone.framesTrained)
        }
    }

    /// Different batches: the step follows the mean gradient, not the sum (a sum would
    /// step twice as far under plain SGD-like first Adam steps with clipping off).
    func testContributorsDivideTheSum() {
        let learner = makeLearner(maxGradientNorm: nil)
        var report = learner.computeGradient(batch(seed: 1))
        let first = learner.withGradient { Array($0) }
        _ = learner.computeGradient(batch(seed: 2))
        let second = learner.withGradient { Array($0) }
        learner.withGradient { gradient in for i in gradient.indices { gradient[i] = first[i] + second[i] } }
        let (norm, factor) = learner.withGradient {
            globalNormClip($0.baseAddress!, count: $0.count, scale: 0.5, maxNorm: nil)
        }
        XCTAssertEqual(factor, 0.5)
        let mean = zip(first, second).map { ($0 + $1) / 2 }
        XCTAssertEqual(Double(norm), Double(mean.reduce(0) { $0 + $1 * $1 }.squareRoot()), accuracy: 1e-4)
        learner.applyGradient(contributors: 2, report: &report)
        XCTAssertEqual(report.gradientNorm, norm)
    }
}
