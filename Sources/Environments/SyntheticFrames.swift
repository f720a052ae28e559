import Contract
import Randomness

/// Atari-sized observations for benchmarking the serving path: 84×84×4 uint8 frames
/// (a moving bright square on seeded noise, the last four frames stacked), 6 actions,
/// reward 1 when the action matches the square's quadrant, episodes of 200 steps
/// (truncated). Cheap to step, so the measurement is of the transport, not the game.
public final class SyntheticFrames: DiscreteEnvironment {
    public static let size = 84, stack = 4, episodeLength = 200

    public let spec = ObservationSpec(envName: "SyntheticFrames", shape: [size, size, stack], dtype: .uint8, numActions: 6)
    private var generator: SeededGenerator
    private var frames: [UInt8]
    private var position = (x: 0, y: 0)
    private var elapsedSteps = 0

    public init(seed: UInt64) {
        generator = SeededGenerator(seed: seed, stream: 0xF4A3)
        frames = Array(repeating: 0, count: Self.size * Self.size * Self.stack)
    }

    public func reset(observation: UnsafeMutableRawBufferPointer) {
        for index in frames.indices { frames[index] = UInt8(truncatingIfNeeded: generator.next() & 0x3F) }
        position = (Int(generator.next() % 74), Int(generator.next() % 74))
        elapsedSteps = 0
        render(observation)
    }

    public func step(action: Int, observation: UnsafeMutableRawBufferPointer) -> StepOutcome {
        let quadrant = (position.x >= 37 ? 1 : 0) + (position.y >= 37 ? 2 : 0)
        let reward: Float = action == quadrant ? 1 : 0
        position = ((position.x + 3) % 74, (position.y + 5) % 74)
        elapsedSteps += 1
        render(observation)
        return StepOutcome(reward: reward, isLast: elapsedSteps >= Self.episodeLength, discount: 1)
    }

    /// Shifts the stack by one frame and draws the square into the newest.
    private func render(_ observation: UnsafeMutableRawBufferPointer) {
        let size = Self.size, stack = Self.stack
        for pixel in 0..<(size * size) {
            let base = pixel * stack
            for channel in 0..<(stack - 1) { frames[base + channel] = frames[base + channel + 1] }
            let (x, y) = (pixel % size, pixel / size)
            let inside = x >= position.x && x < position.x + 10 && y >= position.y && y < position.y + 10
            frames[base + stack - 1] = inside ? 255 : UInt8(truncatingIfNeeded: (x &* 7 &+ y &* 13 &+ elapsedSteps) & 0x3F)
        }
        frames.withUnsafeBytes { observation.copyMemory(from: $0) }
    }
}
