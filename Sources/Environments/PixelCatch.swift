import Contract

/// Catch (bsuite's, as `Catch`) seen as a 32×32 grayscale frame: the ball and the paddle
/// are single pixels, the board's 5 columns 2 pixels apart and its 10 rows 3 apart. Small
/// things close together: a convolution sees every column, while 4×4 average pooling (what
/// the MLP torso does to frames this size) merges neighbouring columns, so the MLP cannot
/// tell where to go. The deterministic learning test uses it to show the conv torso
/// learns what the pooled MLP cannot.
public final class PixelCatch: DiscreteEnvironment {
    public static let size = 32
    public let spec = ObservationSpec(envName: "PixelCatch", shape: [size, size, 1], dtype: .uint8, numActions: 3)
    private let game: Catch

    public init(seed: UInt64) {
        game = Catch(seed: seed)
    }

    public func reset(observation: UnsafeMutableRawBufferPointer) {
        withBoard { game.reset(observation: $0) }
        draw(observation)
    }

    public func step(action: Int, observation: UnsafeMutableRawBufferPointer) -> StepOutcome {
        let outcome = withBoard { game.step(action: action, observation: $0) }
        draw(observation)
        return outcome
    }

    /// Runs `body` with a scratch board for the game's own observation (unused here).
    private func withBoard<T>(_ body: (UnsafeMutableRawBufferPointer) -> T) -> T {
        withUnsafeTemporaryAllocation(byteCount: Catch.rows * Catch.columns * 4, alignment: 16) { body($0) }
    }

    private func draw(_ observation: UnsafeMutableRawBufferPointer) {
        observation.initializeMemory(as: UInt8.self, repeating: 0)
        func pixel(row: Int, column: Int) -> Int { (3 * row + 1) * Self.size + 2 * column + 1 }
        observation[pixel(row: game.ball.y, column: game.ball.x)] = 255
        observation[pixel(row: Catch.rows - 1, column: game.paddleX)] = 255
    }
}
