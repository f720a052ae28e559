import Contract
import Randomness

/// bsuite's Catch: a ball falls one row per step down a 10×5 board from a random column;
/// the paddle on the bottom row moves left, stays or moves right. Reward +1 for a catch,
/// −1 for a miss, when the ball reaches the bottom (LAST, discount 0). The observation is
/// the board, 1 where the ball and the paddle are.
public final class Catch: DiscreteEnvironment {
    public static let rows = 10, columns = 5

    public let spec = ObservationSpec(envName: "Catch", shape: [rows, columns], dtype: .float32, numActions: 3)
    private var generator: SeededGenerator
    public private(set) var ball = (x: 0, y: 0)
    public private(set) var paddleX = columns / 2

    public init(seed: UInt64) {
        generator = SeededGenerator(seed: seed, stream: 0xCA7C)
    }

    public func reset(observation: UnsafeMutableRawBufferPointer) {
        ball = (Int(generator.next() % UInt64(Self.columns)), 0)
        paddleX = Self.columns / 2
        write(observation)
    }

    public func step(action: Int, observation: UnsafeMutableRawBufferPointer) -> StepOutcome {
        paddleX = min(max(paddleX + action - 1, 0), Self.columns - 1)
        ball.y += 1
        write(observation)
        guard ball.y == Self.rows - 1 else { return StepOutcome(reward: 0, isLast: false, discount: 1) }
        return StepOutcome(reward: paddleX == ball.x ? 1 : -1, isLast: true, discount: 0)
    }

    private func write(_ observation: UnsafeMutableRawBufferPointer) {
        let board = observation.bindMemory(to: Float.self)
        board.update(repeating: 0)
        board[ball.y * Self.columns + ball.x] = 1
        board[(Self.rows - 1) * Self.columns + paddleX] = 1
    }
}
