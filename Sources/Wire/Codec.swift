import Contract
internal import CGRPC
internal import CSeedProto

/// protobuf-c encoding and decoding of the contract's messages. Encoders return a
/// byte buffer owned by the caller (destroy it after its send completes); decoders read
/// from contiguous bytes and, where a `MessageArena` is given, never allocate.
enum Codec {
    typealias ByteBuffer = UnsafeMutablePointer<grpc_byte_buffer>

    /// Encodes through protobuf-c straight into one freshly allocated buffer.
    static func pack(size: Int, _ write: (UnsafeMutablePointer<UInt8>) -> Int) -> ByteBuffer {
        var data: UnsafeMutablePointer<UInt8>? = nil
        let buffer = seedrl_byte_buffer_allocate(size, &data)!
        let written = write(data!)
        precondition(written == size, "protobuf-c packed \(written) bytes, expected \(size)")
        return buffer
    }

    /// A buffer holding a copy of `bytes`.
    static func raw(_ bytes: UnsafeRawBufferPointer) -> ByteBuffer {
        pack(size: bytes.count) { target in
            if let base = bytes.baseAddress { target.update(from: base.assumingMemoryBound(to: UInt8.self), count: bytes.count) }
            return bytes.count
        }
    }

    // MARK: Action

    static func encode(_ action: ActionMessage) -> ByteBuffer {
        let continuous = action.continuous, discrete = action.discrete
        return continuous.withUnsafeBufferPointer { continuous in
            discrete.withUnsafeBufferPointer { discrete in
                encodeAction(action.action, continuous: continuous, discrete: discrete, modelVersion: action.modelVersion)
            }
        }
    }

    /// An Act stream's reply: lane 0 of `payload`.
    static func encodeAction(_ payload: ActionPayload, modelVersion: UInt64) -> ByteBuffer {
        let none = UnsafeBufferPointer<Int32>(start: nil, count: 0)
        switch payload {
        case .discrete(let actions):
            return encodeAction(actions[0], continuous: .init(start: nil, count: 0), discrete: none, modelVersion: modelVersion)
        case .continuous(let values):
            return encodeAction(0, continuous: values, discrete: none, modelVersion: modelVersion)
        case .multiDiscrete(let indices):
            return encodeAction(0, continuous: .init(start: nil, count: 0), discrete: indices, modelVersion: modelVersion)
        }
    }

    private static func encodeAction(_ action: Int32, continuous: UnsafeBufferPointer<Float>, discrete: UnsafeBufferPointer<Int32>,
                                     modelVersion: UInt64) -> ByteBuffer {
        var message = Seedrl__V1__Action()
        seedrl__v1__action__init(&message)
        message.action = action
        message.model_version = modelVersion
        message.n_continuous = continuous.count
        message.continuous = UnsafeMutablePointer(mutating: continuous.baseAddress)
        message.n_discrete = discrete.count
        message.discrete = UnsafeMutablePointer(mutating: discrete.baseAddress)
        return pack(size: seedrl__v1__action__get_packed_size(&message)) { seedrl__v1__action__pack(&message, $0) }
    }

