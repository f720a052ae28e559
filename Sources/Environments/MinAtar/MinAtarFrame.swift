/// A MinAtar observation being written: `state()`'s [10, 10, C] booleans as uint8 0/255 (a
/// binary image: the learner scales uint8 by 1/255, which gives back 0/1) in
/// its (row, column, channel) order.
struct MinAtarFrame {
    static let size = 10
    let cells: UnsafeMutableBufferPointer<UInt8>
    let channelCount: Int

    func set(row: Int, column: Int, channel: Int) {
        cells[(row * Self.size + column) * channelCount + channel] = 255
    }

    /// `state[:, :, channel] = board`.
    func set(_ board: MinAtarBoard, channel: Int) {
        for row in 0..<Self.size {
            for column in 0..<Self.size where board[row, column] {
                set(row: row, column: column, channel: channel)
            }
        }
    }
}
