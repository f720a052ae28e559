/// A 10×10 plane of booleans, for the numpy 0/1 maps MinAtar keeps (bricks, aliens,
/// bullets), with the numpy operations the games use on them.
struct MinAtarBoard: Equatable {
    static let size = 10
    private var cells = [Bool](repeating: false, count: size * size)

    subscript(row: Int, column: Int) -> Bool {
        get { cells[row * Self.size + column] }
        set { cells[row * Self.size + column] = newValue }
    }

    /// `np.count_nonzero(map)`.
    var count: Int { cells.reduce(0) { $0 + ($1 ? 1 : 0) } }
    var isEmpty: Bool { !cells.contains(true) }

    func any(inRow row: Int) -> Bool { (0..<Self.size).contains { self[row, $0] } }
    func any(inColumn column: Int) -> Bool { (0..<Self.size).contains { self[$0, column] } }

    /// `map[rows, columns] = value`.
    mutating func fill(rows: Range<Int>, columns: Range<Int>, with value: Bool = true) {
        for row in rows {
            for column in columns { self[row, column] = value }
        }
    }

    /// `np.roll(map, shift, axis=0)`: rows move down by `shift` (up when negative), wrapping.
    mutating func rollRows(by shift: Int) {
        cells.withUnsafeMutableBufferPointer { Self.rotate($0, 0..<$0.count, right: shift * Self.size) }
    }

    /// `np.roll(map, shift, axis=1)`: columns move right by `shift` (left when negative), wrapping.
    mutating func rollColumns(by shift: Int) {
        cells.withUnsafeMutableBufferPointer { cells in
            for row in 0..<Self.size { Self.rotate(cells, row * Self.size..<(row + 1) * Self.size, right: shift) }
        }
    }

    /// Rotates `range` right by `shift` in place, by three reversals (no allocation per step).
    private static func rotate(_ cells: UnsafeMutableBufferPointer<Bool>, _ range: Range<Int>, right shift: Int) {
        let k = (shift % range.count + range.count) % range.count
        func reverse(_ part: Range<Int>) {
            var (i, j) = (part.lowerBound, part.upperBound - 1)
            while i < j {
                cells.swapAt(i, j)
                i += 1
                j -= 1
            }
        }
        reverse(range)
        reverse(range.lowerBound..<range.lowerBound + k)
        reverse(range.lowerBound + k..<range.upperBound)
    }
}
