import Contract
@testable import Model
import Randomness
import XCTest
import LinearAlgebra

/// `mlp-separate`: two MLPs stored as one twice as wide, the weights between them held at 0.
final class SeparateTowersTests: XCTestCase {
    private let architecture = ModelArchitecture(
        observation: ObservationFormat(shape: [3], dtype: .float32), torso: .separateMLP, hiddenSizes: [5, 4],
        action: .box(low: [-1, -1], high: [1, 1]))

    /// Whether each parameter is one of the crossed weights.
    private var crossed: [Bool] {
        var ones = [Float](repeating: 1, count: architecture.layout.count)
        SeparateTowers.zeroCrossedWeights(&ones, layout: architecture.layout, architecture: architecture)
        return ones.map { $0 == 0 }
    }

    func testStoredAsOneMLPTwiceAsWide() {
        XCTAssertEqual(architecture.torsoWidths, [10, 8])
        XCTAssertEqual(architecture.featureSize, 8)
        // 5×4 hidden-to-hidden weights each way, the value's weights from the policy's 4
        // units, and the policy's outputs (2 means) from the value's 4 units.
        let policyOutputs = architecture.head.outputCount
        XCTAssertEqual(crossed.filter { $0 }.count, 2 * 5 * 4 + 4 + 4 * policyOutputs)
        let initial = ParameterInitializer.initialValues(for: architecture, seed: 3)
        for index in initial.indices where crossed[index] { XCTAssertEqual(initial[index], 0, "parameter \(index)") }
        XCTAssertNotNil(ModelArchitecture.problem(torso: .separateMLP, hiddenSizes: [64], lstmSize: 16))
        XCTAssertNotNil(ModelArchitecture.problem(torso: .separateMLP, hiddenSizes: [], lstmSize: nil))
        XCTAssertNil(ModelArchitecture.problem(torso: .mlp, hiddenSizes: [], lstmSize: 16))
    }

    /// Whatever the value's MLP holds, the policy's outputs do not move, and the reverse.
    func testThePolicyAndTheValueReadOnlyTheirOwnMLP() {
        BLAS.useSingleThread()
        var generator = SeededGenerator(seed: 5)
        let layout = architecture.layout
        let parameters = ParameterInitializer.initialValues(for: architecture, seed: 3)
        let rows = 3
        let input = (0..<(rows * 3)).map { _ in generator.nextGaussian() }
        let forward = ForwardWorkspace(architecture: architecture, maxBatch: rows)
        func heads(_ theta: [Float]) -> [[Float]] {
            ModelForward.run(parameters: theta, input: input, count: rows, workspace: forward)
            return (0..<rows).map { Array(UnsafeBufferPointer(start: forward.headRow($0), count: architecture.headSize)) }
        }
        let before = heads(parameters)
        // Each tower's own units: the second half of every torso layer is the value's.
        func redraw(valueHalf: Bool) -> [Float] {
            var theta = parameters
            for layer in layout.layers.dropLast() {
                let half = layer.outputs / 2
                let columns = valueHalf ? half..<layer.outputs : 0..<half
                for row in 0..<layer.inputs {
                    for column in columns where !crossed[layer.weightOffset + row * layer.outputs + column] {
                        theta[layer.weightOffset + row * layer.outputs + column] = generator.nextGaussian()
                    }
                }
                for column in columns { theta[layer.biasOffset + column] = generator.nextGaussian() }
            }
            return theta
        }
        let value = architecture.valueIndex
        let valueRedrawn = heads(redraw(valueHalf: true))
        let policyRedrawn = heads(redraw(valueHalf: false))
        for row in 0..<rows {
            XCTAssertEqual(Array(valueRedrawn[row][..<value]), Array(before[row][..<value]), "row \(row): policy outputs")
            XCTAssertNotEqual(valueRedrawn[row][value], before[row][value], "row \(row): the value's MLP moved the value")
            XCTAssertEqual(policyRedrawn[row][value], before[row][value], "row \(row): value")
            XCTAssertNotEqual(Array(policyRedrawn[row][..<value]), Array(before[row][..<value]), "row \(row)")
        }
    }

    /// The gradient is the true one everywhere but the crossed weights, where it is 0.
    func testBackwardMatchesFiniteDifferencesAndLeavesCrossedWeightsAlone() {
        BLAS.useSingleThread()
        var generator = SeededGenerator(seed: 99)
        var parameters = (0..<architecture.layout.count).map { _ in generator.nextGaussian() * 0.6 }
        SeparateTowers.zeroCrossedWeights(&parameters, layout: architecture.layout, architecture: architecture)
        let rows = 4
        let input = (0..<(rows * 3)).map { _ in generator.nextGaussian() }
        let upstream = (0..<(rows * architecture.headSize)).map { _ in generator.nextGaussian() }
        let forward = ForwardWorkspace(architecture: architecture, maxBatch: rows)
        func loss(_ theta: [Float]) -> Double {
            ModelForward.run(parameters: theta, input: input, count: rows, workspace: forward)
            return weightedHeads(upstream, forward, rows: rows)
        }
        _ = loss(parameters)
        let backward = BackwardWorkspace(architecture: architecture, maxRows: rows)
        backward.headGradient.update(from: upstream, count: upstream.count)
        var gradient = [Float](repeating: 0, count: parameters.count)
        ModelBackward.run(parameters: parameters, input: input, rows: rows, forward: forward, workspace: backward, gradient: &gradient)
        let crossed = crossed
        for index in gradient.indices where crossed[index] { XCTAssertEqual(gradient[index], 0, "parameter \(index)") }
        assertMatchesFiniteDifferences(gradient, at: gradient.indices.filter { !crossed[$0] && !$0.isMultiple(of: 2) },
                                       of: loss, around: &parameters)
    }
}
