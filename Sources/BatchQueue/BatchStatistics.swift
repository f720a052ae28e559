/// How big the batches were: a histogram by size, counted since start.
public struct BatchStatistics: Sendable, Equatable {
    /// `countsBySize[n]` batches of `n` rows (index 0 unused; the last index also counts
    /// the rare batch of one message larger than `maxBatch`).
    public private(set) var countsBySize: [UInt64]
    public private(set) var batches: UInt64 = 0
    public private(set) var items: UInt64 = 0

    public init(maxBatch: Int) {
        countsBySize = Array(repeating: 0, count: maxBatch + 1)
    }

    mutating func record(batchSize: Int) {
        countsBySize[min(batchSize, countsBySize.count - 1)] += 1
        batches += 1
        items += UInt64(batchSize)
    }

    /// Mean rows per batch; 0 before the first batch.
    public var meanBatchSize: Double { batches == 0 ? 0 : Double(items) / Double(batches) }
}
