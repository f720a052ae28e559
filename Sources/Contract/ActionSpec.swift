/// What an environment takes as its action, as `GetSpec` reports it: a class index
/// (discrete), one float per dimension within per-dimension bounds (box), or one class
/// index per dimension (multi-discrete).
///
/// Everywhere between the wire and the model an action is a row of `width` floats: the
/// index as a float (exact below 2^24), each dimension's value, or each dimension's index.
/// One representation lets unrolls, the server and the heads handle every kind alike.
public enum ActionSpec: Sendable, Equatable, Hashable {
    case discrete(Int)
    /// Bounds per dimension; a dimension may be unbounded (±infinity).
    case box(low: [Float], high: [Float])
    case multiDiscrete([Int])

    /// Floats in one action row.
    public var width: Int {
        switch self {
        case .discrete: 1
        case .box(let low, _): low.count
        case .multiDiscrete(let counts): counts.count
        }
    }

    /// The number of classes of a discrete space (nil for the others).
    public var discreteCount: Int? {
        if case .discrete(let count) = self { return count }
        return nil
    }

    /// Why this spec cannot be served, or nil when it can: at least one action or
    /// dimension, every count at least 1, box bounds not NaN and low <= high.
    public var problem: String? {
        switch self {
        case .discrete(let count):
            return count >= 1 ? nil : "a discrete action space needs at least 1 action, not \(count)"
        case .box(let low, let high):
            guard !low.isEmpty else { return "a box action space needs at least 1 dimension" }
            guard low.count == high.count else { return "a box action space has \(low.count) low and \(high.count) high bounds" }
            for (index, (lower, upper)) in zip(low, high).enumerated() where lower.isNaN || upper.isNaN || lower > upper || lower == .infinity || upper == -.infinity {
                return "box dimension \(index) has bounds [\(lower), \(upper)]"
            }
            return nil
        case .multiDiscrete(let counts):
            guard !counts.isEmpty else { return "a multi-discrete action space needs at least 1 dimension" }
            if let index = counts.firstIndex(where: { $0 < 1 }) { return "multi-discrete dimension \(index) has \(counts[index]) actions" }
            return nil
        }
    }

    /// "discrete(6)", "box[2] in [-1, 1]", "multi-discrete[3, 2]": as messages name it.
    public var description: String {
        switch self {
        case .discrete(let count): return "discrete(\(count))"
        case .multiDiscrete(let counts): return "multi-discrete[\(counts.map(String.init).joined(separator: ", "))]"
        case .box(let low, let high):
            func text(_ value: Float) -> String {
                value == value.rounded() && abs(value) < 1e9 ? String(Int(value)) : "\(value)"
            }
            if Set(low).count == 1, Set(high).count == 1 {
                return "box[\(low.count)] in [\(text(low[0])), \(text(high[0]))]"
            }
            let bounds = zip(low, high).map { "[\(text($0)), \(text($1))]" }.joined(separator: ", ")
            return "box[\(low.count)] in \(bounds)"
        }
    }

    /// A box dimension's value as it is sent: clipped into [low, high], and finite whatever
    /// came in (a NaN goes out as the lower bound, else the upper, else 0) — the rule the
    /// proto's BoxSpace states, for the server and the evaluator alike.
    @inline(__always)
    public static func clip(_ value: Float, low: Float, high: Float) -> Float {
        let bounded = min(max(value, low), high)
        return bounded.isFinite ? bounded : (low.isFinite ? low : (high.isFinite ? high : 0))
    }

    /// Whether `row` (`width` floats, as the server sends it) is an action of this space:
    /// indices whole and in range, box values finite and within bounds.
    public func contains(_ row: UnsafeBufferPointer<Float>) -> Bool {
        guard row.count == width else { return false }
        switch self {
        case .discrete(let count):
            return row[0] >= 0 && row[0] < Float(count) && row[0] == row[0].rounded(.down)
        case .multiDiscrete(let counts):
            for (value, count) in zip(row, counts) where !(value >= 0 && value < Float(count) && value == value.rounded(.down)) {
                return false
            }
            return true
        case .box(let low, let high):
            for (index, value) in row.enumerated() where !(value.isFinite && value >= low[index] && value <= high[index]) {
                return false
            }
            return true
        }
    }
}
