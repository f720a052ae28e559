#if canImport(Glibc)
import Glibc
#endif
import Randomness

/// Seeded initial parameters: tanh layers with variance 1/fan-in (tanh keeps its range;
/// `mlp-separate`'s crossed weights 0),
/// a conv torso's ReLU layers with 2/fan-in (He: ReLU halves the variance), biases 0, the
/// policy's outputs scaled down so the first policy is near uniform (a Gaussian's means
/// near 0), the policy head's own parameters as it starts them (a Gaussian's σ 1, or
/// `initialActionStd`).
public enum ParameterInitializer {
    /// The σ a Gaussian head may start with: its log must lie in `GaussianHead.logStdRange`.
    public static let initialActionStdRange: ClosedRange<Float> = expf(GaussianHead.logStdRange.lowerBound)...expf(GaussianHead.logStdRange.upperBound)

    public static func initialValues(for architecture: ModelArchitecture, seed: UInt64, initialActionStd: Float? = nil) -> [Float] {
        let layout = architecture.layout
        var values = [Float](repeating: 0, count: layout.count)
        var generator = SeededGenerator(seed: seed, stream: 0x5EED)
        if let torso = layout.convTorso {
            func fill(_ offset: Int, count: Int, fanIn: Int) {
                let scale = (2 / Float(fanIn)).squareRoot()
                for index in 0..<count { values[offset + index] = generator.nextGaussian() * scale }
            }
            for operation in torso.operations {
                switch operation {
                case .conv(let conv, _): fill(conv.weightOffset, count: conv.patchSize * conv.outputChannels, fanIn: conv.patchSize)
                case .residual(let first, let second):
                    for conv in [first, second] { fill(conv.weightOffset, count: conv.patchSize * conv.outputChannels, fanIn: conv.patchSize) }
                case .dense(let dense): fill(dense.weightOffset, count: dense.inputs * dense.outputs, fanIn: dense.inputs)
                case .maxPool, .relu: break
                }
            }
        }
        for (index, layer) in layout.layers.enumerated() {
            let isHead = index == layout.layers.count - 1
            // Side by side, an MLP's unit reads only its own half of the layer below.
            let fanIn = index > 0 ? layer.inputs / architecture.towers : layer.inputs
            let scale = (1 / Float(fanIn)).squareRoot()
            for row in 0..<layer.inputs {
                for column in 0..<layer.outputs {
                    var weight = generator.nextGaussian() * scale
                    if isHead && column < architecture.head.outputCount { weight *= 0.01 }
                    values[layer.weightOffset + row * layer.outputs + column] = weight
                }
            }
        }
        if let lstm = layout.lstm {
            // Weights with variance 1/fan-in; biases 0 except the forget gate's, 1, so the
            // cell starts by keeping what it holds (Gers et al.).
            let gates = 4 * lstm.size
            for (offset, fanIn) in [(lstm.inputWeightOffset, lstm.inputs), (lstm.recurrentWeightOffset, lstm.size)] {
                let scale = (1 / Float(fanIn)).squareRoot()
                for index in 0..<(fanIn * gates) { values[offset + index] = generator.nextGaussian() * scale }
            }
            for j in 0..<lstm.size { values[lstm.biasOffset + lstm.size + j] = 1 }
        }
        values.withUnsafeMutableBufferPointer {
            architecture.head.initialParameters(into: $0.baseAddress! + layout.headParameterOffset)
            if let initialActionStd, architecture.head is GaussianHead {
                precondition(initialActionStdRange.contains(initialActionStd), "initial action σ \(initialActionStd) outside \(initialActionStdRange)")
                ($0.baseAddress! + layout.headParameterOffset).update(repeating: logf(initialActionStd), count: architecture.head.parameterCount)
            }
            InputNormalizer.initialize($0.baseAddress!, layout: layout)
            SeparateTowers.zeroCrossedWeights($0.baseAddress!, layout: layout, architecture: architecture)
        }
        return values
    }
}
