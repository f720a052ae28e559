/// dm_env step types, numbered as on the wire: FIRST starts an episode (its reward and
/// discount mean nothing), MID continues it, LAST ends it.
public enum StepType: UInt8, Sendable, CustomStringConvertible {
    case first = 1
    case mid = 2
    case last = 3

    /// The type a wire value names, nil for 0 (unspecified) and unknown values.
    public init?(wire value: Int32) {
        guard let byte = UInt8(exactly: value), let type = StepType(rawValue: byte) else { return nil }
        self = type
    }

    public var description: String {
        switch self {
        case .first: "FIRST"
        case .mid: "MID"
        case .last: "LAST"
        }
    }
}
