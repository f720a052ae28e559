/// Turns raw observation bytes (as they came on the wire) into the MLP's float inputs.
/// float32 rows are used as they are; uint8 is scaled to [0, 1] and, for frames,
/// average-pooled (see `ModelArchitecture.poolFactor`).
public struct ObservationEncoder: Sendable {
    public let architecture: ModelArchitecture

    public init(architecture: ModelArchitecture) {
        self.architecture = architecture
    }

    /// True when the raw rows can be read as the input matrix without conversion.
    public var isIdentity: Bool { architecture.observation.elementType == .float32 }

    /// Encodes `count` consecutive raw observations into `output` (`count × inputSize`).
    public func encode(raw: UnsafeRawPointer, count: Int, into output: UnsafeMutablePointer<Float>) {
        let format = architecture.observation
        let rowBytes = format.byteCount
        let inputSize = architecture.inputSize
        switch format.elementType {
        case .float32:
            output.update(from: raw.assumingMemoryBound(to: Float.self), count: count * inputSize)
        case .uint8 where architecture.poolFactor == 1:
            let bytes = raw.assumingMemoryBound(to: UInt8.self)
            for index in 0..<(count * inputSize) { output[index] = Float(bytes[index]) * (1 / 255) }
        case .uint8:
            for row in 0..<count {
                pool(raw.assumingMemoryBound(to: UInt8.self) + row * rowBytes, into: output + row * inputSize)
            }
        }
    }

    /// Average-pools one H×W×C frame by `poolFactor` in both spatial dimensions.
    private func pool(_ frame: UnsafePointer<UInt8>, into output: UnsafeMutablePointer<Float>) {
        let shape = architecture.observation.shape
        let (height, width, channels) = (shape[0], shape[1], shape[2])
        let factor = architecture.poolFactor
        let (outHeight, outWidth) = (height / factor, width / factor)
        output.update(repeating: 0, count: outHeight * outWidth * channels)
        for y in 0..<height {
            let outRow = output + (y / factor) * outWidth * channels
            let inRow = frame + y * width * channels
            for x in 0..<width {
                let target = outRow + (x / factor) * channels
                let source = inRow + x * channels
                for c in 0..<channels { target[c] += Float(source[c]) }
            }
        }
        let scale = 1 / (255 * Float(factor * factor))
        for index in 0..<(outHeight * outWidth * channels) { output[index] *= scale }
    }
}
