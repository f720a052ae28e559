import Contract
@testable import LearnerLoop
import Randomness
import Replay
import XCTest
import LinearAlgebra

/// The backward pass and the loss gradient against finite differences.
final class GradientTests: XCTestCase {
    func testBackwardMatchesFiniteDifferences() {
        BLAS.useSingleThread()
        let architecture = ModelArchitecture(
            observation: ObservationFormat(shape: [3], dtype: .float32), hiddenSizes: [5, 4], numActions: 2)
        var generator = SeededGenerator(seed: 99)
        var parameters = (0..<architecture.layout.count).map { _ in generator.nextGaussian() * 0.6 }
        let rows = 4
        let input = (0..<(rows * 3)).map { _ in generator.nextGaussian() }
        let upstream = (0..<(rows * architecture.headSize)).map { _ in generator.nextGaussian() }
        let forward = ForwardWorkspace(architecture: architecture, maxBatch: rows)
        // L(θ) = Σ upstream ⊙ head(θ): its gradient is what backward computes from `upstream`.
        func loss(_ theta: [Float]) -> Double {
            ModelForward.run(parameters: theta, input: input, count: rows, workspace: forward)
            return weightedHeads(upstream, forward, rows: rows)
        }
        _ = loss(parameters)
        let backward = BackwardWorkspace(architecture: architecture, maxRows: rows)
        backward.headGradient.update(from: upstream, count: upstream.count)
        var gradient = [Float](repeating: 0, count: parameters.count)
        ModelBackward.run(parameters: parameters, input: input, rows: rows, forward: forward, workspace: backward, gradient: &gradient)
        assertMatchesFiniteDifferences(gradient, at: stride(from: 0, to: parameters.count, by: 3), of: loss, around: &parameters)
    }

    func testLossGradientOnLogitsAndValueMatchesFiniteDifferences() {
        var settings = LearnerSettings()
        settings.entropyCost = 0.05
        settings.baselineCost = 0.7
        let action = 1, target: Float = 0.8, advantage: Float = -1.3
        func total(_ logits: [Float], _ value: Float) -> Double {
            var gradient = [Float](repeating: 0, count: 4)
            let terms = logits.withUnsafeBufferPointer {
                ActorCriticLoss.row(logits: $0.baseAddress!, numActions: 3, action: action, value: value, target: target,
                                    advantage: advantage, settings: settings, scale: 1, gradient: &gradient)
            }
            return Double(terms.policy) + Double(settings.baselineCost * terms.baseline) - Double(settings.entropyCost * terms.entropy)
        }
        let logits: [Float] = [0.2, -0.4, 1.1], value: Float = 0.3
        var gradient = [Float](repeating: 0, count: 4)
        _ = logits.withUnsafeBufferPointer {
            ActorCriticLoss.row(logits: $0.baseAddress!, numActions: 3, action: action, value: value, target: target,
                                advantage: advantage, settings: settings, scale: 1, gradient: &gradient)
        }
        for j in 0..<3 {
            var plus = logits, minus = logits
            plus[j] += 1e-3
            minus[j] -= 1e-3
            XCTAssertEqual(Double(gradient[j]), (total(plus, value) - total(minus, value)) / 2e-3, accuracy: 1e-3, "logit \(j)")
        }
        XCTAssertEqual(Double(gradient[3]), (total(logits, value + 1e-3) - total(logits, value - 1e-3)) / 2e-3, accuracy: 1e-3)
    }

    func testAdamAndClipping() {
        var parameters: [Float] = [1, -1]
        var optimizer = Optimizer(settings: OptimizerSettings(), parameterCount: 2)
        var gradient: [Float] = [3, -4]
        XCTAssertEqual(clipGlobalNorm(&gradient, count: 2, maxNorm: 1), 5)
        XCTAssertEqual(gradient[0], 0.6, accuracy: 1e-6)
        XCTAssertEqual(gradient[1], -0.8, accuracy: 1e-6)
        optimizer.apply(gradient: gradient, to: &parameters, learningRate: 0.1)
        // Adam's first step moves each parameter by the learning rate against its gradient's sign.
        XCTAssertEqual(parameters[0], 0.9, accuracy: 1e-4)
        XCTAssertEqual(parameters[1], -0.9, accuracy: 1e-4)
    }
}

final class LearnerSettingsTests: XCTestCase {
    func testLearningRateDecaysLinearlyToZero() {
        var settings = LearnerSettings()
        settings.optimizer.learningRate = 1e-3
        XCTAssertEqual(settings.learningRate(afterFrames: 500), 1e-3)
        settings.learningRateDecayFrames = 1000
        XCTAssertEqual(settings.learningRate(afterFrames: 0), 1e-3)
        XCTAssertEqual(settings.learningRate(afterFrames: 250), 0.75e-3, accuracy: 1e-9)
        XCTAssertEqual(settings.learningRate(afterFrames: 5000), 0)
    }

    func testRMSPropFirstStep() {
        var settings = OptimizerSettings()
        settings.kind = .rmsprop
        settings.rmsDecay = 0.9
        settings.rmsEpsilon = 0
        var optimizer = Optimizer(settings: settings, parameterCount: 1)
        var parameters: [Float] = [1]
        optimizer.apply(gradient: [2], to: &parameters, learningRate: 0.1)
        // ms = 0.1·4 = 0.4; step = 0.1·2/√0.4
        XCTAssertEqual(parameters[0], 1 - 0.2 / Float(0.4).squareRoot(), accuracy: 1e-6)
    }
}

/// Σ upstream ⊙ head over `rows` head rows: a loss whose gradient on the head is `upstream`.
func weightedHeads(_ upstream: [Float], _ forward: ForwardWorkspace, rows: Int) -> Double {
    let width = forward.architecture.headSize
    var total = 0.0
    for row in 0..<rows {
        for column in 0..<width { total += Double(upstream[row * width + column]) * Double(forward.headRow(row)[column]) }
    }
    return total
}

/// Each of `indices` of `gradient` against the central difference of `loss` around `parameters`.
func assertMatchesFiniteDifferences(
    _ gradient: [Float], at indices: some Sequence<Int>, of loss: ([Float]) -> Double, around parameters: inout [Float],
    file: StaticString = #filePath, line: UInt = #line
) {
    for index in indices {
        let saved = parameters[index]
        parameters[index] = saved + 1e-2
        let plus = loss(parameters)
        parameters[index] = saved - 1e-2
        let minus = loss(parameters)
        parameters[index] = saved
        let numeric = (plus - minus) / 2e-2
        XCTAssertEqual(Double(gradient[index]), numeric, accuracy: 2e-3 + 2e-2 * abs(numeric), "parameter \(index)", file: file, line: line)
    }
}
