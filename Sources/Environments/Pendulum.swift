import Contract
import Randomness
#if canImport(Glibc)
import Glibc
#endif

/// Pendulum-v1 as Gymnasium defines it (classic_control/pendulum.py): swing a pendulum up
/// and hold it upright with a torque in [−2, 2]. Observation [cos θ, sin θ, θ̇]; reward
/// −(θ² + 0.1·θ̇² + 0.001·u²) with θ normalised to [−π, π); the speed is clipped to ±8;
/// never terminates, truncated after 200 steps (LAST with discount 1). Episode returns
/// run from about −1,600 (spinning) to about −120 (swung up at once).
public final class Pendulum: Environment {
    public static let maxEpisodeSteps = 200
    static let maxSpeed = 8.0, maxTorque: Float = 2, dt = 0.05, gravity = 10.0, mass = 1.0, length = 1.0

    public let spec = ObservationSpec(envName: "Pendulum", shape: [3], dtype: .float32,
                                      action: .box(low: [-maxTorque], high: [maxTorque]))
    private var generator: SeededGenerator
    public private(set) var state: (angle: Double, speed: Double) = (0, 0)
    private var elapsedSteps = 0

    public init(seed: UInt64) {
        generator = SeededGenerator(seed: seed, stream: 0x9E4D)
    }

    /// θ uniform in [−π, π], θ̇ uniform in [−1, 1], as Gymnasium's reset draws them.
    public func reset(observation: UnsafeMutableRawBufferPointer) {
        let angle = Double.pi * (2 * generator.nextUnitDouble() - 1)
        reset(to: (angle, 2 * generator.nextUnitDouble() - 1), observation: observation)
    }

    public func reset(to state: (angle: Double, speed: Double), observation: UnsafeMutableRawBufferPointer) {
        self.state = state
        elapsedSteps = 0
        write(observation)
    }

    public func step(action: UnsafePointer<Float>, observation: UnsafeMutableRawBufferPointer) -> StepOutcome {
        let (angle, speed) = state
        // Gymnasium clips the float32 action and, by NumPy 2's promotion rules, multiplies it
        // by Python floats in float32: the cost's u² and the torque's 3u/(ml²) term.
        let torque = min(max(action[0], -Self.maxTorque), Self.maxTorque)
        let torqueCost = Double(0.001 * (torque * torque))
        let cost = Self.normalize(angle) * Self.normalize(angle) + 0.1 * speed * speed + torqueCost
        let torqueTerm = Double(Float(3 / (Self.mass * Self.length * Self.length)) * torque)
        var newSpeed = speed + (3 * Self.gravity / (2 * Self.length) * sin(angle) + torqueTerm) * Self.dt
        newSpeed = min(max(newSpeed, -Self.maxSpeed), Self.maxSpeed)
        state = (angle + newSpeed * Self.dt, newSpeed)
        elapsedSteps += 1
        write(observation)
        return StepOutcome(reward: Float(-cost), isLast: elapsedSteps >= Self.maxEpisodeSteps, discount: 1)
    }

    /// ((x + π) mod 2π) − π, with Python's sign rule for the modulo.
    static func normalize(_ angle: Double) -> Double {
        var wrapped = fmod(angle + Double.pi, 2 * Double.pi)
        if wrapped < 0 { wrapped += 2 * Double.pi }
        return wrapped - Double.pi
    }

    private func write(_ observation: UnsafeMutableRawBufferPointer) {
        let floats = observation.bindMemory(to: Float.self)
        floats[0] = Float(cos(state.angle))
        floats[1] = Float(sin(state.angle))
        floats[2] = Float(state.speed)
    }
}
