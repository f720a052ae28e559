import Contract

/// T+1 consecutive timesteps of one environment, as SEED and IMPALA train on them. Each
/// timestep holds what arrived with its Step (step type, the reward and discount for
/// the previous action, the observation) and what the behaviour policy answered (the
/// action row, its log-probability under that policy, the parameter version). The last
/// timestep of an unroll is the first of the next one.
///
/// Reading an unroll for training: the transition from timestep t to t+1 has reward
/// `rewards[t+1]` and discount `discounts[t+1]`, and is real only when timestep t is not
/// LAST and timestep t+1 is not FIRST: the action answering LAST is never trained on, and
/// an episode abandoned without LAST (dm_env allows a reset mid-episode: MID then FIRST)
/// ends there too, instead of bootstrapping from the next episode with a reward of 0.
public struct Unroll: Sendable {
    public let length: Int  // T: transitions; storage holds T+1 timesteps
    public let observationBytes: Int
    /// Floats per action row (`ActionSpec.width`).
    public let actionWidth: Int
    public var stepTypes: [StepType]
    public var rewards: [Float]
    public var discounts: [Float]
    public var observations: [UInt8]
    /// `timesteps × actionWidth`: what the policy chose (a Gaussian's unclipped sample).
    public var actions: [Float]
    /// log π_behaviour(action) per timestep, kept at inference for the importance ratios.
    public var behaviourLogProbabilities: [Float]
    public var versions: [UInt64]
    /// A recurrent policy's state before timestep 0 (empty for a feed-forward one): the
    /// learner replays the unroll from it.
    public var initialState: [Float]
    /// The lane's running discounted return at timestep 0 (`runningReturn`, from the
    /// episode's start, γ the builder's), so the learner can continue it through this
    /// unroll without knowing the lane: reward normalisation scales by its spread.
    public var initialReturn: Float = 0

    public init(length: Int, observationBytes: Int, actionWidth: Int = 1, stateSize: Int = 0) {
        precondition(length >= 1 && observationBytes >= 1 && actionWidth >= 1)
        self.length = length
        self.observationBytes = observationBytes
        self.actionWidth = actionWidth
        let steps = length + 1
        stepTypes = Array(repeating: .first, count: steps)
        rewards = Array(repeating: 0, count: steps)
        discounts = Array(repeating: 0, count: steps)
        observations = Array(repeating: 0, count: steps * observationBytes)
        actions = Array(repeating: 0, count: steps * actionWidth)
        behaviourLogProbabilities = Array(repeating: 0, count: steps)
        versions = Array(repeating: 0, count: steps)
        initialState = Array(repeating: 0, count: stateSize)
    }

    public var timesteps: Int { length + 1 }

    /// Timestep t's action row.
    @inline(__always)
    public func withAction<T>(_ t: Int, _ body: (UnsafePointer<Float>) -> T) -> T {
        actions.withUnsafeBufferPointer { body($0.baseAddress! + t * actionWidth) }
    }

    /// Bytes an unroll of this shape stores (its arrays' elements).
    public static func storageBytes(length: Int, observationBytes: Int, actionWidth: Int = 1, stateSize: Int = 0) -> Int {
        let steps = length + 1
        let perStep = 1 + 4 + 4 + observationBytes + actionWidth * 4 + 4 + 8
        return steps * perStep + stateSize * 4 + 4
    }

    /// Whether the transition t → t+1 is an environment transition to train on.
    @inline(__always)
    public func isTransition(_ t: Int) -> Bool { stepTypes[t] != .last && stepTypes[t + 1] != .first }

    /// The running discounted return after a timestep: `reward` (for the action before it)
    /// plus γ × the return before, restarting at each FIRST. (Gymnasium's `NormalizeReward`
    /// restarts at the terminal step itself, whose return is then its reward alone; here
    /// the terminal step's return is the whole episode's.)
    @inline(__always)
    public static func runningReturn(after previous: Float, stepType: StepType, reward: Float, discount: Float) -> Float {
        stepType == .first ? reward : discount * previous + reward
    }

    /// Calls `body` with the running return after each of timesteps 1...T that ends a
    /// transition, FIRST's excluded (timestep 0's is `initialReturn`, counted with the
    /// unroll before, whose last timestep it is).
    public func forEachRunningReturn(discount: Float, _ body: (Float) -> Void) {
        var value = initialReturn
        for t in 1..<timesteps {
            value = Self.runningReturn(after: value, stepType: stepTypes[t], reward: rewards[t], discount: discount)
            if stepTypes[t] != .first { body(value) }
        }
    }

    /// Timesteps that are LAST (episodes that ended inside this unroll, carry-over excluded).
    public var episodesEnded: Int { (1..<timesteps).count { stepTypes[$0] == .last } }
}
