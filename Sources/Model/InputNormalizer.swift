/// The model's first step when its inputs are normalised: each encoded input feature
/// becomes (x − mean) · inverseStd, clipped to ±`clip` (Stable-Baselines' VecNormalize
/// clips at 10 too). The statistics live in the parameter vector (`ParameterLayout
/// .normalizerOffset`), so a snapshot, a checkpoint and an ONNX export carry exactly the
/// statistics its weights were trained with; the learner writes them, no gradient does.
public enum InputNormalizer {
    public static let clip: Float = 10

    static func apply(parameters: UnsafePointer<Float>, layout: ParameterLayout, input: UnsafePointer<Float>, rows: Int,
                      into output: UnsafeMutablePointer<Float>) {
        let width = layout.normalizedInputs
        let mean = parameters + layout.normalizerOffset, inverseStd = mean + width
        for row in 0..<rows {
            let source = input + row * width, target = output + row * width
            for j in 0..<width {
                target[j] = min(max((source[j] - mean[j]) * inverseStd[j], -clip), clip)
            }
        }
    }

    /// The statistics of a model that has seen nothing: mean 0, inverse std 1 (identity).
    static func initialize(_ parameters: UnsafeMutablePointer<Float>, layout: ParameterLayout) {
        let width = layout.normalizedInputs
        (parameters + layout.normalizerOffset).update(repeating: 0, count: width)
        (parameters + layout.normalizerOffset + width).update(repeating: 1, count: width)
    }
}
