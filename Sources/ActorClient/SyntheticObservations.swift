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

    /// Whole observations stored: the pool, then as many again as the widest batch reads
    /// past its end (so `observations(_:count:)` is one contiguous slice).
    private let stored: Int

    public init(byteCount: Int, dtype: DType, poolSize: Int = 64, maxBatch: Int = 1, seed: UInt64) {
        self.byteCount = byteCount
        self.poolSize = poolSize
        stored = poolSize + max(maxBatch, 1) - 1
        storage = .allocate(byteCount: max(byteCount * stored, 1), alignment: 16)
        var generator = SeededGenerator(seed: seed, stream: 0x0B5)
        switch dtype {
        case .float32:
            let floats = storage.bindMemory(to: Float.self)
            for index in 0..<(byteCount * stored / 4) { floats[index] = generator.nextGaussian() }
        default:
            for index in 0..<(byteCount * stored) { storage[index] = UInt8(truncatingIfNeeded: generator.next()) }
        }
    }

    /// `count` observations back to back, from observation `index` (modulo the pool).
    public func observations(_ index: Int, count: Int) -> UnsafeRawBufferPointer {
        let start = (index % poolSize) * byteCount
        return UnsafeRawBufferPointer(rebasing: storage[start..<(start + count * byteCount)])
    }

    /// Observation `index` (modulo the pool).
    public func observation(_ index: Int) -> UnsafeRawBufferPointer {
        let start = (index % poolSize) * byteCount
        return UnsafeRawBufferPointer(rebasing: storage[start..<(start + byteCount)])
    }

    /// Frees the pool; call once, when no stream uses it any more.
    public func deallocate() { storage.deallocate() }
}
