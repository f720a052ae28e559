import Contract
@testable import LearnerLoop
@testable import Model
import Randomness
import Replay
import XCTest
import LinearAlgebra

/// The loss gradient and the optimizers against finite differences and closed forms.
final class GradientTests: XCTestCase {
    /// The whole row loss (policy, baseline, entropy) for every head: its gradient on the
    /// head's outputs, the value and the head's own parameters against central differences.
    func testLossGradientOnEveryHeadMatchesFiniteDifferences() {
        var settings = LearnerSettings()
        settings.entropyCost = 0.05
        settings.baselineCost = 0.7
        let target: Float = 0.8, advantage: Float = -1.3
        let cases: [(any PolicyHead, outputs: [Float], parameters: [Float], action: [Float])] = [
            (CategoricalHead(count: 3), [0.2, -0.4, 1.1], [], [1]),
            (GaussianHead(dimensions: 2, spec: .box(low: [-1, -2], high: [1, 2])), [0.3, -0.5], [-0.2, 0.4], [0.9, -1.7]),
            (GaussianHead(dimensions: 2, spec: .box(low: [-.infinity, 0], high: [1, 3])), [0.3, -0.5], [-0.2, 0.4], [0.9, 2.7]),
            (MultiDiscreteHead(counts: [2, 3]), [0.1, -0.3, 0.5, 0.0, -0.7], [], [1, 2]),
        ]
        for (head, outputs, parameters, action) in cases {
            let value: Float = 0.3
            func total(_ outputs: [Float], _ parameters: [Float], _ value: Float) -> Double {
                var gradient = [Float](repeating: 0, count: outputs.count + 1), parameterGradient = [Float](repeating: 0, count: max(1, parameters.count))
                let held = parameters.isEmpty ? [0] : parameters
                let terms = ActorCriticLoss.row(head: head, outputs: outputs, headParameters: held, action: action, value: value,
                                                target: target, advantage: advantage, settings: settings, scale: 1,
                                                gradient: &gradient, headParameterGradient: &parameterGradient)
                return Double(terms.policy) + Double(settings.baselineCost * terms.baseline) - Double(settings.entropyCost * terms.entropy)
            }
            var gradient = [Float](repeating: 0, count: outputs.count + 1), parameterGradient = [Float](repeating: 0, count: max(1, parameters.count))
            _ = ActorCriticLoss.row(head: head, outputs: outputs, headParameters: parameters.isEmpty ? [0] : parameters, action: action,
                                    value: value, target: target, advantage: advantage, settings: settings, scale: 1,
                                    gradient: &gradient, headParameterGradient: &parameterGradient)
            let step: Float = 1e-3
            for j in outputs.indices {
                var plus = outputs, minus = outputs
                plus[j] += step
                minus[j] -= step
                XCTAssertEqual(Double(gradient[j]), (total(plus, parameters, value) - total(minus, parameters, value)) / Double(2 * step),
                               accuracy: 2e-3, "\(head.name) output \(j)")
            }
            for j in parameters.indices {
                var plus = parameters, minus = parameters
                plus[j] += step
                minus[j] -= step
                XCTAssertEqual(Double(parameterGradient[j]), (total(outputs, plus, value) - total(outputs, minus, value)) / Double(2 * step),
                               accuracy: 2e-3, "\(head.name) parameter \(j)")
            }
            XCTAssertEqual(Double(gradient[outputs.count]),
                           (total(outputs, parameters, value + step) - total(outputs, parameters, value - step)) / Double(2 * step),
                           accuracy: 2e-3, "\(head.name) value")
        }
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

/// The optimizer's pass and the gradient's norm cut in two on `SplitCPUBackend` compute
/// what they do whole: the optimizer bit for bit (it is elementwise), the norm to rounding.
final class OptimizerOnTwoThreadsTests: XCTestCase {
    func testTheOptimizersGiveTheSameParametersOnTwoThreads() {
        let split = SplitCPUBackend(elementwiseThreshold: 1)
        var generator = SeededGenerator(seed: 24)
        let count = 10_001
        let start = (0..<count).map { _ in generator.nextUnitFloat() - 0.5 }
        let gradients = (0..<3).map { _ in (0..<count).map { _ in generator.nextUnitFloat() - 0.5 } }
        for kind in OptimizerKind.allCases {
            var settings = OptimizerSettings()
            settings.kind = kind
            settings.rmsMomentum = 0.5
            var whole = Optimizer(settings: settings, parameterCount: count), halves = whole
            var wholeParameters = start, halvesParameters = start
            for gradient in gradients {
                whole.apply(gradient: gradient, scale: 0.7, to: &wholeParameters, learningRate: 0.01)
                halves.apply(gradient: gradient, scale: 0.7, to: &halvesParameters, learningRate: 0.01, on: split)
            }
            XCTAssertEqual(halvesParameters, wholeParameters, "\(kind)")
            XCTAssertNotEqual(halvesParameters, start, "\(kind)")
            XCTAssertEqual(halves.state.first, whole.state.first, "\(kind)")
            XCTAssertEqual(halves.state.second, whole.state.second, "\(kind)")
        }
    }

    /// A whole learner on two threads (every GEMM, the norm and Adam cut in two) steps as
    /// on one, to the GEMMs' rounding.
    func testALearnerStepsAlikeOnTwoThreads() {
        let one = makeTestLearner(batchSize: 2)
        let two = makeTestLearner(batchSize: 2, backend: SplitCPUBackend(threshold: 1, elementwiseThreshold: 1))
        for step in 0..<4 {
            let unrolls = [makeTestUnroll(seed: UInt64(2 * step)), makeTestUnroll(seed: UInt64(2 * step + 1))]
            let reports = (one.step(unrolls), two.step(unrolls))
            XCTAssertEqual(reports.1.gradientNorm, reports.0.gradientNorm, accuracy: 1e-4 * reports.0.gradientNorm)
        }
        let start = ParameterInitializer.initialValues(for: one.architecture, seed: 4)
        XCTAssertGreaterThan(zip(one.parameters, start).map { abs($0 - $1) }.max()!, 1e-3, "the steps moved the parameters")
        XCTAssertLessThanOrEqual(zip(one.parameters, two.parameters).map { abs($0 - $1) }.max()!, 1e-5)
    }

    func testTheNormAndClipFactorAreTheSameOnTwoThreads() {
        let split = SplitCPUBackend(elementwiseThreshold: 1)
        var generator = SeededGenerator(seed: 25)
        let gradient = (0..<10_001).map { _ in generator.nextUnitFloat() - 0.5 }
        let expected = (gradient.reduce(0.0) { $0 + Double($1) * Double($1) }).squareRoot()
        for maxNorm: Float? in [nil, 1] {
            let whole = globalNormClip(gradient, count: gradient.count, scale: 0.5, maxNorm: maxNorm)
            let halves = globalNormClip(gradient, count: gradient.count, scale: 0.5, maxNorm: maxNorm, on: split)
            XCTAssertEqual(Double(halves.norm), 0.5 * expected, accuracy: 1e-4 * expected)
            XCTAssertEqual(halves.norm, whole.norm, accuracy: 1e-5 * whole.norm)
            XCTAssertEqual(halves.factor, whole.factor, accuracy: 1e-5 * whole.factor)
        }
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
