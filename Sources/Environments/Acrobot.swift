import Contract
import Randomness
#if canImport(Glibc)
import Glibc
#endif

/// Acrobot-v1 as Gymnasium defines it (classic_control/acrobot.py, "book" dynamics): RK4
/// over one 0.2 s step, angles wrapped to [−π, π], velocities bounded, reward −1 per step
/// and 0 on reaching the height, truncation after 500 steps. Expressions keep Gymnasium's
/// order of operations so results agree to the last bit.
public final class Acrobot: DiscreteEnvironment {
    public static let maxEpisodeSteps = 500
    static let dt = 0.2
    static let m1 = 1.0, m2 = 1.0, l1 = 1.0, lc1 = 0.5, lc2 = 0.5, moment = 1.0, g = 9.8
    static let maxVelocity1 = 4 * Double.pi, maxVelocity2 = 9 * Double.pi
    static let torques: [Double] = [-1, 0, 1]

    public let spec = ObservationSpec(envName: "Acrobot", shape: [6], dtype: .float32, numActions: 3)
    private var generator: SeededGenerator
    /// θ1, θ2, θ̇1, θ̇2
    public private(set) var state: [Double] = [0, 0, 0, 0]
    private var elapsedSteps = 0

    public init(seed: UInt64) {
        generator = SeededGenerator(seed: seed, stream: 0xAC2B)
    }

    public func reset(observation: UnsafeMutableRawBufferPointer) {
        // Gymnasium draws in [−0.1, 0.1] and stores float32.
        reset(to: (0..<4).map { _ in Double(Float(-0.1 + 0.2 * generator.nextUnitDouble())) }, observation: observation)
    }

    public func reset(to state: [Double], observation: UnsafeMutableRawBufferPointer) {
        precondition(state.count == 4)
        self.state = state
        elapsedSteps = 0
        write(observation)
    }

    public func step(action: Int, observation: UnsafeMutableRawBufferPointer) -> StepOutcome {
        var next = Self.rk4(state + [Self.torques[action]])
        next[0] = Self.wrap(next[0])
        next[1] = Self.wrap(next[1])
        next[2] = min(max(next[2], -Self.maxVelocity1), Self.maxVelocity1)
        next[3] = min(max(next[3], -Self.maxVelocity2), Self.maxVelocity2)
        state = next
        elapsedSteps += 1
        write(observation)
        let terminated = -cos(state[0]) - cos(state[1] + state[0]) > 1.0
        if terminated { return StepOutcome(reward: 0, isLast: true, discount: 0) }
        return StepOutcome(reward: -1, isLast: elapsedSteps >= Self.maxEpisodeSteps, discount: 1)
    }

    static func wrap(_ value: Double) -> Double {
        var x = value
        let difference = Double.pi - -Double.pi
        while x > Double.pi { x -= difference }
        while x < -Double.pi { x += difference }
        return x
    }

    static func derivatives(_ s: [Double]) -> [Double] {
        let a = s[4], theta1 = s[0], theta2 = s[1], dtheta1 = s[2], dtheta2 = s[3]
        let d1 = m1 * (lc1 * lc1) + m2 * (l1 * l1 + lc2 * lc2 + 2 * l1 * lc2 * cos(theta2)) + moment + moment
        let d2 = m2 * (lc2 * lc2 + l1 * lc2 * cos(theta2)) + moment
        let phi2 = m2 * lc2 * g * cos(theta1 + theta2 - Double.pi / 2.0)
        let phi1 = -m2 * l1 * lc2 * (dtheta2 * dtheta2) * sin(theta2)
            - 2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * sin(theta2)
            + (m1 * lc1 + m2 * l1) * g * cos(theta1 - Double.pi / 2)
            + phi2
        let ddtheta2 = (a + d2 / d1 * phi1 - m2 * l1 * lc2 * (dtheta1 * dtheta1) * sin(theta2) - phi2)
            / (m2 * (lc2 * lc2) + moment - (d2 * d2) / d1)
        let ddtheta1 = -(d2 * ddtheta2 + phi1) / d1
        return [dtheta1, dtheta2, ddtheta1, ddtheta2, 0]
    }

    /// One classical Runge–Kutta step of length `dt` over the augmented state (torque last).
    static func rk4(_ y0: [Double]) -> [Double] {
        let dt2 = dt / 2.0
        func plus(_ y: [Double], _ h: Double, _ k: [Double]) -> [Double] { zip(y, k).map { $0 + h * $1 } }
        let k1 = derivatives(y0)
        let k2 = derivatives(plus(y0, dt2, k1))
        let k3 = derivatives(plus(y0, dt2, k2))
        let k4 = derivatives(plus(y0, dt, k3))
        return (0..<4).map { i in y0[i] + dt / 6.0 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]) }
    }

    private func write(_ observation: UnsafeMutableRawBufferPointer) {
        let floats = observation.bindMemory(to: Float.self)
        floats[0] = Float(cos(state[0]))
        floats[1] = Float(sin(state[0]))
        floats[2] = Float(cos(state[1]))
        floats[3] = Float(sin(state[1]))
        floats[4] = Float(state[2])
        floats[5] = Float(state[3])
    }
}
