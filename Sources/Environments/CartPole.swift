import Contract
import Randomness

/// CartPole-v1 as Gymnasium defines it (classic_control/cartpole.py): Euler integration
/// at τ = 0.02 s, termination beyond ±2.4 m or ±12°, reward 1 per step including the
/// terminating one, initial state uniform in ±0.05, truncation after 500 steps (LAST with
/// discount 1). State in Double like Gymnasium's Python floats, observations as float32.
public final class CartPole: DiscreteEnvironment {
    public static let maxEpisodeSteps = 500
    static let gravity = 9.8, massCart = 1.0, massPole = 0.1, length = 0.5, forceMagnitude = 10.0, tau = 0.02
    static let totalMass = massPole + massCart, poleMassLength = massPole * length
    static let thetaThreshold = 12 * 2 * Double.pi / 360, xThreshold = 2.4

    public let spec = ObservationSpec(envName: "CartPole", shape: [4], dtype: .float32, numActions: 2)
    private var generator: SeededGenerator
    /// x, ẋ, θ, θ̇
    public private(set) var state: (Double, Double, Double, Double) = (0, 0, 0, 0)
    private var elapsedSteps = 0

    public init(seed: UInt64) {
        generator = SeededGenerator(seed: seed, stream: 0xCA27)
    }

    public func reset(observation: UnsafeMutableRawBufferPointer) {
        func uniform() -> Double { generator.nextUnitDouble() * 0.1 - 0.05 }
        state = (uniform(), uniform(), uniform(), uniform())
        elapsedSteps = 0
        write(observation)
    }

    /// Sets the state directly (for checking the dynamics against reference trajectories).
    public func reset(to state: (Double, Double, Double, Double), observation: UnsafeMutableRawBufferPointer) {
        self.state = state
        elapsedSteps = 0
        write(observation)
    }

    public func step(action: Int, observation: UnsafeMutableRawBufferPointer) -> StepOutcome {
        var (x, xDot, theta, thetaDot) = state
        let force = action == 1 ? Self.forceMagnitude : -Self.forceMagnitude
        let cosTheta = cos(theta), sinTheta = sin(theta)
        // Parenthesised as Gymnasium's np.square(...) groups them: the same roundings.
        let temp = (force + Self.poleMassLength * (thetaDot * thetaDot) * sinTheta) / Self.totalMass
        let thetaAcc = (Self.gravity * sinTheta - cosTheta * temp)
            / (Self.length * (4.0 / 3.0 - Self.massPole * (cosTheta * cosTheta) / Self.totalMass))
        let xAcc = temp - Self.poleMassLength * thetaAcc * cosTheta / Self.totalMass
        x += Self.tau * xDot
        xDot += Self.tau * xAcc
        theta += Self.tau * thetaDot
        thetaDot += Self.tau * thetaAcc
        state = (x, xDot, theta, thetaDot)
        elapsedSteps += 1
        write(observation)
        let terminated = x < -Self.xThreshold || x > Self.xThreshold || theta < -Self.thetaThreshold || theta > Self.thetaThreshold
        if terminated { return StepOutcome(reward: 1, isLast: true, discount: 0) }
        if elapsedSteps >= Self.maxEpisodeSteps { return StepOutcome(reward: 1, isLast: true, discount: 1) }
        return StepOutcome(reward: 1, isLast: false, discount: 1)
    }

    private func write(_ observation: UnsafeMutableRawBufferPointer) {
        let floats = observation.bindMemory(to: Float.self)
        floats[0] = Float(state.0)
        floats[1] = Float(state.1)
        floats[2] = Float(state.2)
        floats[3] = Float(state.3)
    }
}

#if canImport(Glibc)
import Glibc
#endif
