import Contract
import Randomness
#if canImport(Glibc)
import Glibc
#endif

/// MountainCar-v0 as Gymnasium defines it (classic_control/mountain_car.py): position
/// and velocity clipped, reward −1 per step, termination at the goal (position ≥ 0.5),
/// truncation after 200 steps (LAST with discount 1). Three actions: push left, none, right.
public final class MountainCar: DiscreteEnvironment {
    public static let maxEpisodeSteps = 200
    static let minPosition = -1.2, maxPosition = 0.6, maxSpeed = 0.07, goalPosition = 0.5, goalVelocity = 0.0
    static let force = 0.001, gravity = 0.0025

    public let spec = ObservationSpec(envName: "MountainCar", shape: [2], dtype: .float32, numActions: 3)
    private var generator: SeededGenerator
    public private(set) var state: (position: Double, velocity: Double) = (0, 0)
    private var elapsedSteps = 0

    public init(seed: UInt64) {
        generator = SeededGenerator(seed: seed, stream: 0x3C42)
    }

    public func reset(observation: UnsafeMutableRawBufferPointer) {
        reset(to: (-0.6 + 0.2 * generator.nextUnitDouble(), 0), observation: observation)
    }

    public func reset(to state: (position: Double, velocity: Double), observation: UnsafeMutableRawBufferPointer) {
        self.state = state
        elapsedSteps = 0
        write(observation)
    }

    public func step(action: Int, observation: UnsafeMutableRawBufferPointer) -> StepOutcome {
        var (position, velocity) = state
        velocity += Double(action - 1) * Self.force + cos(3 * position) * -Self.gravity
        velocity = min(max(velocity, -Self.maxSpeed), Self.maxSpeed)
        position += velocity
        position = min(max(position, Self.minPosition), Self.maxPosition)
        if position == Self.minPosition && velocity < 0 { velocity = 0 }
        state = (position, velocity)
        elapsedSteps += 1
        write(observation)
        if position >= Self.goalPosition && velocity >= Self.goalVelocity {
            return StepOutcome(reward: -1, isLast: true, discount: 0)
        }
        return StepOutcome(reward: -1, isLast: elapsedSteps >= Self.maxEpisodeSteps, discount: 1)
    }

    private func write(_ observation: UnsafeMutableRawBufferPointer) {
        let floats = observation.bindMemory(to: Float.self)
        floats[0] = Float(state.position)
        floats[1] = Float(state.velocity)
    }
}
