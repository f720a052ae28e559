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

/// What an environment emits and takes, and a learner serves, as `GetSpec` reports it:
/// the observation tensor and the action space.
public struct ObservationSpec: Sendable, Equatable {
    public var envName: String
    public var shape: [Int]
    public var dtype: DType
    public var action: ActionSpec

    public init(envName: String, shape: [Int], dtype: DType, action: ActionSpec) {
        self.envName = envName
        self.shape = shape
        self.dtype = dtype
        self.action = action
    }

    /// A spec with `numActions` discrete actions.
    public init(envName: String, shape: [Int], dtype: DType, numActions: Int) {
        self.init(envName: envName, shape: shape, dtype: dtype, action: .discrete(numActions))
    }

    public var format: ObservationFormat { ObservationFormat(shape: shape, dtype: dtype) }
    public var elementCount: Int { format.elementCount }
    public var byteCount: Int { format.byteCount }

    /// "[84, 84, 4] uint8", as error messages name it.
    public var shapeDescription: String { format.description }

    /// Whether `other` emits the same tensors and takes the same actions (names aside).
    public func isCompatible(with other: ObservationSpec) -> Bool {
        shape == other.shape && dtype == other.dtype && action == other.action
    }

    /// "[3] float32, actions box[1] in [-2, 2]": both halves, as mismatch messages name them.
    public var fullDescription: String { "\(shapeDescription), actions \(action.description)" }
}
