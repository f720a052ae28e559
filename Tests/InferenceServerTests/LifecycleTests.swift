import Contract
#if canImport(Glibc)
import Glibc
#endif
import InferenceServer
import Threading
import Wire
import Runtime
import XCTest

final class LifecycleTests: XCTestCase {
    func testClientCancelFreesTheStreamAtOnce() throws {
        try ServerFixture.withServer { fixture in
            let staying = try fixture.client()
            staying.roundTrip(.first)
            let leaving = try fixture.client()
            leaving.roundTrip(.first)
            XCTAssertEqual(fixture.server.stats().activeStreams, 2)
            leaving.stream.cancel()
            XCTAssertEqual(leaving.closedStatus()??.code, .cancelled)
            XCTAssertTrue(eventually { fixture.server.stats().activeStreams == 1 })
            XCTAssertNotNil(staying.roundTrip(.mid))
        }
    }

    func testCancelWhileAStepIsBeingBatchedIsHarmless() throws {
        // A long max delay keeps the lone step pending in the batch queue when it is cancelled.
        try ServerFixture.withServer(configure: { $0.maxDelayMicroseconds = 200_000 }) { fixture in
            let other = try fixture.client()
            other.roundTrip(.first)
            let leaving = try fixture.client()
            leaving.roundTrip(.first)
            leaving.send(.mid, observation: [0, 0, 0, 0])
            leaving.stream.cancel()
            XCTAssertEqual(leaving.closedStatus()??.code, .cancelled)
            XCTAssertTrue(eventually { fixture.server.stats().activeStreams == 1 })
            XCTAssertNotNil(other.roundTrip(.mid))
        }
    }

    func testAbruptDisconnectOfAKilledClientProcessFreesItsStreams() throws {
        try ServerFixture.withServer { fixture in
            let child = try ChildProcess(["bench", "--server", fixture.target, "--streams", "4",
                                          "--seconds", "60", "--warmup", "0", "--log-level", "error"])
            XCTAssertTrue(eventually(seconds: 20) { fixture.server.stats().activeStreams == 4 }, "the child's streams open")
            child.signal(SIGKILL)
            XCTAssertEqual(child.wait(), 128 + SIGKILL)
            XCTAssertTrue(eventually { fixture.server.stats().activeStreams == 0 }, "a dead peer's streams are freed")
            let client = try fixture.client()
            XCTAssertNotNil(client.roundTrip(.first), "the server goes on serving")
        }
    }

    func testShutdownEndsOpenStreamsWithUnavailable() throws {
        try ServerFixture.withServer { fixture in
            let clients = try (0..<3).map { _ in try fixture.client() }
            for client in clients { client.roundTrip(.first) }
            let shutdown = OSThread(name: "test-shutdown") { fixture.server.shutdown() }
            for client in clients {
                XCTAssertEqual(client.closedStatus(), .some(RPCError(.unavailable, "server shutting down")))
            }
            shutdown.join()
        }
    }

    func testServerProcessStopsOnSigtermWithStatusZero() throws {
        let socket = "/tmp/seedrl-test-\(getpid()).sock"
        unlink(socket)
        let child = try ChildProcess(["server", "--env", "cartpole", "--port", "0", "--unix", socket,
                                      "--no-train", "--log-level", "error"])
        defer { unlink(socket) }
        XCTAssertTrue(eventually(seconds: 20) { access(socket, F_OK) == 0 }, "the server listens")
        let channel = WireChannel(target: "unix:\(socket)")
        XCTAssertTrue(eventually(seconds: 20) { (try? channel.getSpec()) != nil }, "the server comes up")
        let poller = StreamPoller()
        defer { poller.shutdown() }
        let client = try TestActClient(channel: channel, poller: poller)
        XCTAssertNotNil(client.roundTrip(.first))
        child.signal(SIGTERM)
        XCTAssertEqual(client.closedStatus(), .some(RPCError(.unavailable, "server shutting down")))
        XCTAssertEqual(child.wait(), 0)
    }
}
