import Contract
@testable import Model
import LinearAlgebra
import Randomness
import XCTest

/// The conv torso's layers against direct loops (forward) and central finite differences
/// (backward), then whole torsos through the model's forward and backward passes.
final class ConvLayerTests: XCTestCase {
    private var generator = SeededGenerator(seed: 2024)
    private func random(_ count: Int, scale: Float = 1) -> [Float] { (0..<count).map { _ in generator.nextGaussian() * scale } }

    /// The definition: out[r, oh, ow, co] = b[co] + Σ in[r, oh·s−p+kh, ow·s−p+kw, ci] · W[kh, kw, ci, co].
    private func directConv(_ conv: Conv2D, _ parameters: [Float], _ input: [Float], rows: Int) -> [Float] {
        var output = [Float](repeating: 0, count: rows * conv.outputSize)
        for r in 0..<rows {
            for oh in 0..<conv.outputHeight {
                for ow in 0..<conv.outputWidth {
                    for co in 0..<conv.outputChannels {
                        var sum = parameters[conv.biasOffset + co]
                        for kh in 0..<conv.kernel {
                            for kw in 0..<conv.kernel {
                                let ih = oh * conv.stride - conv.padding + kh, iw = ow * conv.stride - conv.padding + kw
                                guard ih >= 0 && ih < conv.height && iw >= 0 && iw < conv.width else { continue }
                                for ci in 0..<conv.inputChannels {
                                    let x = input[r * conv.inputSize + (ih * conv.width + iw) * conv.inputChannels + ci]
                                    let w = parameters[conv.weightOffset + ((kh * conv.kernel + kw) * conv.inputChannels + ci) * conv.outputChannels + co]
                                    sum += x * w
                                }
                            }
                        }
                        output[r * conv.outputSize + (oh * conv.outputWidth + ow) * conv.outputChannels + co] = sum
                    }
                }
            }
        }
        return output
    }

    private let shapes: [Conv2D] = [
        Conv2D(height: 7, width: 6, inputChannels: 3, outputChannels: 4, kernel: 3, stride: 2, padding: 1),
        Conv2D(height: 12, width: 12, inputChannels: 2, outputChannels: 5, kernel: 8, stride: 4),  // Nature's first, small
        Conv2D.same(height: 5, width: 4, inputChannels: 3, outputChannels: 2, kernel: 3),
    ]

    func testConvForwardMatchesTheDirectLoop() {
        BLAS.useSingleThread()
        for var conv in shapes {
            conv.weightOffset = 3  // not at the start of the vector
            let parameters = random(3 + conv.parameterCount)
            let rows = 3
            let input = random(rows * conv.inputSize)
            var output = [Float](repeating: .nan, count: rows * conv.outputSize)
            let plan = ConvTorsoPlan(kind: .minatar, shape: [conv.height, conv.width, conv.inputChannels])
            let scratch = ConvolutionScratch(plan: plan, extra: [conv])
            CPUBackend().convolve(conv, relu: false, parameters: parameters, input: input, output: &output, rows: rows, scratch: scratch)
            let expected = directConv(conv, parameters, input, rows: rows)
            for index in output.indices { XCTAssertEqual(output[index], expected[index], accuracy: 1e-4, "\(conv) [\(index)]") }
        }
    }

