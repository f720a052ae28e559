import Contract

/// Assembles one stream's timesteps into unrolls of T+1, carrying the last timestep of
/// each over as the first of the next. Owned by the stream; used by one thread at a
/// time. When the stream ends, the builder and its partial unroll go with it.
public struct UnrollBuilder: Sendable {
    public let length: Int
    private var current: Unroll
    public private(set) var count = 0
    private var staged = false
    /// The recurrent state before the timestep staged last (the next unroll starts from it
    /// when that timestep is carried over).
    private var stagedState: [Float]
    /// γ of the running return each unroll carries (`Unroll.initialReturn`).
    public let returnDiscount: Float
    /// The running return after the timestep committed last.
    private var runningReturn: Float = 0

    /// - Parameter returnDiscount: γ of the running return the unrolls carry for reward
    ///   normalisation (the learner's discount; 1: undiscounted).
    public init(length: Int, observationBytes: Int, actionWidth: Int = 1, stateSize: Int = 0, returnDiscount: Float = 1) {
        self.length = length
        self.returnDiscount = returnDiscount
        current = Unroll(length: length, observationBytes: observationBytes, actionWidth: actionWidth, stateSize: stateSize)
        stagedState = Array(repeating: 0, count: stateSize)
    }

    /// Records one timestep; returns a complete unroll when this timestep completed one.
    public mutating func append(
        stepType: StepType, reward: Float, discount: Float, observation: UnsafeRawBufferPointer,
        action: UnsafePointer<Float>, logProbability: Float, version: UInt64
    ) -> Unroll? {
        stage(stepType: stepType, reward: reward, discount: discount, observation: observation)
        return commit(action: action, logProbability: logProbability, version: version)
    }

    /// Records what arrived with a timestep's Step (the server does this as the Step is
    /// received, while its bytes are at hand); `commit` completes the timestep once the
    /// behaviour policy has answered. Staging again before a commit replaces the staged step.
    public mutating func stage(stepType: StepType, reward: Float, discount: Float, observation: UnsafeRawBufferPointer,
                               state: UnsafePointer<Float>? = nil) {
        let t = count
        if let state, !stagedState.isEmpty {
            stagedState.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: state, count: $0.count) }
            if t == 0 { current.initialState = stagedState }
        }
        let bytes = current.observationBytes
        precondition(observation.count == bytes, "observation of \(observation.count) bytes, expected \(bytes)")
        current.stepTypes[t] = stepType
        current.rewards[t] = reward
        current.discounts[t] = discount
        current.observations.withUnsafeMutableBytes { target in
            (target.baseAddress! + t * bytes).copyMemory(from: observation.baseAddress!, byteCount: bytes)
        }
        staged = true
    }

    /// Completes the staged timestep with the policy's answer (the action row and its
    /// log-probability); returns a complete unroll when this timestep completed one.
    public mutating func commit(action: UnsafePointer<Float>, logProbability: Float, version: UInt64) -> Unroll? {
        precondition(staged, "commit without a staged timestep")
        staged = false
        let t = count
        let width = current.actionWidth
        current.actions.withUnsafeMutableBufferPointer { target in
            (target.baseAddress! + t * width).update(from: action, count: width)
        }
        current.behaviourLogProbabilities[t] = logProbability
        current.versions[t] = version
        runningReturn = Unroll.runningReturn(after: runningReturn, stepType: current.stepTypes[t], reward: current.rewards[t],
                                             discount: returnDiscount)
        if t == 0 { current.initialReturn = runningReturn }
        count += 1
        guard count == length + 1 else { return nil }
        let complete = current
        carryOver(from: complete)
        return complete
    }

    /// Starts the next unroll with this one's last timestep (fresh storage: the complete
    /// unroll keeps the old, so nothing is copied on write).
    private mutating func carryOver(from complete: Unroll) {
        let last = length, bytes = complete.observationBytes, width = complete.actionWidth
        current = Unroll(length: length, observationBytes: bytes, actionWidth: width, stateSize: stagedState.count)
        current.initialState = stagedState
        current.initialReturn = runningReturn
        current.stepTypes[0] = complete.stepTypes[last]
        current.rewards[0] = complete.rewards[last]
        current.discounts[0] = complete.discounts[last]
        current.behaviourLogProbabilities[0] = complete.behaviourLogProbabilities[last]
        current.versions[0] = complete.versions[last]
        current.observations.withUnsafeMutableBytes { target in
            complete.observations.withUnsafeBytes { source in
                target.baseAddress!.copyMemory(from: source.baseAddress! + last * bytes, byteCount: bytes)
            }
        }
        current.actions.withUnsafeMutableBufferPointer { target in
            complete.actions.withUnsafeBufferPointer { source in
                target.baseAddress!.update(from: source.baseAddress! + last * width, count: width)
            }
        }
        count = 1
    }
}
