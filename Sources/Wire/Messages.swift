/// Swift values of the wire contract's messages (`Protos/seedrl/v1/learner.proto`).
/// Decoding and encoding live in `Codec`; nothing here sees C.
import Contract

public struct SpecMessage: Sendable, Equatable {
    public var env: String
    public var observationShape: [Int64]
    public var observationDType: DType
    /// Discrete spaces' action count (0 for the others), as servers before action spaces sent it.
    public var numActions: Int32
    public var modelVersion: UInt64
    /// Most lanes one ActBatch stream may carry (0: ActBatch not served).
    public var maxLanes: UInt32
    /// The `action_space` field; nil when absent (a server before action spaces).
    public var actionSpace: ActionSpec?

    public init(env: String, observationShape: [Int64], observationDType: DType, numActions: Int32, modelVersion: UInt64,
                maxLanes: UInt32 = 0, actionSpace: ActionSpec? = nil) {
        self.env = env
        self.observationShape = observationShape
        self.observationDType = observationDType
        self.numActions = numActions
        self.modelVersion = modelVersion
        self.maxLanes = maxLanes
        self.actionSpace = actionSpace
    }

    /// A server's Spec for `action`: `num_actions` filled for a discrete space, as before.
    public init(env: String, observationShape: [Int64], observationDType: DType, action: ActionSpec, modelVersion: UInt64,
                maxLanes: UInt32 = 0) {
        self.init(env: env, observationShape: observationShape, observationDType: observationDType,
                  numActions: Int32(action.discreteCount ?? 0), modelVersion: modelVersion, maxLanes: maxLanes, actionSpace: action)
    }

    /// The action space the server serves: `action_space`, or discrete `num_actions` when absent.
    public var action: ActionSpec { actionSpace ?? .discrete(Int(numActions)) }
}

public struct StatsMessage: Sendable, Equatable {
    public var stepsServed: UInt64 = 0
    public var activeStreams: UInt32 = 0
    public var modelVersion: UInt64 = 0
    public var episodesCompleted: UInt64 = 0
    public var meanEpisodeReturn: Double = 0
    public var framesTrained: UInt64 = 0
    public var meanBatchSize: Double = 0
    /// MID and LAST Steps received: the environment steps actors took (FIRST is a reset).
    public var envSteps: UInt64 = 0
    /// Learner updates skipped because their gradient was not finite.
    public var skippedUpdates: UInt64 = 0
    /// RPCs refused for a missing or wrong bearer token.
    public var authFailures: UInt64 = 0
    public init() {}
}

public struct ActionMessage: Sendable, Equatable {
    public var action: Int32
    public var modelVersion: UInt64
    /// A box action's values (empty for other spaces).
    public var continuous: [Float]
    /// A multi-discrete action's indices (empty for other spaces).
    public var discrete: [Int32]
    public init(action: Int32, modelVersion: UInt64, continuous: [Float] = [], discrete: [Int32] = []) {
        self.action = action
        self.modelVersion = modelVersion
        self.continuous = continuous
        self.discrete = discrete
    }
}

/// A decoded Action, valid only during the delegate call that hands it over: a box or
/// multi-discrete action's values are read where protobuf-c left them (in the stream's
/// arena), so an actor's step takes no allocation. `owned` copies it out.
public struct ActionView {
    public var action: Int32
    public var modelVersion: UInt64
    /// A box action's values (empty for other spaces).
    public var continuous: UnsafeBufferPointer<Float>
    /// A multi-discrete action's indices (empty for other spaces).
    public var discrete: UnsafeBufferPointer<Int32>

    /// A copy that outlives the delegate call.
    public var owned: ActionMessage {
        ActionMessage(action: action, modelVersion: modelVersion, continuous: Array(continuous), discrete: Array(discrete))
    }
}

/// The actions of one reply, borrowed for the duration of the send: one Action for an Act
/// stream, one ActionBatch (lane-major) for an ActBatch stream.
public enum ActionPayload {
    /// One class index per lane.
    case discrete(UnsafeBufferPointer<Int32>)
    /// Each lane's box values, lane after lane.
    case continuous(UnsafeBufferPointer<Float>)
    /// Each lane's indices, lane after lane.
    case multiDiscrete(UnsafeBufferPointer<Int32>)
}

/// A decoded ActionBatch, valid only during the delegate call that hands it over.
public struct ActionBatchView {
    /// `actions`: discrete, one per lane.
    public var actions: UnsafeBufferPointer<Int32>
    /// `continuous_actions`: box, lane-major.
    public var continuous: UnsafeBufferPointer<Float>
    /// `discrete_actions`: multi-discrete, lane-major.
    public var discrete: UnsafeBufferPointer<Int32>
    public var modelVersion: UInt64

    public init(actions: UnsafeBufferPointer<Int32>, continuous: UnsafeBufferPointer<Float> = .init(start: nil, count: 0),
                discrete: UnsafeBufferPointer<Int32> = .init(start: nil, count: 0), modelVersion: UInt64) {
        self.actions = actions
        self.continuous = continuous
        self.discrete = discrete
        self.modelVersion = modelVersion
    }
}

/// A decoded Step as the server sees it, borrowed from its stream's decode memory.
/// `observation` is valid until the stream's next Step is received, which cannot
/// happen before this one has been answered.
public struct StepView: @unchecked Sendable {
    // @unchecked: the buffer pointer is handed between threads only together with the
    // ownership of its stream (through the batch queue's lock).

    /// The raw `step_type` as sent (unknown values are kept for validation to name).
    public var rawStepType: Int32
    public var reward: Float
    public var discount: Float
    public var observation: UnsafeRawBufferPointer

    public var stepType: StepType? { StepType(wire: rawStepType) }

    public init(rawStepType: Int32, reward: Float, discount: Float, observation: UnsafeRawBufferPointer) {
        self.rawStepType = rawStepType
        self.reward = reward
        self.discount = discount
        self.observation = observation
    }
}

/// A decoded StepBatch as the server sees it, borrowed from its stream's decode memory
/// like `StepView`. The counts come from the client and may disagree: checking them is
/// the receiver's job.
public struct StepBatchView: @unchecked Sendable {
    // @unchecked: as `StepView`.

    /// The raw step types as sent, one per lane.
    public var rawStepTypes: UnsafeBufferPointer<UInt32>
    public var rewards: UnsafeBufferPointer<Float>
    public var discounts: UnsafeBufferPointer<Float>
    /// The lanes' observations back to back.
    public var observations: UnsafeRawBufferPointer

    public init(rawStepTypes: UnsafeBufferPointer<UInt32>, rewards: UnsafeBufferPointer<Float>,
                discounts: UnsafeBufferPointer<Float>, observations: UnsafeRawBufferPointer) {
        self.rawStepTypes = rawStepTypes
        self.rewards = rewards
        self.discounts = discounts
        self.observations = observations
    }

    /// Lane `index` as a Step (counts already checked; `observationBytes` per lane).
    @inline(__always)
    public func lane(_ index: Int, observationBytes: Int) -> StepView {
        StepView(rawStepType: Int32(bitPattern: rawStepTypes[index]), reward: rewards[index], discount: discounts[index],
                 observation: UnsafeRawBufferPointer(rebasing: observations[(index * observationBytes)..<((index + 1) * observationBytes)]))
    }
}
