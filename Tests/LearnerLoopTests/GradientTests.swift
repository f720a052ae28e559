import Contract
@testable import LearnerLoop
@testable import Model
import Randomness
import Replay
import XCTest
import LinearAlgebra

/// The loss gradient and the optimizers against finite differences and closed forms.
final class GradientTests: XCTestCase {
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