    /// Decodes an Action and hands `body` a view of it, valid only during the call (the
    /// values stay in `arena`); nil if the bytes are not an Action.
    static func decodeAction<T>(_ bytes: UnsafeRawBufferPointer, arena: MessageArena, _ body: (ActionView) -> T) -> T? {
        guard let message = seedrl__v1__action__unpack(arena.allocator, bytes.count, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)) else {
            return nil
        }
        let action = message.pointee
        return body(ActionView(action: action.action, modelVersion: action.model_version,
                               continuous: UnsafeBufferPointer(start: action.continuous, count: action.n_continuous),
                               discrete: UnsafeBufferPointer(start: action.discrete, count: action.n_discrete)))
    }

    // MARK: Step

    static func encodeStep(stepType: Int32, reward: Float, discount: Float, observation: UnsafeRawBufferPointer) -> ByteBuffer {
        var message = Seedrl__V1__Step()
        seedrl__v1__step__init(&message)
        message.step_type = Seedrl__V1__StepType(rawValue: UInt32(bitPattern: stepType))
        message.reward = reward
        message.discount = discount
        message.observation.len = observation.count
        message.observation.data = UnsafeMutablePointer(mutating: observation.baseAddress?.assumingMemoryBound(to: UInt8.self))
        return pack(size: seedrl__v1__step__get_packed_size(&message)) { seedrl__v1__step__pack(&message, $0) }
    }

    static func decodeStep(_ bytes: UnsafeRawBufferPointer, arena: MessageArena) -> StepView? {
        guard let message = seedrl__v1__step__unpack(arena.allocator, bytes.count, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)) else {
            return nil
        }
        let step = message.pointee
        return StepView(
            rawStepType: Int32(bitPattern: step.step_type.rawValue),
            reward: step.reward,
            discount: step.discount,
            observation: UnsafeRawBufferPointer(start: step.observation.data, count: step.observation.len)
        )
    }

    // MARK: StepBatch and ActionBatch

    /// `stepTypes` are wire values (`StepType.rawValue`, or anything for tests).
    static func encodeStepBatch(stepTypes: UnsafeBufferPointer<UInt32>, rewards: UnsafeBufferPointer<Float>,
                                discounts: UnsafeBufferPointer<Float>, observations: UnsafeRawBufferPointer) -> ByteBuffer {
        var message = Seedrl__V1__StepBatch()
        seedrl__v1__step_batch__init(&message)
        message.n_step_types = stepTypes.count
        message.step_types = UnsafeMutableRawPointer(mutating: stepTypes.baseAddress)?.assumingMemoryBound(to: Seedrl__V1__StepType.self)
        message.n_rewards = rewards.count
        message.rewards = UnsafeMutablePointer(mutating: rewards.baseAddress)
        message.n_discounts = discounts.count
        message.discounts = UnsafeMutablePointer(mutating: discounts.baseAddress)
        message.observations.len = observations.count
        message.observations.data = UnsafeMutablePointer(mutating: observations.baseAddress?.assumingMemoryBound(to: UInt8.self))
        return pack(size: seedrl__v1__step_batch__get_packed_size(&message)) { seedrl__v1__step_batch__pack(&message, $0) }
    }

    static func decodeStepBatch(_ bytes: UnsafeRawBufferPointer, arena: MessageArena) -> StepBatchView? {
        guard let message = seedrl__v1__step_batch__unpack(
            arena.allocator, bytes.count, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)) else { return nil }
        let batch = message.pointee
        let types = UnsafeRawPointer(batch.step_types)?.assumingMemoryBound(to: UInt32.self)
        return StepBatchView(
            rawStepTypes: UnsafeBufferPointer(start: types, count: batch.n_step_types),
            rewards: UnsafeBufferPointer(start: batch.rewards, count: batch.n_rewards),
            discounts: UnsafeBufferPointer(start: batch.discounts, count: batch.n_discounts),
            observations: UnsafeRawBufferPointer(start: batch.observations.data, count: batch.observations.len))
    }

    static func encodeActionBatch(_ payload: ActionPayload, modelVersion: UInt64) -> ByteBuffer {
        var message = Seedrl__V1__ActionBatch()
        seedrl__v1__action_batch__init(&message)
        switch payload {
        case .discrete(let actions):
            message.n_actions = actions.count
            message.actions = UnsafeMutablePointer(mutating: actions.baseAddress)
        case .continuous(let values):
            message.n_continuous_actions = values.count
            message.continuous_actions = UnsafeMutablePointer(mutating: values.baseAddress)
        case .multiDiscrete(let indices):
            message.n_discrete_actions = indices.count
            message.discrete_actions = UnsafeMutablePointer(mutating: indices.baseAddress)
        }
        message.model_version = modelVersion
        return pack(size: seedrl__v1__action_batch__get_packed_size(&message)) { seedrl__v1__action_batch__pack(&message, $0) }
    }

    /// Calls `body` with the decoded batch, valid only during the call.
    static func decodeActionBatch<T>(_ bytes: UnsafeRawBufferPointer, arena: MessageArena,
                                     _ body: (ActionBatchView) -> T) -> T? {
        guard let message = seedrl__v1__action_batch__unpack(
            arena.allocator, bytes.count, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)) else { return nil }
        let batch = message.pointee
        return body(ActionBatchView(
            actions: UnsafeBufferPointer(start: batch.actions, count: batch.n_actions),
            continuous: UnsafeBufferPointer(start: batch.continuous_actions, count: batch.n_continuous_actions),
            discrete: UnsafeBufferPointer(start: batch.discrete_actions, count: batch.n_discrete_actions),
            modelVersion: batch.model_version))
    }

    // MARK: Spec

    static func encode(_ spec: SpecMessage) -> ByteBuffer {
        var message = Seedrl__V1__Spec()
        seedrl__v1__spec__init(&message)
        var shape = spec.observationShape
        return spec.env.withCString { env in
            shape.withUnsafeMutableBufferPointer { shape in
                message.env = UnsafeMutablePointer(mutating: env)
                message.n_observation_shape = shape.count
                message.observation_shape = shape.baseAddress
                message.observation_dtype = Seedrl__V1__DType(rawValue: UInt32(bitPattern: spec.observationDType.rawValue))
                message.num_actions = spec.numActions
                message.model_version = spec.modelVersion
                message.max_lanes = spec.maxLanes
                return withActionSpace(spec.actionSpace) { space in
                    message.action_space = space
                    return pack(size: seedrl__v1__spec__get_packed_size(&message)) { seedrl__v1__spec__pack(&message, $0) }
                }
            }
        }
    }

    /// Calls `body` with `action` as an ActionSpace message (nil: absent), valid during the call.
    private static func withActionSpace<T>(_ action: ActionSpec?, _ body: (UnsafeMutablePointer<Seedrl__V1__ActionSpace>?) -> T) -> T {
        guard let action else { return body(nil) }
        var space = Seedrl__V1__ActionSpace()
        seedrl__v1__action_space__init(&space)
        switch action {
        case .discrete(let count):
            var discrete = Seedrl__V1__DiscreteSpace()
            seedrl__v1__discrete_space__init(&discrete)
            discrete.n = Int32(count)
            return withUnsafeMutablePointer(to: &discrete) { discrete in
                space.kind_case = SEEDRL__V1__ACTION_SPACE__KIND_DISCRETE
                space.discrete = discrete
                return body(&space)
            }
        case .box(var low, var high):
            var box = Seedrl__V1__BoxSpace()
            seedrl__v1__box_space__init(&box)
            var shape = [Int64(low.count)]
            return shape.withUnsafeMutableBufferPointer { shape in
                low.withUnsafeMutableBufferPointer { low in
                    high.withUnsafeMutableBufferPointer { high in
                        box.n_shape = 1
                        box.shape = shape.baseAddress
                        box.n_low = low.count
                        box.low = low.baseAddress
                        box.n_high = high.count
                        box.high = high.baseAddress
                        return withUnsafeMutablePointer(to: &box) { box in
                            space.kind_case = SEEDRL__V1__ACTION_SPACE__KIND_BOX
                            space.box = box
                            return body(&space)
                        }
                    }
                }
            }
        case .multiDiscrete(let counts):
            var multi = Seedrl__V1__MultiDiscreteSpace()
            seedrl__v1__multi_discrete_space__init(&multi)
            var nvec = counts.map { Int32($0) }
            return nvec.withUnsafeMutableBufferPointer { nvec in
                multi.n_nvec = nvec.count
                multi.nvec = nvec.baseAddress
                return withUnsafeMutablePointer(to: &multi) { multi in
                    space.kind_case = SEEDRL__V1__ACTION_SPACE__KIND_MULTI_DISCRETE
                    space.multi_discrete = multi
                    return body(&space)
                }
            }
        }
    }

    /// The ActionSpec an ActionSpace message names (nil: no kind set, or a box whose shape
    /// and bounds disagree).
    private static func actionSpec(_ space: Seedrl__V1__ActionSpace) -> ActionSpec? {
        switch space.kind_case {
        case SEEDRL__V1__ACTION_SPACE__KIND_DISCRETE:
            return space.discrete.map { .discrete(Int($0.pointee.n)) }
        case SEEDRL__V1__ACTION_SPACE__KIND_BOX:
            guard let box = space.box?.pointee else { return nil }
            let size = (0..<box.n_shape).reduce(Int64(1)) { $0 * box.shape[$1] }
            guard box.n_low == box.n_high, Int64(box.n_low) == size else { return nil }
            return .box(low: Array(UnsafeBufferPointer(start: box.low, count: box.n_low)),
                        high: Array(UnsafeBufferPointer(start: box.high, count: box.n_high)))
        case SEEDRL__V1__ACTION_SPACE__KIND_MULTI_DISCRETE:
            guard let multi = space.multi_discrete?.pointee else { return nil }
            return .multiDiscrete(UnsafeBufferPointer(start: multi.nvec, count: multi.n_nvec).map { Int($0) })
        default:
            return nil
        }
    }

    static func decodeSpec(_ bytes: UnsafeRawBufferPointer) -> SpecMessage? {
        guard let message = seedrl__v1__spec__unpack(nil, bytes.count, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)) else {
            return nil
        }
        defer { seedrl__v1__spec__free_unpacked(message, nil) }
        let spec = message.pointee
        let shape = (0..<spec.n_observation_shape).map { spec.observation_shape[$0] }
        return SpecMessage(
            env: spec.env.map { String(cString: $0) } ?? "",
            observationShape: shape,
            observationDType: DType(rawValue: Int32(bitPattern: spec.observation_dtype.rawValue)) ?? .unspecified,
            numActions: spec.num_actions,
            modelVersion: spec.model_version,
            maxLanes: spec.max_lanes,
            actionSpace: spec.action_space.flatMap { actionSpec($0.pointee) }
        )
    }

    // MARK: Stats

    static func encode(_ stats: StatsMessage) -> ByteBuffer {
        var message = Seedrl__V1__Stats()
        seedrl__v1__stats__init(&message)
        message.steps_served = stats.stepsServed
        message.active_streams = stats.activeStreams
        message.model_version = stats.modelVersion
        message.episodes_completed = stats.episodesCompleted
        message.mean_episode_return = stats.meanEpisodeReturn
        message.frames_trained = stats.framesTrained
        message.mean_batch_size = stats.meanBatchSize
        message.env_steps = stats.envSteps
        message.skipped_updates = stats.skippedUpdates
        message.auth_failures = stats.authFailures
        return pack(size: seedrl__v1__stats__get_packed_size(&message)) { seedrl__v1__stats__pack(&message, $0) }
    }

    static func decodeStats(_ bytes: UnsafeRawBufferPointer) -> StatsMessage? {
        guard let message = seedrl__v1__stats__unpack(nil, bytes.count, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)) else {
            return nil
        }
        defer { seedrl__v1__stats__free_unpacked(message, nil) }
        let m = message.pointee
        var stats = StatsMessage()
        stats.stepsServed = m.steps_served
        stats.activeStreams = m.active_streams
        stats.modelVersion = m.model_version
        stats.episodesCompleted = m.episodes_completed
        stats.meanEpisodeReturn = m.mean_episode_return
        stats.framesTrained = m.frames_trained
        stats.meanBatchSize = m.mean_batch_size
        stats.envSteps = m.env_steps
        stats.skippedUpdates = m.skipped_updates
        stats.authFailures = m.auth_failures
        return stats
    }

    static func destroy(_ buffer: ByteBuffer) { grpc_byte_buffer_destroy(buffer) }

    /// An empty message (GetSpecRequest, GetStatsRequest) encodes to zero bytes.
    static func encodeEmpty() -> ByteBuffer {
        raw(UnsafeRawBufferPointer(start: nil, count: 0))
    }

    /// Calls `body` with the message's bytes contiguous: in place when the buffer is one
    /// uncompressed slice, else copied into `scratch` (nil result when it does not fit).
    static func withContiguousBytes<T>(
        _ buffer: ByteBuffer, scratch: UnsafeMutableRawBufferPointer?, _ body: (UnsafeRawBufferPointer) -> T
    ) -> T? {
        var data: UnsafePointer<UInt8>? = nil
        var length = 0
        if seedrl_byte_buffer_single_slice(buffer, &data, &length) != 0 {
            return body(UnsafeRawBufferPointer(start: data, count: length))
        }
        if let scratch {
            let copied = seedrl_byte_buffer_copy(buffer, scratch.baseAddress?.assumingMemoryBound(to: UInt8.self), scratch.count)
            guard copied >= 0, copied <= scratch.count else { return nil }
            return body(UnsafeRawBufferPointer(start: scratch.baseAddress, count: copied))
        }
        // No scratch: a one-off read (control-plane messages only).
        let total = seedrl_byte_buffer_length(buffer)
        let temporary = UnsafeMutableRawBufferPointer.allocate(byteCount: max(total, 1), alignment: 16)
        defer { temporary.deallocate() }
        let copied = seedrl_byte_buffer_copy(buffer, temporary.baseAddress?.assumingMemoryBound(to: UInt8.self), temporary.count)
        guard copied >= 0, copied <= total else { return nil }
        return body(UnsafeRawBufferPointer(start: temporary.baseAddress, count: copied))
    }
}
