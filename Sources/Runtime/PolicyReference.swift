import Contract
import LearnerLoop
import Model
import Randomness

/// What seedrl's own forward pass gives for seeded observations: the yardstick an
/// exported model is checked against (`seedrl export --reference`).
public struct PolicyReference: Sendable, Equatable, Codable {
    /// Observations, row after row: bytes for uint8, else floats.
    public var observations: [Float]
    public var observationShape: [Int]
    public var observationDType: String
    /// The policy head's logits, or a Gaussian's means (`GaussianHead.means`), `count ×
    /// head.outputCount`; then the values, `count`.
    public var logits: [Float]
    public var values: [Float]
    /// A Gaussian head's log σ as it acts (clamped), and the box it clips the mean into;
    /// nil for other heads.
    public var logStd: [Float]?
    public var actionLow: [Float]?
    public var actionHigh: [Float]?

    /// `count` observations: uniform bytes for uint8 frames, standard normal floats
    /// otherwise (wider than most environments' states, which is the point).
    public static func compute(checkpoint: Checkpoint, count: Int, seed: UInt64) -> PolicyReference {
        precondition(count >= 1)
        let architecture = checkpoint.architecture
        let format = architecture.observation
        var generator = SeededGenerator(seed: seed)
        let elements = count * format.elementCount
        let isBytes = format.dtype == .uint8
        let observations: [Float] = (0..<elements).map { _ in
            isBytes ? Float(generator.next() % 256) : generator.nextGaussian()
        }
        let raw: [UInt8] = isBytes ? observations.map { UInt8($0) } : observations.withUnsafeBytes { Array($0) }
        let input = UnsafeMutablePointer<Float>.allocate(capacity: count * architecture.inputSize)
        defer { input.deallocate() }
        raw.withUnsafeBytes { ObservationEncoder(architecture: architecture).encode(raw: $0.baseAddress!, count: count, into: input) }
        let workspace = ForwardWorkspace(architecture: architecture, maxBatch: count)
        checkpoint.parameters.withUnsafeBufferPointer {
            ModelForward.run(parameters: $0.baseAddress!, input: input, count: count, workspace: workspace)
        }
        var logits: [Float] = []
        var values: [Float] = []
        for row in 0..<count {
            let head = workspace.headRow(row)
            if let gaussian = architecture.head as? GaussianHead {
                var means = [Float](repeating: 0, count: gaussian.dimensions)
                gaussian.means(outputs: head, into: &means)
                logits += means
            } else {
                logits += UnsafeBufferPointer(start: head, count: architecture.head.outputCount)
            }
            values.append(head[architecture.valueIndex])
        }
        var reference = PolicyReference(observations: observations, observationShape: format.shape,
                                        observationDType: isBytes ? "uint8" : "float32", logits: logits, values: values)
        if case .box(let low, let high) = architecture.action {
            let offset = architecture.layout.headParameterOffset
            reference.logStd = checkpoint.parameters[offset..<(offset + low.count)].map(GaussianHead.clampedLogStd)
            reference.actionLow = low
            reference.actionHigh = high
        }
        return reference
    }
}
