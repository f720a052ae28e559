/// A binary sum tree over `capacity` non-negative priorities: update one in O(log n),
/// find the leaf where a running sum crosses a value in O(log n). The core of
/// prioritized replay.
public struct SumTree: Sendable {
    public let capacity: Int
    private var nodes: [Double]  // nodes[1] is the root; leaves start at `leafStart`
    private let leafStart: Int

    public init(capacity: Int) {
        precondition(capacity >= 1)
        self.capacity = capacity
        var leaves = 1
        while leaves < capacity { leaves *= 2 }
        leafStart = leaves
        nodes = Array(repeating: 0, count: 2 * leaves)
    }

    public var total: Double { nodes[1] }

    public func priority(_ index: Int) -> Double { nodes[leafStart + index] }

    public mutating func update(_ index: Int, priority: Double) {
        precondition(index >= 0 && index < capacity && priority >= 0 && priority.isFinite)
        var node = leafStart + index
        let change = priority - nodes[node]
        while node >= 1 {
            nodes[node] += change
            node /= 2
        }
    }

    /// The index whose cumulative range contains `value` (0 ≤ value < total).
    public func find(_ value: Double) -> Int {
        var node = 1
        var remaining = value
        while node < leafStart {
            let left = 2 * node
            if remaining < nodes[left] || nodes[left + 1] <= 0 {
                node = left
            } else {
                remaining -= nodes[left]
                node = left + 1
            }
        }
        return min(node - leafStart, capacity - 1)
    }
}
