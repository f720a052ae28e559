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

    init(stream: ServerStream, server: LearnerServer, spec: ObservationSpec) {
        self.stream = stream
        self.server = server
        validator = StepValidator(spec: spec)
    }

    func received(_ step: StepView, on stream: ServerStream) {
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
