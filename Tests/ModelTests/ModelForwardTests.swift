import Contract
#if canImport(Glibc)
import Glibc
#endif
@testable import Model
import Randomness
import XCTest
import LinearAlgebra

/// The BLAS forward pass against a plain loop over the same parameters.
final class ModelForwardTests: XCTestCase {
    private func naiveForward(_ architecture: ModelArchitecture, _ parameters: [Float], _ input: [Float]) -> [Float] {
        var current = input
        let layers = architecture.layout.layers
        for (index, layer) in layers.enumerated() {
            var output = [Float](repeating: 0, count: layer.outputs)
            for o in 0..<layer.outputs {
                var sum = parameters[layer.biasOffset + o]
                for i in 0..<layer.inputs { sum += current[i] * parameters[layer.weightOffset + i * layer.outputs + o] }
                output[o] = index == layers.count - 1 ? sum : tanh(sum)
            }
            current = output
        }
        return current
    }

    func testBatchedForwardMatchesNaiveLoop() {
        BLAS.useSingleThread()
        let architecture = ModelArchitecture(
            observation: ObservationFormat(shape: [5], dtype: .float32), hiddenSizes: [7, 3], numActions: 4)
        var generator = SeededGenerator(seed: 42)
        let parameters = (0..<architecture.layout.count).map { _ in generator.nextGaussian() * 0.5 }
        let batch = 6
        let input = (0..<(batch * 5)).map { _ in generator.nextGaussian() }
        let workspace = ForwardWorkspace(architecture: architecture, maxBatch: 8)
        ModelForward.run(parameters: parameters, input: input, count: batch, workspace: workspace)
        for row in 0..<batch {
            let expected = naiveForward(architecture, parameters, Array(input[(row * 5)..<((row + 1) * 5)]))
            let head = workspace.headRow(row)
            for column in 0..<architecture.headSize {
                XCTAssertEqual(head[column], expected[column], accuracy: 1e-5, "row \(row) column \(column)")
            }
        }
    }

    func testLayoutPacksWeightsThenBiasPerLayer() {
        let layout = ParameterLayout(widths: [3, 2, 5])
        XCTAssertEqual(layout.layers.map(\.weightOffset), [0, 8])
        XCTAssertEqual(layout.layers.map(\.biasOffset), [6, 18])
        XCTAssertEqual(layout.count, 3 * 2 + 2 + 2 * 5 + 5)
    }

    func testFramesArePooledAndScaled() {
        let architecture = ModelArchitecture(
            observation: ObservationFormat(shape: [84, 84, 4], dtype: .uint8), hiddenSizes: [8], numActions: 6)
        XCTAssertEqual(architecture.poolFactor, 4)
        XCTAssertEqual(architecture.inputSize, 21 * 21 * 4)
        var frame = [UInt8](repeating: 0, count: 84 * 84 * 4)
        // Channel 2 of the 4×4 block at pool cell (1, 3): pixels sum to 16 · 255 / 2.
        for y in 4..<8 { for x in 12..<16 { frame[(y * 84 + x) * 4 + 2] = UInt8(y % 2 == 0 ? 255 : 0) } }
        var output = [Float](repeating: -1, count: architecture.inputSize)
        frame.withUnsafeBytes { raw in
            output.withUnsafeMutableBufferPointer {
                ObservationEncoder(architecture: architecture).encode(raw: raw.baseAddress!, count: 1, into: $0.baseAddress!)
            }
        }
        XCTAssertEqual(output[(1 * 21 + 3) * 4 + 2], 0.5, accuracy: 1e-6)
        XCTAssertEqual(output.reduce(0, +), 0.5, accuracy: 1e-5, "everything else is zero")
    }

