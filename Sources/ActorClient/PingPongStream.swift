import Contract
import Threading
import Wire

/// One benchmark stream: FIRST, then MID (and LAST/FIRST every `episodeLength` steps),
/// each sent the moment the previous Action arrives. Lives on its shard's poller thread.
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

    init(index: Int, shard: PollerShard, window: Window, observations: SyntheticObservations,
         episodeLength: Int, finished: Countdown) {
        self.index = index
        self.shard = shard
        self.window = window
        self.observations = observations
        self.episodeLength = episodeLength
        self.finished = finished
    }

    func open(channel: WireChannel) throws(RPCError) {
        stream = try ClientStream(channel: channel, poller: shard.poller, delegate: self)
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
        stream?.send(stepType: type, reward: type == .first ? 0 : 1, discount: type == .last ? 0 : 1,
                     observation: observations.observation(index &+ stepsSent))
    }

    func stream(_ stream: ClientStream, received action: ActionMessage) {
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
