/// The patch-matrix buffer of a conv torso's convolutions, sized once for the largest block
/// of rows any layer uses (a backend's working memory for `convolve`).
public final class ConvolutionScratch {
    let columns: UnsafeMutablePointer<Float>
    let capacity: Int

    /// A block of rows' patch matrix is kept under about 4 M floats (16 MB: within reach
    /// of the caches, and bounded whatever the batch).
    static let targetFloats = 4 << 20

    /// - Parameter extra: convolutions beyond the plan's that will use it (tests).
    init(plan: ConvTorsoPlan, extra: [Conv2D] = []) {
        var largest = 1
        for conv in extra { largest = max(largest, conv.positions * conv.patchSize) }
        for operation in plan.operations {
            switch operation {
            case .conv(let conv, _): largest = max(largest, conv.positions * conv.patchSize)
            case .residual(let first, let second):
                largest = max(largest, first.positions * first.patchSize, second.positions * second.patchSize)
            default: break
            }
        }
        capacity = max(largest, min(Self.targetFloats, largest * 64))
        columns = .allocate(capacity: capacity)
    }

    /// A scratch as large as `other` (a second thread's, for the same convolutions).
    init(matching other: ConvolutionScratch) {
        capacity = other.capacity
        columns = .allocate(capacity: capacity)
    }

    deinit { columns.deallocate() }

    func rowsPerChunk(_ conv: Conv2D) -> Int { max(1, capacity / (conv.positions * conv.patchSize)) }
}