    /// The integer fast paths (four channels as one 64-bit word; any other channel
    /// count) against the definition of 4×4 average pooling, on seeded random frames that
    /// include all-255 blocks (the largest sums).
    func testPoolingMatchesTheDefinition() {
        for channels in [4, 3, 1] {
            let (height, width) = (84, 80)
            let architecture = ModelArchitecture(
                observation: ObservationFormat(shape: [height, width, channels], dtype: .uint8), hiddenSizes: [8], numActions: 2)
            XCTAssertEqual(architecture.poolFactor, 4)
            let frameBytes = height * width * channels
            var generator = SeededGenerator(seed: UInt64(channels))
            var frames = (0..<(2 * frameBytes)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            for y in 0..<8 { for x in 0..<8 { for c in 0..<channels { frames[(y * width + x) * channels + c] = 255 } } }
            let encoder = ObservationEncoder(architecture: architecture)
            var contiguous = [Float](repeating: -1, count: 2 * architecture.inputSize)
            frames.withUnsafeBytes { raw in
                contiguous.withUnsafeMutableBufferPointer { encoder.encode(raw: raw.baseAddress!, count: 2, into: $0.baseAddress!) }
            }
            XCTAssertEqual(contiguous[0], 1, "an all-255 block pools to exactly 1")
            for frame in 0..<2 {
                for outY in 0..<(height / 4) {
                    for outX in 0..<(width / 4) {
                        for c in 0..<channels {
                            var sum = 0
                            for dy in 0..<4 { for dx in 0..<4 { sum += Int(frames[frame * frameBytes + ((outY * 4 + dy) * width + outX * 4 + dx) * channels + c]) } }
                            let index = frame * architecture.inputSize + (outY * (width / 4) + outX) * channels + c
                            XCTAssertEqual(contiguous[index], Float(sum) / (255 * 16), accuracy: 1e-6, "channels \(channels)")
                        }
                    }
                }
            }
        }
    }

    /// The server's path (each observation prepared into its own row, the batch read
    /// from row pointers) chooses what the contiguous path chooses: same logits, and the
    /// same actions from the same sampler seed.
    func testPreparedRowsActLikeContiguousObservations() {
        let architecture = ModelArchitecture(
            observation: ObservationFormat(shape: [84, 84, 4], dtype: .uint8), hiddenSizes: [16], numActions: 6)
        let store = ParameterStore(
            initial: ParameterSnapshot(values: ParameterInitializer.initialValues(for: architecture, seed: 5), version: 3),
            layout: architecture.layout)
        let count = 3, frameBytes = architecture.observation.byteCount
        var generator = SeededGenerator(seed: 9)
        let frames = (0..<(count * frameBytes)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        func run(_ body: (ModelPolicy, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>) -> UInt64) -> ([Float], [Float], UInt64) {
            let policy = ModelPolicy(architecture: architecture, store: store, maxBatch: count, seed: 11)
            var actions = [Float](repeating: -1, count: count), logProbabilities = [Float](repeating: 0, count: count)
            let version = body(policy, &actions, &logProbabilities)
            return (actions, logProbabilities, version)
        }
        let contiguous = run { policy, actions, logProbabilities in
            frames.withUnsafeBytes {
                policy.act(observations: $0.baseAddress!, count: count, actions: actions, logProbabilities: logProbabilities)
            }
        }
        let prepared = run { policy, actions, logProbabilities in
            let rows = (0..<count).map { _ in UnsafeMutableRawPointer.allocate(byteCount: policy.preparedRowBytes, alignment: 16) }
            defer { rows.forEach { $0.deallocate() } }
            frames.withUnsafeBytes { raw in
                for (index, row) in rows.enumerated() {
                    policy.prepare(observation: UnsafeRawBufferPointer(rebasing: raw[(index * frameBytes)..<((index + 1) * frameBytes)]), into: row)
                }
            }
            let pointers = rows.map { UnsafeRawPointer($0) }
            return policy.act(preparedRows: pointers, states: nil, count: count, actions: actions, logProbabilities: logProbabilities)
        }
        XCTAssertEqual(prepared.0, contiguous.0)
        XCTAssertEqual(prepared.1, contiguous.1)
        XCTAssertEqual(prepared.2, 3)
    }

    func testCategoricalSamplesFollowTheSoftmax() {
        let head = CategoricalHead(count: 2)
        var generator = SeededGenerator(seed: 3, stream: 0xAC7)
        let logits: [Float] = [0, log(3)]  // probabilities 1/4, 3/4
        var counts = [0, 0]
        var action: Float = 0
        for _ in 0..<20_000 {
            let logProbability = head.sample(outputs: logits, parameters: logits, generator: &generator, into: &action)
            XCTAssertEqual(logProbability, action == 1 ? log(0.75) : log(0.25), accuracy: 1e-5)
            counts[Int(action)] += 1
        }
        XCTAssertEqual(Double(counts[1]) / 20_000, 0.75, accuracy: 0.015)
        _ = CategoricalHead(count: 3).mode(outputs: [0.1, 2, -1], parameters: logits, into: &action)
        XCTAssertEqual(action, 1)
    }

    /// A serving-only policy skips the log-probabilities, not the draw: the same actions.
    func testSkippingLogProbabilitiesDrawsTheSameActions() {
        let architecture = ModelArchitecture(observation: ObservationFormat(shape: [2], dtype: .float32), hiddenSizes: [4], numActions: 5)
        let store = ParameterStore(
            initial: ParameterSnapshot(values: ParameterInitializer.initialValues(for: architecture, seed: 3), version: 0),
            layout: architecture.layout)
        var observations = (0..<64).map { Float($0 % 7) - 3 }
        func actions(logProbabilities wanted: Bool) -> [Float] {
            let policy = ModelPolicy(architecture: architecture, store: store, maxBatch: 32, seed: 9)
            policy.computesLogProbabilities = wanted
            var actions = [Float](repeating: -1, count: 32), logProbabilities = [Float](repeating: 0, count: 32)
            var all: [Float] = []
            for _ in 0..<10 {
                _ = policy.act(observations: &observations, count: 32, actions: &actions, logProbabilities: &logProbabilities)
                all += actions
            }
            return all
        }
        XCTAssertEqual(actions(logProbabilities: false), actions(logProbabilities: true))
    }

    func testPolicyReadsTheNewestPublishedVersion() {
        let architecture = ModelArchitecture(
            observation: ObservationFormat(shape: [2], dtype: .float32), hiddenSizes: [4], numActions: 3)
        let store = ParameterStore(
            initial: ParameterSnapshot(values: ParameterInitializer.initialValues(for: architecture, seed: 1), version: 0),
            layout: architecture.layout)
        let policy = ModelPolicy(architecture: architecture, store: store, maxBatch: 4, seed: 1)
        var observations: [Float] = [0.5, -0.5]
        var actions = [Float](repeating: -1, count: 1)
        var logProbabilities = [Float](repeating: 0, count: 1)
        XCTAssertEqual(policy.act(observations: &observations, count: 1, actions: &actions, logProbabilities: &logProbabilities), 0)
        // Publish parameters that make action 2 certain: only the head's bias for logit 2 is large.
        var values = [Float](repeating: 0, count: architecture.layout.count)
        values[architecture.layout.layers[1].biasOffset + 2] = 50
        store.publish(values, version: 1)
        XCTAssertEqual(policy.act(observations: &observations, count: 1, actions: &actions, logProbabilities: &logProbabilities), 1)
        XCTAssertEqual(actions[0], 2)
        XCTAssertEqual(logProbabilities[0], 0, accuracy: 1e-6, "log softmax of [0, 0, 50] at 2")
    }

    func testInitialisationIsSeeded() {
        let architecture = ModelArchitecture(
            observation: ObservationFormat(shape: [4], dtype: .float32), hiddenSizes: [8], numActions: 2)
        XCTAssertEqual(ParameterInitializer.initialValues(for: architecture, seed: 5),
                       ParameterInitializer.initialValues(for: architecture, seed: 5))
        XCTAssertNotEqual(ParameterInitializer.initialValues(for: architecture, seed: 5),
                          ParameterInitializer.initialValues(for: architecture, seed: 6))
    }

    /// A Gaussian head's log σ starts at log `initialActionStd` in every dimension, and
    /// nothing else changes; a categorical head has no σ, so the option leaves it alone.
    func testTheInitialActionStdSetsOnlyTheGaussiansLogStd() {
        let box = ModelArchitecture(observation: ObservationFormat(shape: [3], dtype: .float32), hiddenSizes: [8],
                                    action: .box(low: [-1, -1], high: [1, 1]))
        let standard = ParameterInitializer.initialValues(for: box, seed: 5)
        let narrow = ParameterInitializer.initialValues(for: box, seed: 5, initialActionStd: 0.5)
        let head = box.layout.headParameterOffset..<(box.layout.headParameterOffset + 2)
        XCTAssertEqual(Array(standard[head]), [0, 0], "σ 1 by default")
        XCTAssertEqual(Array(narrow[head]), [logf(0.5), logf(0.5)])
        XCTAssertEqual(Array(narrow[..<head.lowerBound]) + Array(narrow[head.upperBound...]),
                       Array(standard[..<head.lowerBound]) + Array(standard[head.upperBound...]))
        let discrete = ModelArchitecture(observation: ObservationFormat(shape: [4], dtype: .float32), hiddenSizes: [8], numActions: 2)
        XCTAssertEqual(ParameterInitializer.initialValues(for: discrete, seed: 5, initialActionStd: 0.5),
                       ParameterInitializer.initialValues(for: discrete, seed: 5))
    }
}

final class FastTanhTests: XCTestCase {
    func testFastTanhMatchesLibm() {
        var worst: Float = 0
        var x: Float = -12
        while x <= 12 {
            var value = x
            withUnsafeMutablePointer(to: &value) { FastTanh.apply($0, count: 1) }
            worst = max(worst, abs(value - tanhf(x)))
            x += 0.001
        }
        XCTAssertLessThan(worst, 2e-6)
    }
}
