import Logging

/// A long-running part of a process (the training thread, the server, the progress
/// monitor, the actor processes), in the spirit of swift-service-lifecycle's `Service`:
/// `start` returns once it runs; `shutdown` returns once its threads are done and its last
/// work (a final checkpoint, say) is written.
public protocol Service: AnyObject {
    var name: String { get }
    func start() throws
    func shutdown() throws
}

/// Starts services in order and stops them in reverse: the one place that knows the
/// order. A learner starts training (and joins its job) before serving, and serving before
/// the monitor and the actors; so on the way down the actors stop first, then the server
/// (no more steps are acknowledged), and the learner last, once it has trained on what
/// was queued and written the final checkpoint.
public final class ServiceGroup {
    public let services: [Service]
    private let logger: Logger
    private var started: [Service] = []
    /// The services stopped so far, in the order they were stopped.
    public private(set) var stopped: [String] = []

    public init(_ services: [Service], logger: Logger = Logger(label: "seedrl.runtime")) {
        self.services = services
        self.logger = logger
    }

    /// Starts every service in order. If one fails, those already started are shut down
    /// (in reverse) and the failure is rethrown.
    public func start() throws {
        for service in services {
            do {
                try service.start()
                started.append(service)
            } catch {
                logger.error("a service failed to start; stopping the others", metadata: ["service": "\(service.name)", "error": "\(error)"])
                _ = shutdown()
                throw error
            }
        }
    }

    /// Shuts the started services down in reverse order, each once, every one even if an
    /// earlier one failed; returns the failures by service name.
    @discardableResult
    public func shutdown() -> [(service: String, error: Error)] {
        var failures: [(service: String, error: Error)] = []
        while let service = started.popLast() {
            do { try service.shutdown() } catch {
                logger.error("a service failed to stop cleanly", metadata: ["service": "\(service.name)", "error": "\(error)"])
                failures.append((service.name, error))
            }
            stopped.append(service.name)
        }
        return failures
    }
}
