/// An observation tensor's shape and element type: what a model reads.
public struct ObservationFormat: Sendable, Equatable, Hashable {
    public var shape: [Int]
    public var dtype: DType

    public init(shape: [Int], dtype: DType) {
        self.shape = shape
        self.dtype = dtype
    }

    public var elementCount: Int { shape.reduce(1, *) }
    public var byteCount: Int { elementCount * dtype.byteSize }

    /// "[84, 84, 4] uint8", as messages name it.
    public var description: String { "[\(shape.map(String.init).joined(separator: ", "))] \(dtype)" }
}

/// What an environment emits and a learner serves, as `GetSpec` reports it: the
/// observation tensor and the number of discrete actions.
public struct ObservationSpec: Sendable, Equatable {
    public var envName: String
    public var shape: [Int]
    public var dtype: DType
    public var numActions: Int

    public init(envName: String, shape: [Int], dtype: DType, numActions: Int) {
        self.envName = envName
        self.shape = shape
        self.dtype = dtype
        self.numActions = numActions
    }

    public var format: ObservationFormat { ObservationFormat(shape: shape, dtype: dtype) }
    public var elementCount: Int { format.elementCount }
    public var byteCount: Int { format.byteCount }

    /// "[84, 84, 4] uint8", as error messages name it.
    public var shapeDescription: String { format.description }

    /// Whether `other` emits the same tensors and actions (names aside).
    public func isCompatible(with other: ObservationSpec) -> Bool {
        shape == other.shape && dtype == other.dtype && numActions == other.numActions
    }
}
