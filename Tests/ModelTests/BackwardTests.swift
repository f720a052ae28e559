import Contract
@testable import Model
import Randomness
import XCTest
import LinearAlgebra

/// The backward pass against finite differences.
final class BackwardTests: XCTestCase {
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
