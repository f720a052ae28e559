import Environments
import Wire

/// One environment and its Act stream; lives on the actor's poller thread.
final class EnvironmentStream: ActorStream, ClientStreamDelegate, @unchecked Sendable {
    // Confined to the poller thread after `begin`.
    private let environment: Environment
    private unowned let actor: ActorLoop
    private var stream: ClientStream?
    private var observation: UnsafeMutableRawBufferPointer
    /// The action row the environment takes next.
    private let actionRow: UnsafeMutablePointer<Float>
    private var lastSentWasLast = false
    private var episodeReturn = 0.0
    private var servedSinceOpen = false
    /// The open call and whether `stop` cancelled it; guarded by the actor's lock (they
    /// are touched from the stopping thread and the poller thread).
    var cancelHandle: ClientStream?
    var cancelledByUs = false
    /// Consecutive failed attempts to reach the learner; guarded by the actor's lock.
    var failedAttempts = 0

    init(environment: Environment, actor: ActorLoop) {
        self.environment = environment
        self.actor = actor
        observation = .allocate(byteCount: environment.spec.byteCount, alignment: 16)
        actionRow = .allocate(capacity: environment.spec.action.width)
    }

    deinit {
        observation.deallocate()
        actionRow.deallocate()
    }

    var environmentCount: Int { 1 }

    func open(channel: WireChannel, poller: StreamPoller) throws(RPCError) {
        let call = try ClientStream(channel: channel, poller: poller, delegate: self)
        stream = call
        servedSinceOpen = false
        actor.opened(self, call: call)
    }

    /// Starts an episode afresh (after a reconnect too: the learner dropped the old one).
    func begin() {
        environment.reset(observation: observation)
        episodeReturn = 0
        lastSentWasLast = false
        stream?.send(stepType: .first, reward: 0, discount: 1, observation: UnsafeRawBufferPointer(observation))
    }

    func stream(_ stream: ClientStream, received action: ActionView) {
        actor.served(1)
        if !servedSinceOpen {
            servedSinceOpen = true
            actor.streamServedAfterReconnect(self)
        }
        if lastSentWasLast {
            lastSentWasLast = false
            begin()
            return
        }
        if let problem = ReceivedAction.read(action, spec: environment.spec.action, into: actionRow) {
            actor.refuse(self, call: stream, error: RPCError(.outOfRange, "\(problem) for \(environment.spec.envName)"))
            return
        }
        let outcome = environment.step(action: actionRow, observation: observation)
        episodeReturn += Double(outcome.reward)
        if outcome.isLast {
            lastSentWasLast = true
            actor.recordEpisode(episodeReturn)
        }
        stream.send(stepType: outcome.isLast ? .last : .mid, reward: outcome.reward, discount: outcome.discount,
                    observation: UnsafeRawBufferPointer(observation))
    }

    /// An Act stream receives no batches.
    func stream(_ stream: ClientStream, received batch: ActionBatchView) {}

    func stream(_ stream: ClientStream, closedWith error: RPCError?) {
        self.stream = nil
        actor.streamEnded(self, error: error)
    }
}
