import Contract
import Threading
import Wire

/// One benchmark stream: FIRST, then MID (and LAST/FIRST every `episodeLength` steps),
/// each sent the moment the previous answer arrives; an Act stream, or with `lanes` an
/// ActBatch stream whose lanes step together. Lives on its shard's poller thread.
final class PingPongStream: ClientStreamDelegate, @unchecked Sendable {
    // Confined to the shard's poller thread (after `sendNext` is first called).
    private let index: Int
    private let shard: PollerShard
    private let window: Window
    private let observations: SyntheticObservations
    private let episodeLength: Int
    private let finished: Countdown
    private var stream: ClientStream?
    private var stepInEpisode = 0
    private var sentAt: UInt64 = 0
    private var stepsSent = 0
    /// Lanes per message (0: an Act stream) and their reused fields.
    private let lanes: Int
    private var stepTypes: [UInt32]
    private let rewards: [Float]
    private var discounts: [Float]
    /// The served action space, to check each batch's size against.
    private let action: ActionSpec

    init(index: Int, shard: PollerShard, window: Window, observations: SyntheticObservations,
         episodeLength: Int, finished: Countdown, lanes: Int = 0, action: ActionSpec = .discrete(1)) {
        self.index = index
        self.action = action
        self.lanes = lanes
        stepTypes = Array(repeating: 0, count: lanes)
        rewards = Array(repeating: 1, count: lanes)
        discounts = Array(repeating: 1, count: lanes)
        self.shard = shard
        self.window = window
        self.observations = observations
        self.episodeLength = episodeLength
        self.finished = finished
    }

    func open(channel: WireChannel) throws(RPCError) {
        stream = try ClientStream(channel: channel, poller: shard.poller, delegate: self,
                                  method: lanes > 0 ? .actBatch : .act, lanes: lanes)
    }

    func cancel() { stream?.cancel() }

    func sendNext() {
        let type: StepType
        if stepInEpisode == 0 {
            type = .first
        } else if episodeLength > 0 && stepInEpisode == episodeLength - 1 {
            type = .last
        } else {
            type = .mid
        }
        stepInEpisode = type == .last ? 0 : stepInEpisode + 1
        sentAt = MonotonicClock.now()
        stepsSent += 1
        guard lanes > 0 else {
            stream?.send(stepType: type, reward: type == .first ? 0 : 1, discount: type == .last ? 0 : 1,
                         observation: observations.observation(index &+ stepsSent))
            return
        }
        for lane in 0..<lanes {
            stepTypes[lane] = UInt32(type.rawValue)
            discounts[lane] = type == .last ? 0 : 1
        }
        let types = stepTypes, rewards = rewards, discounts = discounts
        types.withUnsafeBufferPointer { types in
            rewards.withUnsafeBufferPointer { rewards in
                discounts.withUnsafeBufferPointer { discounts in
                    _ = stream?.send(stepTypes: types, rewards: rewards, discounts: discounts,
                                     observations: observations.observations(index &+ stepsSent, count: lanes))
                }
            }
        }
    }

    func stream(_ stream: ClientStream, received batch: ActionBatchView) {
        if ReceivedAction.countProblem(batch, lanes: lanes, spec: action) != nil { shard.badReplies.add(1, ordering: .relaxed) }
        answered()
    }

    func stream(_ stream: ClientStream, received action: ActionView) {
        answered()
    }

    private func answered() {
        guard let stream else { return }
        let now = MonotonicClock.now()
        if sentAt >= window.measureStart && now <= window.measureEnd {
            shard.histogram.record(now - sentAt)
            shard.measuredCount.add(1, ordering: .relaxed)
        }
        if now < window.measureEnd {
            sendNext()
        } else {
            stream.closeSend()
        }
    }

    func stream(_ stream: ClientStream, closedWith error: RPCError?) {
        if let error { shard.recordFailure(error) }
        self.stream = nil  // breaks the stream ↔ delegate cycle
        finished.decrement()
    }
}
