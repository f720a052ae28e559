import InferenceServer

/// The gRPC server as a service: stops accepting, ends open streams and stops inference
/// on shutdown; with a learner behind it the last unrolls are kept for it to drain.
final class ServingService: Service, @unchecked Sendable {
    let name = "serving"
    private let server: LearnerServer
    private let feedsLearner: Bool

    init(server: LearnerServer, feedsLearner: Bool) {
        self.server = server
        self.feedsLearner = feedsLearner
    }

    func start() throws { server.start() }
    func shutdown() throws { server.shutdown(keepingUnrolls: feedsLearner) }
}
