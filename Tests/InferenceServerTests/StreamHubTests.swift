import Contract
@testable import InferenceServer
import LearnerLoop
import Model
import Replay
import Runtime
import Threading
import Wire
import XCTest

/// A transport that records what the hub sends, for driving the hub without sockets.
final class RecordingTransport: StepTransport, @unchecked Sendable {
    // `events` is guarded by `lock`.
    enum Event: Equatable {
        case action(ActionMessage)
        case actions([Int32], UInt64)
        case finished(StatusCode, String)
        case cancelled(StatusCode, String)
    }

    let id: UInt64
    let context: CallContext
    let method: StreamMethod
    private let lock = ConditionLock()
    private var events: [Event] = []

    init(id: UInt64, peer: String = "ipv4:10.0.0.1:5000", authorization: String? = nil, method: StreamMethod = .act) {
        self.id = id
        self.method = method
        context = CallContext(authorization: authorization, peer: peer)
    }

    func reply(actions payload: ActionPayload, modelVersion: UInt64) -> Bool {
        guard case .discrete(let actions) = payload else { fatalError("the hub's tests serve discrete actions") }
        if method == .act {
            record(.action(ActionMessage(action: actions[0], modelVersion: modelVersion)))
        } else {
            record(.actions(Array(actions), modelVersion))
        }
        return true
    }
    func finish(_ code: StatusCode, _ message: String) { record(.finished(code, message)) }
    func cancel(_ code: StatusCode, _ message: String) { record(.cancelled(code, message)) }

    private func record(_ event: Event) {
        lock.withLock {
            events.append(event)
            lock.broadcast()
        }
    }

    /// The next event, waiting up to 10 s.
    func next() -> Event? {
        let deadline = MonotonicClock.now() + 10_000_000_000
        return lock.withLock {
            while events.isEmpty { if !lock.wait(until: deadline) && events.isEmpty { return nil } }
            return events.removeFirst()
        }
    }
}

/// The hub in-process: the per-stream logic and the batching path, with no transport
/// beneath (the same paths run over gRPC in the other tests).
final class StreamHubTests: XCTestCase {
    private func withHub(configure: (inout LearnerServerConfiguration) -> Void = { _ in },
                         _ body: (StreamHub) throws -> Void) throws {
        var configuration = LearnerServerConfiguration(spec: ServerFixture.cartPole, listenAddresses: [])
        configure(&configuration)
        let hub = try StreamHub(configuration: configuration, policy: ServerFixture.makePolicy(maxBatch: configuration.maxRowsPerBatch))
        hub.start()
        defer { hub.stop(keepingUnrolls: false) }
        try body(hub)
    }

    private func send(_ stream: ActStream, _ type: StepType, _ observation: [Float] = [0.1, 0.2, 0.3, 0.4], reward: Float = 0) {
        observation.withUnsafeBytes {
            stream.received(StepView(rawStepType: Int32(type.rawValue), reward: reward, discount: 1, observation: $0))
        }
    }

    func testEveryStreamIsAnsweredAndCounted() throws {
        try withHub { hub in
            let transports = (1...3).map { RecordingTransport(id: $0) }
            let streams = try transports.map { try hub.open($0).get() }
            for step in 0..<10 {
                for stream in streams { send(stream, step == 0 ? .first : .mid, reward: 1) }
                for transport in transports {
                    guard case .action(let action)? = transport.next() else { return XCTFail("no action") }
                    XCTAssertTrue((0..<2).contains(action.action))
                }
            }
            XCTAssertEqual(hub.stats().stepsServed, 30)
            XCTAssertEqual(hub.stats().envSteps, 27, "FIRST is a reset, not an env step")
            XCTAssertEqual(hub.stats().activeStreams, 3)
            streams.forEach { $0.closed() }
            XCTAssertEqual(hub.stats().activeStreams, 0)
        }
    }

    func testABadStepEndsOnlyItsOwnStream() throws {
        try withHub { hub in
            let bad = RecordingTransport(id: 1), good = RecordingTransport(id: 2)
            let badStream = try hub.open(bad).get(), goodStream = try hub.open(good).get()
            send(badStream, .mid)
            XCTAssertEqual(bad.next(), .finished(.invalidArgument, "the first Step of a stream must be FIRST, got MID"))
            send(goodStream, .first)
            guard case .action? = good.next() else { return XCTFail("the other stream is served") }
            XCTAssertEqual(hub.statistics.rejectedSteps, 1)
        }
    }

    func testAdmissionChecksTheTokenAndTheLimits() throws {
        try withHub(configure: { $0.token = "t"; $0.maxStreamsPerPeer = 1 }) { hub in
            XCTAssertEqual(hub.open(RecordingTransport(id: 1)).error?.code, .unauthenticated)
            XCTAssertNotNil(try? hub.open(RecordingTransport(id: 2, authorization: "Bearer t")).get())
            XCTAssertEqual(hub.open(RecordingTransport(id: 3, authorization: "Bearer t")).error?.message,
                           "peer ipv4:10.0.0.1 already holds 1 streams, its maximum (--max-streams-per-peer)")
            XCTAssertNotNil(try? hub.open(RecordingTransport(id: 4, peer: "ipv4:10.0.0.2:1", authorization: "Bearer t")).get(),
                            "another host has its own allowance")
            XCTAssertEqual(hub.statistics.authFailures, 1)
        }
    }
}

private extension Result {
    var error: Failure? { if case .failure(let error) = self { error } else { nil } }
}
