import Synchronization
import Threading

/// One complete, immutable version of the model's parameters. Inference reads a
/// snapshot for a whole batch, so it never sees a half-written update.
public final class ParameterSnapshot: Sendable {
    public let values: [Float]
    /// Number of learner updates that produced it (0: initialisation).
    public let version: UInt64

    public init(values: [Float], version: UInt64) {
        self.values = values
        self.version = version
    }
}

/// The parameters, held once in the learner process, versioned. Thread-safe: the
/// learner publishes, inference takes the newest complete snapshot; the lock guards
/// only a reference swap.
public final class ParameterStore: Sendable {
    private let current: Locked<ParameterSnapshot>
    public let layout: ParameterLayout

    public init(initial: ParameterSnapshot, layout: ParameterLayout) {
        precondition(initial.values.count == layout.count, "parameters do not match the layout")
        current = Locked(initial)
        self.layout = layout
    }

    /// The newest published snapshot.
    public var snapshot: ParameterSnapshot { current.withLock { $0 } }

    public var version: UInt64 { snapshot.version }

    /// Makes `values` the newest version; versions only go up.
    public func publish(_ values: [Float], version: UInt64) {
        precondition(values.count == layout.count, "parameters do not match the layout")
        let snapshot = ParameterSnapshot(values: values, version: version)
        current.withLock { current in
            precondition(version > current.version, "version \(version) does not follow \(current.version)")
            current = snapshot
        }
    }

    /// Replaces the current snapshot outright, version included (a data-parallel rank
    /// taking rank 0's starting state before it serves or trains).
    public func reset(to values: [Float], version: UInt64) {
        precondition(values.count == layout.count, "parameters do not match the layout")
        let snapshot = ParameterSnapshot(values: values, version: version)
        current.withLock { $0 = snapshot }
    }
}
