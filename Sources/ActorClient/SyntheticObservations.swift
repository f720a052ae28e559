import Contract
import Randomness
import Wire

/// A pool of valid observations for a spec (finite floats, or random bytes), made once
/// so load generation spends nothing on them per step.
public struct SyntheticObservations: @unchecked Sendable {
    // @unchecked: the storage is written in init only, then read from any thread.
    private let storage: UnsafeMutableRawBufferPointer
    public let byteCount: Int
    public let poolSize: Int

    public init(byteCount: Int, dtype: DType, poolSize: Int = 64, seed: UInt64) {
        self.byteCount = byteCount
        self.poolSize = poolSize
        storage = .allocate(byteCount: max(byteCount * poolSize, 1), alignment: 16)
        var generator = SeededGenerator(seed: seed, stream: 0x0B5)
        switch dtype {
        case .float32:
            let floats = storage.bindMemory(to: Float.self)
            for index in 0..<(byteCount * poolSize / 4) { floats[index] = generator.nextGaussian() }
        default:
            for index in 0..<(byteCount * poolSize) { storage[index] = UInt8(truncatingIfNeeded: generator.next()) }
        }
    }

    /// Observation `index` (modulo the pool).
    public func observation(_ index: Int) -> UnsafeRawBufferPointer {
        let start = (index % poolSize) * byteCount
        return UnsafeRawBufferPointer(rebasing: storage[start..<(start + byteCount)])
    }

    /// Frees the pool; call once, when no stream uses it any more.
    public func deallocate() { storage.deallocate() }
}