    /// Weights, bias and input of a conv (no activation: the function is smooth) against
    /// central differences of L = Σ upstream ⊙ conv(x).
    func testConvBackwardMatchesFiniteDifferences() {
        BLAS.useSingleThread()
        for conv in shapes {
            var parameters = random(conv.parameterCount, scale: 0.5)
            let rows = 2
            var input = random(rows * conv.inputSize)
            let upstream = random(rows * conv.outputSize)
            let plan = ConvTorsoPlan(kind: .minatar, shape: [conv.height, conv.width, conv.inputChannels])
            let scratch = ConvolutionScratch(plan: plan, extra: [conv])
            func loss(_ theta: [Float], _ x: [Float]) -> Double {
                var output = [Float](repeating: 0, count: rows * conv.outputSize)
                CPUBackend().convolve(conv, relu: false, parameters: theta, input: x, output: &output, rows: rows, scratch: scratch)
                return zip(output, upstream).reduce(0) { $0 + Double($1.0) * Double($1.1) }
            }
            var gradient = [Float](repeating: 0, count: parameters.count)
            var inputGradient = [Float](repeating: .nan, count: input.count)
            CPUBackend().convolveBackward(conv, parameters: parameters, input: input, outputGradient: upstream, inputGradient: &inputGradient,
                                     gradient: &gradient, rows: rows, scratch: scratch)
            assertMatchesFiniteDifferences(gradient, at: stride(from: 0, to: parameters.count, by: 7),
                                           of: { loss($0, input) }, around: &parameters)
            assertMatchesFiniteDifferences(inputGradient, at: stride(from: 0, to: input.count, by: 5),
                                           of: { loss(parameters, $0) }, around: &input)
        }
    }

    func testMaxPoolTakesTheLargestInItsWindowAndRoutesGradientsToIt() {
        for pool in [MaxPool2D(height: 7, width: 6, channels: 2), MaxPool2D(height: 84, width: 84, channels: 1),
                     MaxPool2D(height: 11, width: 11, channels: 3)] {
            let rows = 2
            // Distinct values 0.05 apart, shuffled: a ±0.01 nudge never changes a window's winner.
            var input = (0..<(rows * pool.inputSize)).map { Float($0) * 0.05 }
            input.shuffle(using: &generator)
            var output = [Float](repeating: 0, count: rows * pool.outputSize)
            var argmax = [Int32](repeating: -1, count: rows * pool.outputSize)
            ConvKernels.poolForward(pool, input: input, output: &output, argmax: &argmax, rows: rows)
            XCTAssertEqual(pool.outputHeight, (pool.height + 1) / 2, "TensorFlow's SAME: ⌈size / 2⌉")
            for r in 0..<rows {
                for oh in 0..<pool.outputHeight {
                    for ow in 0..<pool.outputWidth {
                        for c in 0..<pool.channels {
                            var best = -Float.infinity
                            for ih in (oh * 2 - pool.padTop)..<(oh * 2 - pool.padTop + 3) where ih >= 0 && ih < pool.height {
                                for iw in (ow * 2 - pool.padLeft)..<(ow * 2 - pool.padLeft + 3) where iw >= 0 && iw < pool.width {
                                    best = max(best, input[r * pool.inputSize + (ih * pool.width + iw) * pool.channels + c])
                                }
                            }
                            XCTAssertEqual(output[r * pool.outputSize + (oh * pool.outputWidth + ow) * pool.channels + c], best)
                        }
                    }
                }
            }
            let upstream = random(rows * pool.outputSize)
            var inputGradient = [Float](repeating: .nan, count: input.count)
            ConvKernels.poolBackward(pool, outputGradient: upstream, argmax: argmax, inputGradient: &inputGradient, rows: rows)
            var x = input
            func loss(_ values: [Float]) -> Double {
                var out = [Float](repeating: 0, count: rows * pool.outputSize)
                var winners = [Int32](repeating: 0, count: out.count)
                ConvKernels.poolForward(pool, input: values, output: &out, argmax: &winners, rows: rows)
                return zip(out, upstream).reduce(0) { $0 + Double($1.0) * Double($1.1) }
            }
            assertMatchesFiniteDifferences(inputGradient, at: stride(from: 0, to: x.count, by: max(1, x.count / 120)), of: loss, around: &x)
        }
    }

