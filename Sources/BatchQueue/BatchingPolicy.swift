/// When the dynamic batcher lets a batch go.
public struct BatchingPolicy: Sendable, Equatable {
    /// A batch never holds more than this many items.
    public let maxBatch: Int
    /// How long the oldest pending item may wait for company, in nanoseconds.
    public let maxDelayNanoseconds: UInt64

    public init(maxBatch: Int, maxDelayNanoseconds: UInt64) throws(BatchQueueError) {
        guard maxBatch >= 1 else {
            throw .invalidConfiguration("max batch must be at least 1, got \(maxBatch)")
        }
        guard maxDelayNanoseconds <= 10_000_000_000 else {
            throw .invalidConfiguration("max delay must be at most 10 s, got \(maxDelayNanoseconds / 1000) µs")
        }
        self.maxBatch = maxBatch
        self.maxDelayNanoseconds = maxDelayNanoseconds
    }
}

public enum BatchQueueError: Error, Equatable, CustomStringConvertible {
    case invalidConfiguration(String)
    /// The queue was closed; nothing more is accepted or handed out.
    case closed
    /// More items pending than the queue was built for.
    case full(capacity: Int)

    public var description: String {
        switch self {
        case .invalidConfiguration(let message): "invalid batching configuration: \(message)"
        case .closed: "batch queue is closed"
        case .full(let capacity): "batch queue is full (\(capacity) items pending)"
        }
    }
}
