import Replay
import Synchronization
import Threading
import Wire

/// The server's state for one Act stream: its validator, the episode it is in, and the
/// Step it is waiting on an Action for.
///
/// Confinement: `received`/`closed` run on the stream's poller thread; between enqueue
/// and reply the stream belongs to the inference thread (handed over by the batch
/// queue's lock). Never both at once, by the contract's ping-pong.
final class ActStream: ServerStreamHandler, @unchecked Sendable {
    let stream: ServerStream
    private unowned let server: LearnerServer
    private var validator: StepValidator
    private var episodeReturn: Double = 0
    /// The pending Step's observation, borrowed from the stream's decode memory.
    private(set) var observation = UnsafeRawBufferPointer(start: nil, count: 0)
    private(set) var pendingStepType: StepType = .first
    private(set) var pendingReward: Float = 0
    private(set) var pendingDiscount: Float = 1
    /// This stream's partial trajectory; touched only by the inference thread, dropped
    /// with the stream.
    var unrollBuilder: UnrollBuilder?
    /// When the server started waiting for this client's next Step (monotonic ns); 0 while
    /// the server holds a Step of it. Read by the idle reaper.
    let awaitingClientSince = Atomic<UInt64>(MonotonicClock.now())
    /// The peer's host (address without port), for the per-peer limit.
    let peerHost: String

    init(stream: ServerStream, server: LearnerServer, spec: ObservationSpec, unrollLength: Int?, peerHost: String) {
        self.stream = stream
        self.peerHost = peerHost
        self.server = server
        validator = StepValidator(spec: spec)
        unrollBuilder = unrollLength.map {
            UnrollBuilder(length: $0, observationBytes: spec.byteCount, numActions: spec.numActions)
        }
    }

    func received(_ step: StepView, on stream: ServerStream) {
        awaitingClientSince.store(0, ordering: .relaxed)
        let type: StepType
        switch validator.validate(step) {
        case .success(let valid): type = valid
        case .failure(let error):
            server.statistics.invalidSteps.add(1, ordering: .relaxed)
            stream.finish(.invalidArgument, error.message)
            return
        }
        switch type {
        case .first:
            episodeReturn = 0
        case .mid:
            episodeReturn += Double(step.reward)
        case .last:
            episodeReturn += Double(step.reward)
            server.statistics.recordEpisode(return: episodeReturn)
        }
        observation = step.observation
        pendingStepType = type
        // FIRST's reward and discount belong to no transition (and may be anything).
        pendingReward = type == .first ? 0 : step.reward
        pendingDiscount = type == .first ? 1 : step.discount
        do {
            try server.batchQueue.enqueue(self)
        } catch {
            stream.finish(.unavailable, "server shutting down")
        }
    }

    func closed(_ stream: ServerStream) {
        server.streamClosed(self)
    }
}
