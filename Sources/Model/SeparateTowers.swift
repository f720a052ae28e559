/// `mlp-separate` stores its two MLPs as one MLP twice as wide: the first half of every
/// hidden layer is the policy's, the second half the value's. The weights that would cross
/// between them — hidden to hidden, the head's policy outputs from the value's half, its
/// value from the policy's half — are held at 0: zeroed at initialisation and in every
/// gradient, so no optimizer (Adam, RMSProp: a zero gradient is a zero step) moves them.
/// Inference, checkpoints and the ONNX export then need nothing of their own.
public enum SeparateTowers {
    /// Zeroes the crossed weights of `values`: parameters or a gradient in `layout`
    /// (`architecture.layout`, passed in so that the per-update call builds nothing).
    public static func zeroCrossedWeights(_ values: UnsafeMutablePointer<Float>, layout: ParameterLayout,
                                          architecture: ModelArchitecture) {
        guard architecture.towers == 2 else { return }
        let layers = layout.layers
        // Layer 0 reads the observation, which both MLPs share.
        for layer in layers.dropFirst().dropLast() {
            let (inputHalf, outputHalf) = (layer.inputs / 2, layer.outputs / 2)
            for row in 0..<layer.inputs {
                let crossed = row < inputHalf ? outputHalf..<layer.outputs : 0..<outputHalf
                (values + layer.weightOffset + row * layer.outputs + crossed.lowerBound).update(repeating: 0, count: crossed.count)
            }
        }
        let head = layers[layers.count - 1]
        let value = architecture.valueIndex
        for row in 0..<head.inputs {
            let weights = values + head.weightOffset + row * head.outputs
            if row < head.inputs / 2 {
                weights[value] = 0
            } else {
                weights.update(repeating: 0, count: value)
            }
        }
    }
}