    /// Whole torsos through the model (torso → head), parameters against central
    /// differences. ReLU and max-pool have kinks: a difference that straddles one is
    /// meaningless, so the inputs keep every pre-activation away from them (a large
    /// positive bias on half the units, a seeded draw), and the check is on a sample.
    func testTorsosBackpropagateThroughTheModel() {
        BLAS.useSingleThread()
        for (kind, shape) in [(TorsoKind.minatar, [6, 5, 3]), (.nature, [40, 36, 2]), (.impala, [9, 10, 2])] {
            let architecture = ModelArchitecture(observation: ObservationFormat(shape: shape, dtype: .float32), torso: kind,
                                                 hiddenSizes: [], numActions: 3, lstmSize: kind == .minatar ? 4 : nil)
            var generator = SeededGenerator(seed: 5)
            var parameters = ParameterInitializer.initialValues(for: architecture, seed: 11)
            for index in parameters.indices { parameters[index] += generator.nextGaussian() * 0.02 }
            let rows = 2
            let input = (0..<(rows * architecture.inputSize)).map { _ in generator.nextUnitFloat() }
            let upstream = (0..<(rows * architecture.headSize)).map { _ in generator.nextGaussian() }
            let forward = ForwardWorkspace(architecture: architecture, maxBatch: rows)
            func loss(_ theta: [Float]) -> Double {
                theta.withUnsafeBufferPointer { theta in
                    input.withUnsafeBufferPointer {
                        ModelForward.run(parameters: theta.baseAddress!, input: $0.baseAddress!, sequences: rows, length: 1,
                                         initialState: nil, resets: nil, workspace: forward)
                    }
                }
                return weightedHeads(upstream, forward, rows: rows)
            }
            _ = loss(parameters)
            let backward = BackwardWorkspace(architecture: architecture, maxRows: rows)
            backward.headGradient.update(from: upstream, count: upstream.count)
            var gradient = [Float](repeating: .nan, count: parameters.count)
            ModelBackward.run(parameters: parameters, input: input, rows: rows, forward: forward, workspace: backward, gradient: &gradient)
            XCTAssertTrue(gradient.allSatisfy(\.isFinite), "\(kind): every parameter has a gradient")
            let sample = stride(from: 0, to: parameters.count, by: max(1, parameters.count / 150))
            var matching = 0, checked = 0
            for index in sample {
                let saved = parameters[index]
                parameters[index] = saved + 1e-3
                let plus = loss(parameters)
                parameters[index] = saved - 1e-3
                let minus = loss(parameters)
                parameters[index] = saved
                let numeric = (plus - minus) / 2e-3
                checked += 1
                if abs(Double(gradient[index]) - numeric) <= 5e-3 + 3e-2 * abs(numeric) { matching += 1 }
            }
            XCTAssertGreaterThanOrEqual(Double(matching), 0.97 * Double(checked), "\(kind): \(matching) of \(checked) parameters match")
        }
    }

    func testThePlansHaveThePublishedShapes() {
        let nature = ConvTorsoPlan(kind: .nature, shape: [84, 84, 4])
        XCTAssertEqual(nature.operations.count, 4)
        if case .dense(let dense) = nature.operations[3] { XCTAssertEqual(dense.inputs, 3136) } else { XCTFail() }
        XCTAssertEqual(nature.outputSize, 512)
        let impala = ConvTorsoPlan(kind: .impala, shape: [84, 84, 4])
        if case .dense(let dense) = impala.operations.last! { XCTAssertEqual(dense.inputs, 11 * 11 * 32) } else { XCTFail() }
        XCTAssertEqual(impala.outputSize, 256)
        let minatar = ConvTorsoPlan(kind: .minatar, shape: [10, 10, 4])
        if case .dense(let dense) = minatar.operations[1] { XCTAssertEqual(dense.inputs, 8 * 8 * 16) } else { XCTFail() }
        XCTAssertEqual(TorsoKind.natural(for: ObservationFormat(shape: [10, 10, 7], dtype: .uint8)), .minatar)
        XCTAssertEqual(TorsoKind.natural(for: ObservationFormat(shape: [84, 84, 4], dtype: .uint8)), .nature)
        XCTAssertEqual(TorsoKind.natural(for: ObservationFormat(shape: [24, 40, 3], dtype: .uint8)), .impala)
        XCTAssertEqual(TorsoKind.natural(for: ObservationFormat(shape: [4], dtype: .float32)), .mlp)
    }
}
