import Contract
import Wire

/// The policy's action rows as the contract sends them, converted once per batch into
/// buffers sized at start (nothing allocated per batch): class indices as int32, box
/// values clipped into their bounds (the policy's unclipped sample stays in the unroll;
/// see the proto's BoxSpace), multi-discrete indices as int32.
final class ReplyActions {
    private let action: ActionSpec
    private let width: Int
    private let indices: UnsafeMutablePointer<Int32>
    private let values: UnsafeMutablePointer<Float>
    /// The box's bounds (empty for the other spaces).
    private let low: [Float], high: [Float]

    init(action: ActionSpec, maxRows: Int) {
        self.action = action
        width = action.width
        indices = .allocate(capacity: maxRows * width)
        values = .allocate(capacity: maxRows * width)
        if case .box(let low, let high) = action {
            self.low = low
            self.high = high
        } else {
            low = []
            high = []
        }
    }

    deinit {
        indices.deallocate()
        values.deallocate()
    }

    /// Converts `rows` action rows (`rows × width` floats).
    func convert(_ actions: UnsafePointer<Float>, rows: Int) {
        switch action {
        case .discrete, .multiDiscrete:
            for index in 0..<(rows * width) { indices[index] = Int32(actions[index]) }
        case .box:
            for row in 0..<rows {
                for d in 0..<width {
                    values[row * width + d] = ActionSpec.clip(actions[row * width + d], low: low[d], high: high[d])
                }
            }
        }
    }

    /// The converted actions of rows `first..<first + count`, for one reply.
    func payload(first: Int, count: Int) -> ActionPayload {
        switch action {
        case .discrete: .discrete(UnsafeBufferPointer(start: indices + first, count: count))
        case .multiDiscrete: .multiDiscrete(UnsafeBufferPointer(start: indices + first * width, count: count * width))
        case .box: .continuous(UnsafeBufferPointer(start: values + first * width, count: count * width))
        }
    }
}
