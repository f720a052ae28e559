#if canImport(Glibc)
import Glibc
#endif
import Contract
import Environments
import Files
@testable import InferenceServer
import LearnerLoop
import Model
import Logging
import Runtime
import Threading
import Wire
import XCTest

/// A listener restart (the core stopped accepting) while another process takes the port in
/// the moment between the old listener closing and the new one binding.
final class ListenerRestartTests: XCTestCase {
    private func configuration(logdir: String?, attempts: Int) -> LearnerConfiguration {
        var server = LearnerServerConfiguration(spec: KnownEnvironment.cartpole.spec, listenAddresses: ["127.0.0.1:0"])
        server.listenerRestart = ListenerRestartPolicy(attempts: attempts, firstDelaySeconds: 0.02, maxDelaySeconds: 0.05)
        var configuration = LearnerConfiguration(server: server)
        configuration.model.hiddenSizes = [16]
        var learning = LearningConfiguration()
        learning.settings.batchSize = 2
        learning.settings.unrollLength = 5
        configuration.learning = logdir == nil ? nil : learning
        configuration.checkpoints = logdir.map {
            CheckpointPlan(directory: CheckpointDirectory(path: $0, keep: 2), intervalSeconds: 3600, fresh: false, configuration: "test")
        }
        return configuration
    }

    /// A thread that restarts the listener of `learner` once its run serves (a client gets
    /// the spec from `port`), as the watchdog would after a failed accept.
    private func restartListener(of learner: LearnerSystem, onceServingOn port: Int) -> OSThread {
        OSThread(name: "test-restart") {
            let channel = WireChannel(target: "127.0.0.1:\(port)")
            for _ in 0..<2000 where (try? channel.getSpec()) == nil { usleep(5_000) }
            learner.server.restartListener(reason: "test")
        }
    }

    /// The squatter holds the port for the first two binds: the third succeeds and the
    /// server is reachable again on its port.
    func testARestartRetriesTheBindUntilThePortIsFree() throws {
        let system = try LearnerSystem(configuration: configuration(logdir: nil, attempts: 10), logger: Logger(label: "test"))
        let server = system.server
        server.start()
        defer { server.shutdown() }
        let port = server.boundPorts[0]
        let squatter = Locked<PortSquatter?>(nil)
        let attempts = Locked<[Int]>([])
        server.beforeRebind = { attempt in
            attempts.withLock { $0.append(attempt) }
            if attempt == 0 { squatter.withLock { $0 = PortSquatter(port: port) } }
            if attempt == 2 { squatter.withLock { $0 = nil } }
        }
        server.restartListener(reason: "test")
        XCTAssertEqual(attempts.withLock { $0 }, [0, 1, 2], "two refused binds, then the third")
        XCTAssertEqual(server.listenerRestarts, 1)
        let channel = WireChannel(target: "127.0.0.1:\(port)")
        XCTAssertNoThrow(try channel.getSpec(), "reachable on its port again")
    }

    /// The port stays taken: the server reports its listener lost (once), and shutting it
    /// down afterwards (twice, as a supervisor's second signal would) neither hangs nor aborts.
    func testAListenerLostForGoodIsReportedAndShutdownIsClean() throws {
        let system = try LearnerSystem(configuration: configuration(logdir: nil, attempts: 3), logger: Logger(label: "test"))
        let server = system.server
        server.start()
        let port = server.boundPorts[0]
        let squatter = Locked<PortSquatter?>(nil)
        server.beforeRebind = { attempt in
            if attempt == 0 { squatter.withLock { $0 = PortSquatter(port: port) } }
        }
        let reports = Locked<[String]>([])
        server.onListenerLost = { reason in reports.withLock { $0.append(reason) } }
        server.restartListener(reason: "test")
        let lost = reports.withLock { $0 }
        XCTAssertEqual(lost.count, 1)
        XCTAssertTrue(lost.first?.contains("could not be rebound after 3 attempts") ?? false, "\(lost)")
        XCTAssertEqual(server.listenerRestarts, 0)
        server.shutdown()
        server.shutdown()
        squatter.withLock { $0 = nil }
    }

    /// The whole run: training, the listener lost to a squatter, and the run stops on its
    /// own with `.listenerLost` and writes its final checkpoint.
    func testARunWhoseListenerIsLostStopsAndCheckpoints() throws {
        let logdir = "/tmp/seedrl-listener-\(getpid())"
        defer { _ = system("rm -rf \(logdir)") }
        try AtomicFile.makeDirectories(logdir)
        let learner = try LearnerSystem(configuration: configuration(logdir: logdir, attempts: 3), logger: Logger(label: "test"))
        let run = LearnerRun(system: learner, logger: Logger(label: "test"))
        let port = learner.server.boundPorts[0]
        let squatter = Locked<PortSquatter?>(nil)
        defer { squatter.withLock { $0 = nil } }
        learner.server.beforeRebind = { attempt in
            if attempt == 0 { squatter.withLock { $0 = PortSquatter(port: port) } }
        }
        let restarter = restartListener(of: learner, onceServingOn: port)
        defer { restarter.join() }
        let outcome = try run.run()
        guard case .listenerLost(let reason) = outcome.reason else { return XCTFail("stopped for \(outcome.reason)") }
        XCTAssertTrue(reason.contains("could not be rebound"), reason)
        XCTAssertTrue(outcome.failures.isEmpty)
        let file = try XCTUnwrap(outcome.checkpoint?.file, "the final checkpoint is written")
        XCTAssertNoThrow(try Checkpoint.read(from: file))
    }

    /// A squat that a SIGTERM interrupts: the restart stops waiting between binds and the
    /// run ends as interrupted, final checkpoint written.
    func testAStopDuringTheRetriesEndsTheRunWithACheckpoint() throws {
        let logdir = "/tmp/seedrl-listener-stop-\(getpid())"
        defer { _ = system("rm -rf \(logdir)") }
        try AtomicFile.makeDirectories(logdir)
        var settings = configuration(logdir: logdir, attempts: 1_000)
        settings.server.listenerRestart.maxDelaySeconds = 0.02
        let learner = try LearnerSystem(configuration: settings, logger: Logger(label: "test"))
        let run = LearnerRun(system: learner, logger: Logger(label: "test"))
        let port = learner.server.boundPorts[0]
        let squatter = Locked<PortSquatter?>(nil)
        defer { squatter.withLock { $0 = nil } }
        learner.server.beforeRebind = { [weak run] attempt in
            if attempt == 0 { squatter.withLock { $0 = PortSquatter(port: port) } }
            if attempt == 3 { run?.stop(.interrupted) }  // what the SIGTERM handler calls
        }
        let restarter = restartListener(of: learner, onceServingOn: port)
        defer { restarter.join() }
        let outcome = try run.run()
        XCTAssertEqual(outcome.reason, .interrupted)
        XCTAssertNotNil(outcome.checkpoint?.file, "the final checkpoint is written")
    }
}

/// Another process's listener on 127.0.0.1:`port` (bound as soon as the old listener has
/// let go of it); closed on deinit.
final class PortSquatter: @unchecked Sendable {
    private let fd: Int32

    init?(port: Int) {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        for _ in 0..<1000 {
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            if bound == 0 && listen(fd, 4) == 0 { return }
            usleep(5_000)  // the old listener is still closing
        }
        close(fd)
        return nil
    }

    deinit { close(fd) }
}
