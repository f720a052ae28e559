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
            let rowSums = UnsafeMutablePointer<UInt16>.allocate(capacity: format.shape[1] * format.shape[2])
            defer { rowSums.deallocate() }
            for row in 0..<count {
                pool(raw.assumingMemoryBound(to: UInt8.self) + row * rowBytes, into: output + row * inputSize, rowSums: rowSums)
            }
        }
    }

    /// Average-pools one H×W×C frame by `poolFactor` in both spatial dimensions: first
    /// the frame's rows are summed vertically in integers (contiguous, vectorised),
    /// then each summed row is pooled horizontally. `rowSums` holds W×C counters.
    private func pool(_ frame: UnsafePointer<UInt8>, into output: UnsafeMutablePointer<Float>, rowSums: UnsafeMutablePointer<UInt16>) {
        let shape = architecture.observation.shape
        let (width, channels) = (shape[1], shape[2])
        let factor = architecture.poolFactor
        let (outHeight, outWidth) = (shape[0] / factor, width / factor)
        let rowLength = width * channels
        let scale = 1 / (255 * Float(factor * factor))
        for outY in 0..<outHeight {
            let first = frame + outY * factor * rowLength
            for index in 0..<rowLength { rowSums[index] = UInt16(first[index]) }
            for dy in 1..<factor {
                let row = first + dy * rowLength
                for index in 0..<rowLength { rowSums[index] &+= UInt16(row[index]) }
            }
            let target = output + outY * outWidth * channels
            for outX in 0..<outWidth {
                let block = rowSums + outX * factor * channels
                for channel in 0..<channels {
                    var sum: UInt32 = 0
                    for dx in 0..<factor { sum &+= UInt32(block[dx * channels + channel]) }
                    target[outX * channels + channel] = Float(sum) * scale
                }
            }
        }
    }
}
