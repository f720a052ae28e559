import Randomness

/// Where a MinAtar game takes its randomness from: one method per kind of numpy
/// `RandomState` call that MinAtar makes, so that each draw in the Swift ports is one draw
/// in the Python source, in the same order. Production draws from a `SeededGenerator`
/// (`SeededMinAtarRandom`); tests replay the draws recorded from MinAtar itself.
///
/// A class, because the sticky-action draw and the game share one source, as MinAtar's
/// `Environment.seed()` makes them share one `RandomState`.
public protocol MinAtarRandom: AnyObject {
    /// `rand()`: uniform in [0, 1).
    func uniform() -> Double
    /// `randint(upperBound)`: uniform in 0..<upperBound.
    func integer(below upperBound: Int) -> Int
    /// `randint(low=range.lowerBound, high=range.upperBound)`: one integer uniform in `range`.
    func integer(in range: Range<Int>) -> Int
    /// `rand(count)`: `count` uniforms in [0, 1).
    func uniforms(count: Int) -> [Double]
    /// `randint(range.lowerBound, range.upperBound, count)`: `count` integers uniform in `range`.
    func integers(in range: Range<Int>, count: Int) -> [Int]
}

/// MinAtar's draws from the project's seeded generator: the same distributions as numpy's,
/// not numpy's numbers.
public final class SeededMinAtarRandom: MinAtarRandom {
    private var generator: SeededGenerator

    public init(seed: UInt64) {
        generator = SeededGenerator(seed: seed, stream: 0x3141_A7A2)
    }

    public func uniform() -> Double { generator.nextUnitDouble() }

    public func integer(below upperBound: Int) -> Int { Int.random(in: 0..<upperBound, using: &generator) }

    public func integer(in range: Range<Int>) -> Int { Int.random(in: range, using: &generator) }

    public func uniforms(count: Int) -> [Double] { (0..<count).map { _ in uniform() } }

    public func integers(in range: Range<Int>, count: Int) -> [Int] {
        (0..<count).map { _ in Int.random(in: range, using: &generator) }
    }
}
