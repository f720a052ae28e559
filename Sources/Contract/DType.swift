/// Element type of an observation tensor, numbered as on the wire.
public enum DType: Int32, Sendable, CaseIterable, CustomStringConvertible {
    case unspecified = 0
    case float32 = 1
    case uint8 = 2

    /// Bytes per element; 0 for `.unspecified`.
    public var byteSize: Int {
        switch self {
        case .unspecified: 0
        case .float32: 4
        case .uint8: 1
        }
    }

    public var description: String {
        switch self {
        case .unspecified: "unspecified"
        case .float32: "float32"
        case .uint8: "uint8"
        }
    }
}
