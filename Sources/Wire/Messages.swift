/// Swift values of the wire contract's messages (`Protos/seedrl/v1/learner.proto`).
/// Decoding and encoding live in `Codec`; nothing here sees C.
import Contract

public struct SpecMessage: Sendable, Equatable {
    public var env: String
    public var observationShape: [Int64]
    public var observationDType: DType
    public var numActions: Int32
    public var modelVersion: UInt64
    /// Most lanes one ActBatch stream may carry (0: ActBatch not served).
    public var maxLanes: UInt32

    public init(env: String, observationShape: [Int64], observationDType: DType, numActions: Int32, modelVersion: UInt64,
                maxLanes: UInt32 = 0) {
        self.env = env
        self.observationShape = observationShape
        self.observationDType = observationDType
        self.numActions = numActions
        self.modelVersion = modelVersion
        self.maxLanes = maxLanes
    }
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
    public init(action: Int32, modelVersion: UInt64) {
        self.action = action
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
