#if canImport(Glibc)
import Glibc
#endif
import LearnerLoop
import Model
import Wire
import Runtime
import XCTest

/// Kill -9 the learner in the middle of training and start it again: it resumes from its
/// last checkpoint, and the actor, which was never restarted, reconnects by itself.
final class ResumeTests: XCTestCase {
    func testAKilledServerResumesAndItsActorsComeBack() throws {
        let logdir = "/tmp/seedrl-resume-\(getpid())"
        let port = 21_000 + Int(getpid() % 9_000)
        defer { _ = system("rm -rf \(logdir)") }
        let serverArguments = ["server", "--env", "cartpole", "--port", "\(port)", "--logdir", logdir,
                               "--checkpoint-seconds", "0.3", "--log-level", "error"]
        var server = try ChildProcess(serverArguments)
        let actor = try ChildProcess(["actor", "--server", "127.0.0.1:\(port)", "--envs", "8", "--max-backoff-seconds", "0.5",
                                      "--log-level", "error"])
        defer {
            actor.signal(SIGKILL)
            _ = actor.wait()
            server.signal(SIGKILL)
            _ = server.wait()
        }
        let directory = CheckpointDirectory(path: logdir, keep: 3)
        XCTAssertTrue(eventually(seconds: 30) { (directory.newestValid().checkpoint?.version ?? 0) >= 5 }, "checkpoints are written")
        server.signal(SIGKILL)
        XCTAssertEqual(server.wait(), 128 + SIGKILL)
        let saved = try XCTUnwrap(directory.newestValid().checkpoint)

        server = try ChildProcess(serverArguments)
        // A fresh channel per poll: one made while the server is down would back off.
        func stats() -> StatsMessage? { try? WireChannel(target: "127.0.0.1:\(port)").getStats(timeoutMilliseconds: 2000) }
        XCTAssertTrue(eventually(seconds: 30) { (stats()?.activeStreams ?? 0) == 8 }, "the actor reconnected by itself")
        let resumed = try XCTUnwrap(stats())
        XCTAssertGreaterThanOrEqual(resumed.modelVersion, saved.version, "resumed, not restarted")
        XCTAssertGreaterThanOrEqual(resumed.stepsServed, saved.envSteps)
        XCTAssertGreaterThanOrEqual(resumed.framesTrained, saved.framesTrained)
        XCTAssertTrue(eventually(seconds: 30) { (stats()?.modelVersion ?? 0) > resumed.modelVersion + 5 }, "training goes on")
        server.signal(SIGTERM)
        XCTAssertEqual(server.wait(), 0)
        XCTAssertGreaterThan(directory.newestValid().checkpoint?.version ?? 0, resumed.modelVersion, "a final checkpoint on SIGTERM")
    }
}
