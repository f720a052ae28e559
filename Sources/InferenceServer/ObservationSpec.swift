import Wire

/// What the served model expects, as `GetSpec` reports it.
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

    public var elementCount: Int { shape.reduce(1, *) }
    public var byteCount: Int { elementCount * dtype.byteSize }

    /// "[84, 84, 4] uint8", as error messages name it.
    public var shapeDescription: String { "[\(shape.map(String.init).joined(separator: ", "))] \(dtype)" }

    /// Largest Step message a valid actor can send: the observation plus the few bytes
    /// of the other fields and their tags (generous, so future added fields fit).
    public var maxStepMessageBytes: Int { byteCount + 256 }
}
