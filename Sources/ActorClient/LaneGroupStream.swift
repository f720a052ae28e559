import Contract
import Environments
import Wire

/// Several environments on one ActBatch stream ("lanes"): each reply's actions are
/// applied to every environment in a tight loop and the lanes' next steps go back as one
/// StepBatch. Lives on the actor's poller thread; the buffers are reused message after
/// message.
final class LaneGroupStream: ActorStream, ClientStreamDelegate, @unchecked Sendable {
    // Confined to the poller thread after `begin`, except the three reconnect variables
    // (guarded by the actor's lock).
    private let environments: [Environment]
    private unowned let actor: ActorLoop
    private var stream: ClientStream?
    private let observationBytes: Int
    private var stepTypes: [UInt32]
    private var rewards: [Float]
    private var discounts: [Float]
    private var observations: UnsafeMutableRawBufferPointer
    /// The action row a lane's environment takes next.
    private let actionRow: UnsafeMutablePointer<Float>
    private var lastSentWasLast: [Bool]
    private var episodeReturns: [Double]
    private var servedSinceOpen = false
    var cancelHandle: ClientStream?
    var cancelledByUs = false
    var failedAttempts = 0

    init(environments: [Environment], actor: ActorLoop) {
        precondition(!environments.isEmpty)
        self.environments = environments
        self.actor = actor
        let lanes = environments.count
        observationBytes = environments[0].spec.byteCount
        stepTypes = Array(repeating: UInt32(StepType.first.rawValue), count: lanes)
        rewards = Array(repeating: 0, count: lanes)
        discounts = Array(repeating: 1, count: lanes)
        observations = .allocate(byteCount: lanes * observationBytes, alignment: 64)
        actionRow = .allocate(capacity: environments[0].spec.action.width)
        lastSentWasLast = Array(repeating: false, count: lanes)
        episodeReturns = Array(repeating: 0, count: lanes)
    }

    deinit {
        observations.deallocate()
        actionRow.deallocate()
    }

    var environmentCount: Int { environments.count }

    func open(channel: WireChannel, poller: StreamPoller) throws(RPCError) {
        let call = try ClientStream(channel: channel, poller: poller, delegate: self, method: .actBatch, lanes: environments.count)
        stream = call
        servedSinceOpen = false
        actor.opened(self, call: call)
    }

    private func observation(_ lane: Int) -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(rebasing: observations[(lane * observationBytes)..<((lane + 1) * observationBytes)])
    }

    func begin() {
        for lane in environments.indices { reset(lane) }
        send()
    }

    private func reset(_ lane: Int) {
        environments[lane].reset(observation: observation(lane))
        episodeReturns[lane] = 0
        lastSentWasLast[lane] = false
        stepTypes[lane] = UInt32(StepType.first.rawValue)
        rewards[lane] = 0
        discounts[lane] = 1
    }

    private func send() {
        let types = stepTypes, rewards = rewards, discounts = discounts
        types.withUnsafeBufferPointer { types in
            rewards.withUnsafeBufferPointer { rewards in
                discounts.withUnsafeBufferPointer { discounts in
                    _ = stream?.send(stepTypes: types, rewards: rewards, discounts: discounts,
                                     observations: UnsafeRawBufferPointer(observations))
                }
            }
        }
    }

    func stream(_ stream: ClientStream, received action: ActionView) {}

    func stream(_ stream: ClientStream, received batch: ActionBatchView) {
        actor.served(environments.count)
        if !servedSinceOpen {
            servedSinceOpen = true
            actor.streamServedAfterReconnect(self)
        }
        let spec = environments[0].spec.action
        if let problem = ReceivedAction.countProblem(batch, lanes: environments.count, spec: spec) {
            return actor.refuse(self, call: stream, error: RPCError(.outOfRange, problem))
        }
        for lane in environments.indices {
            if lastSentWasLast[lane] {
                reset(lane)
                continue
            }
            if let problem = ReceivedAction.read(batch, lane: lane, spec: spec, into: actionRow) {
                return actor.refuse(self, call: stream, error: RPCError(.outOfRange, "\(problem) for \(environments[lane].spec.envName)"))
            }
            let outcome = environments[lane].step(action: actionRow, observation: observation(lane))
            episodeReturns[lane] += Double(outcome.reward)
            if outcome.isLast {
                lastSentWasLast[lane] = true
                actor.recordEpisode(episodeReturns[lane])
            }
            stepTypes[lane] = UInt32((outcome.isLast ? StepType.last : StepType.mid).rawValue)
            rewards[lane] = outcome.reward
            discounts[lane] = outcome.discount
        }
        send()
    }

    func stream(_ stream: ClientStream, closedWith error: RPCError?) {
        self.stream = nil
        actor.streamEnded(self, error: error)
    }
}
