import Contract
@testable import Model
import LinearAlgebra
import Randomness
import XCTest

/// Backpropagation through time in the LSTM core against finite differences, over
/// sequences that start from stored states and contain an episode start (a reset) in the
/// middle.
final class LSTMGradientTests: XCTestCase {
    func testBackpropagationThroughTimeMatchesFiniteDifferences() {
        BLAS.useSingleThread()
        let architecture = ModelArchitecture(
            observation: ObservationFormat(shape: [3], dtype: .float32), hiddenSizes: [4], numActions: 2, lstmSize: 3)
        let layout = architecture.layout
        XCTAssertNotNil(layout.lstm)
        XCTAssertEqual(layout.count, (3 * 4 + 4) + (4 + 3) * 12 + 12 + (3 * 3 + 3))
        var generator = SeededGenerator(seed: 7)
        var parameters = (0..<layout.count).map { _ in generator.nextGaussian() * 0.5 }
        let sequences = 2, length = 4, rows = sequences * length
        let input = (0..<(rows * 3)).map { _ in generator.nextGaussian() }
        let upstream = (0..<(rows * architecture.headSize)).map { _ in generator.nextGaussian() }
        let states = (0..<sequences).map { _ in (0..<architecture.stateSize).map { _ in generator.nextGaussian() * 0.5 } }
        var resets = [Bool](repeating: false, count: rows)
        resets[1 * length + 2] = true  // sequence 1 starts a new episode at t = 2
        let forward = ForwardWorkspace(architecture: architecture, maxBatch: rows)
        func loss(_ theta: [Float]) -> Double {
            states[0].withUnsafeBufferPointer { first in
                states[1].withUnsafeBufferPointer { second in
                    let pointers = [first.baseAddress!, second.baseAddress!]
                    ModelForward.run(parameters: theta, input: input, sequences: sequences, length: length,
                                   initialState: pointers, resets: resets, workspace: forward)
                }
            }
            return weightedHeads(upstream, forward, rows: rows)
        }
        _ = loss(parameters)
        let backward = BackwardWorkspace(architecture: architecture, maxRows: rows)
        backward.headGradient.update(from: upstream, count: upstream.count)
        var gradient = [Float](repeating: .nan, count: parameters.count)
        ModelBackward.run(parameters: parameters, input: input, rows: rows, forward: forward, workspace: backward, gradient: &gradient)
        XCTAssertFalse(gradient.contains { $0.isNaN }, "every parameter gets a gradient")
        assertMatchesFiniteDifferences(gradient, at: 0..<parameters.count, of: loss, around: &parameters)
    }

    /// The reset cuts the sequence: what came before it cannot change what comes after.
    func testAResetForgetsTheState() {
        let architecture = ModelArchitecture(
            observation: ObservationFormat(shape: [2], dtype: .float32), hiddenSizes: [], numActions: 2, lstmSize: 4)
        var generator = SeededGenerator(seed: 3)
        let parameters = (0..<architecture.layout.count).map { _ in generator.nextGaussian() }
        let forward = ForwardWorkspace(architecture: architecture, maxBatch: 6)
        func heads(firstInput: Float) -> [Float] {
            let input: [Float] = [firstInput, 1, 0.5, -0.5, 0.2, 0.1]  // 3 timesteps of one sequence
            ModelForward.run(parameters: parameters, input: input, sequences: 1, length: 3, initialState: nil,
                           resets: [false, true, false], workspace: forward)
            return (1..<3).flatMap { row in (0..<3).map { forward.headRow(row)[$0] } }
        }
        XCTAssertEqual(heads(firstInput: 5), heads(firstInput: -5))
        ModelForward.run(parameters: parameters, input: [5, 1, 0.5, -0.5, 0.2, 0.1], sequences: 1, length: 3,
                       initialState: nil, resets: [false, false, false], workspace: forward)
        let carried = forward.headRow(1)[0]
        ModelForward.run(parameters: parameters, input: [-5, 1, 0.5, -0.5, 0.2, 0.1], sequences: 1, length: 3,
                       initialState: nil, resets: [false, false, false], workspace: forward)
        XCTAssertNotEqual(carried, forward.headRow(1)[0], "without the reset the first input matters")
    }
}
