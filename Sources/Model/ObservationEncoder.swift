import Contract
/// Turns raw observation bytes (as they came on the wire) into the MLP's float inputs.
/// float32 rows are used as they are; uint8 is scaled to [0, 1] and, for frames,
/// average-pooled (see `ModelArchitecture.poolFactor`).
public struct ObservationEncoder: Sendable {
    public let architecture: ModelArchitecture

    public init(architecture: ModelArchitecture) {
        self.architecture = architecture
    }

    /// Encodes `count` consecutive raw observations into `output` (`count × inputSize`).
    public func encode(raw: UnsafeRawPointer, count: Int, into output: UnsafeMutablePointer<Float>) {
        let rowBytes = architecture.observation.byteCount
        withScratch { scratch in
            for row in 0..<count { encode(row: raw + row * rowBytes, into: output + row * architecture.inputSize, scratch: scratch) }
        }
    }

    private func encode(row raw: UnsafeRawPointer, into output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<UInt16>) {
        let inputSize = architecture.inputSize
        switch architecture.observation.dtype {
        case .float32:
            output.update(from: raw.assumingMemoryBound(to: Float.self), count: inputSize)
        case .uint8 where architecture.poolFactor == 1:
            let bytes = raw.assumingMemoryBound(to: UInt8.self)
            for index in 0..<inputSize { output[index] = Float(bytes[index]) * (1 / 255) }
        case .uint8:
            pool(raw.assumingMemoryBound(to: UInt8.self), into: output, scratch: scratch)
        case .unspecified:
            preconditionFailure("an architecture's observations have a dtype")
        }
    }

    /// Integer scratch for pooling: W×C vertical row sums, then the pooled row's sums.
    private func withScratch(_ body: (UnsafeMutablePointer<UInt16>) -> Void) {
        let shape = architecture.observation.shape
        let count = architecture.poolFactor == 1 ? 1 : 2 * shape[1] * shape[2]
        withUnsafeTemporaryAllocation(of: UInt16.self, capacity: count) { body($0.baseAddress!) }
    }

    /// Average-pools one H×W×C frame by 4 in both spatial dimensions, all in 16-bit
    /// integers (a 4×4 block of bytes sums to at most 4,080): each band of four rows is
    /// summed vertically (contiguous, vectorised), the summed row is pooled
    /// horizontally, and the pooled row is scaled to floats in one contiguous pass.
    /// Wrapping arithmetic: the bound makes overflow impossible, and overflow checks
    /// would stop the compiler from vectorising.
    private func pool(_ frame: UnsafePointer<UInt8>, into output: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<UInt16>) {
        precondition(architecture.poolFactor == 4)
        let shape = architecture.observation.shape
        let (width, channels) = (shape[1], shape[2])
        let (outHeight, outWidth) = (shape[0] / 4, width / 4)
        let rowLength = width * channels
        let outRowLength = outWidth * channels
        let rowSums = scratch
        let pooled = scratch + rowLength
        let scale: Float = 1 / (255 * 16)
        for outY in 0..<outHeight {
            let r0 = frame + outY * 4 * rowLength
            let (r1, r2, r3) = (r0 + rowLength, r0 + 2 * rowLength, r0 + 3 * rowLength)
            for index in 0..<rowLength {
                rowSums[index] = (UInt16(truncatingIfNeeded: r0[index]) &+ UInt16(truncatingIfNeeded: r1[index]))
                    &+ (UInt16(truncatingIfNeeded: r2[index]) &+ UInt16(truncatingIfNeeded: r3[index]))
            }
            poolHorizontally(rowSums, into: pooled, outWidth: outWidth, channels: channels)
            let target = output + outY * outRowLength
            for index in 0..<outRowLength { target[index] = Float(pooled[index]) * scale }
        }
    }

    /// Sums each run of four pixels of a summed row, channel by channel.
    private func poolHorizontally(_ sums: UnsafeMutablePointer<UInt16>, into pooled: UnsafeMutablePointer<UInt16>, outWidth: Int, channels: Int) {
        if channels == 4 {
            // Four channels of 16 bits are one 64-bit word, and no lane can carry into the
            // next (see the bound above): add whole pixels as words.
            let source = UnsafeRawPointer(sums)
            let target = UnsafeMutableRawPointer(pooled)
            for outX in 0..<outWidth {
                let pixel = outX * 32
                let sum = (source.loadUnaligned(fromByteOffset: pixel, as: UInt64.self)
                    &+ source.loadUnaligned(fromByteOffset: pixel + 8, as: UInt64.self))
                    &+ (source.loadUnaligned(fromByteOffset: pixel + 16, as: UInt64.self)
                    &+ source.loadUnaligned(fromByteOffset: pixel + 24, as: UInt64.self))
                target.storeBytes(of: sum, toByteOffset: outX * 8, as: UInt64.self)
            }
            return
        }
        for outX in 0..<outWidth {
            let block = sums + outX * 4 * channels
            for channel in 0..<channels {
                pooled[outX * channels + channel] = (block[channel] &+ block[channels + channel])
                    &+ (block[2 * channels + channel] &+ block[3 * channels + channel])
            }
        }
    }
}
