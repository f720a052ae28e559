import Contract
@testable import InferenceServer
import Wire
import Replay
import XCTest

final class LimitsAndAuthTests: XCTestCase {
    func testStreamsBeyondMaxStreamsAreRefusedWithResourceExhausted() throws {
        try ServerFixture.withServer(configure: { $0.maxStreams = 2 }) { fixture in
            let first = try fixture.client(), second = try fixture.client()
            first.roundTrip(.first)
            second.roundTrip(.first)
            let third = try fixture.client()
            third.send(.first, observation: [0, 0, 0, 0])
            XCTAssertEqual(third.closedStatus(), .some(RPCError(.resourceExhausted, "server is serving its maximum of 2 streams (--max-streams)")))
            XCTAssertNotNil(first.roundTrip(.mid))
            // A slot frees when a stream ends.
            second.stream.closeSend()
            _ = second.closedStatus()
            XCTAssertTrue(eventually { fixture.server.stats().activeStreams == 1 })
            let fourth = try fixture.client()
            XCTAssertNotNil(fourth.roundTrip(.first))
        }
    }

    func testOversizedMessageIsRefusedWithResourceExhausted() throws {
        try ServerFixture.withServer { fixture in
            let healthy = try fixture.client()
            healthy.roundTrip(.first)
            let faulty = try fixture.client()
            faulty.send(.first, observation: [Float](repeating: 0, count: 100_000))
            guard case .some(let error?) = faulty.closedStatus() else { return XCTFail("expected an error status") }
            XCTAssertEqual(error.code, .resourceExhausted)
            XCTAssertTrue(error.message.contains("larger than max"), error.message)
            XCTAssertNotNil(healthy.roundTrip(.mid))
        }
    }

    func testTokenRequiredOnEveryRPC() throws {
        try ServerFixture.withServer(configure: { $0.token = "s3cret" }) { fixture in
            // Missing.
            let missing = try fixture.client()
            missing.send(.first, observation: [0, 0, 0, 0])
            XCTAssertEqual(missing.closedStatus(), .some(RPCError(.unauthenticated,
                "missing authorization metadata; send 'authorization: Bearer <token>'")))
            XCTAssertThrowsError(try fixture.channel.getSpec()) { XCTAssertEqual(($0 as? RPCError)?.code, .unauthenticated) }
            XCTAssertThrowsError(try fixture.channel.getStats()) { XCTAssertEqual(($0 as? RPCError)?.code, .unauthenticated) }
            // Wrong (same length, and a prefix).
            for wrong in ["s3creT", "s3cre", "s3cret2"] {
                let client = try fixture.client(token: wrong)
                client.send(.first, observation: [0, 0, 0, 0])
                XCTAssertEqual(client.closedStatus(), .some(RPCError(.unauthenticated, "invalid bearer token")), wrong)
            }
            // Present.
            let authorized = try fixture.client(token: "s3cret")
            XCTAssertNotNil(authorized.roundTrip(.first))
            let channel = WireChannel(target: fixture.target, token: "s3cret")
            XCTAssertEqual(try channel.getSpec().numActions, 2)
            // Every refusal is counted (one stream and two calls without a token, three wrong).
            XCTAssertEqual(try channel.getStats().authFailures, 6)
        }
    }

    func testBearerTokenCheck() {
        let token = BearerToken("abc")
        XCTAssertNil(token.check("Bearer abc"))
        XCTAssertEqual(token.check(nil)?.code, .unauthenticated)
        XCTAssertEqual(token.check("Bearer abd")?.message, "invalid bearer token")
        XCTAssertEqual(token.check("abc")?.message, "invalid bearer token")
        XCTAssertEqual(token.check("")?.message, "invalid bearer token")
    }
}

final class StreamLimitTests: XCTestCase {
    func testAnIdleStreamIsEndedWithDeadlineExceededAndFreed() throws {
        try ServerFixture.withServer(configure: { $0.streamIdleSeconds = 0.3 }) { fixture in
            let idle = try fixture.client()
            idle.roundTrip(.first)
            let busy = try fixture.client()
            busy.roundTrip(.first)
            for _ in 0..<40 {  // 40 × ≥10 ms: well past the limit, while `idle` stays silent
                XCTAssertNotNil(busy.roundTrip(.mid))
                usleep(10_000)
            }
            XCTAssertEqual(idle.closedStatus(), .some(RPCError(.deadlineExceeded,
                "no Step for more than 0.3 s; the stream was idle (--stream-idle-seconds)")))
            XCTAssertTrue(eventually { fixture.server.stats().activeStreams == 1 })
            XCTAssertNotNil(busy.roundTrip(.mid), "a stream that keeps stepping is not touched")
        }
    }

    func testStreamsPerPeerAreLimited() throws {
        try ServerFixture.withServer(configure: { $0.maxStreamsPerPeer = 2 }) { fixture in
            let first = try fixture.client(), second = try fixture.client()
            first.roundTrip(.first)
            second.roundTrip(.first)
            let third = try fixture.client()
            third.send(.first, observation: [0, 0, 0, 0])
            XCTAssertEqual(third.closedStatus()??.code, .resourceExhausted)
            second.stream.cancel()
            _ = second.closedStatus()
            XCTAssertTrue(eventually { fixture.server.stats().activeStreams == 1 })
            XCTAssertNotNil(try fixture.client().roundTrip(.first), "the peer's slot is free again")
        }
    }

    func testPeerHostDropsThePortAndCountsAnIPv6SlashSixtyFourAsOneHost() {
        XCTAssertEqual(PeerHost.of(peer: "ipv4:10.0.0.2:53122"), "ipv4:10.0.0.2")
        XCTAssertEqual(PeerHost.of(peer: "ipv6:[::1]:5000"), "ipv6:[::]/64")
        XCTAssertEqual(PeerHost.of(peer: "ipv6:[2001:db8:1:2:aaaa:bbbb:cccc:dddd]:5000"), "ipv6:[2001:db8:1:2::]/64")
        XCTAssertEqual(PeerHost.of(peer: "ipv6:[2001:db8:1:2::7]:6000"), "ipv6:[2001:db8:1:2::]/64", "same /64, same host")
        XCTAssertNotEqual(PeerHost.of(peer: "ipv6:[2001:db8:1:3::7]:6000"), "ipv6:[2001:db8:1:2::]/64")
        XCTAssertEqual(PeerHost.of(peer: "ipv6:[::ffff:10.0.0.2]:5000"), "ipv4:10.0.0.2", "an IPv4-mapped peer is its IPv4 host")
        XCTAssertEqual(PeerHost.of(peer: "unix:/tmp/s.sock"), "unix:/tmp/s.sock")
        XCTAssertEqual(PeerHost.of(peer: "ipv6:[not an address]:1"), "ipv6:[not an address]:1")
    }

    func testTheDefaultPerPeerLimitIsOnAndBelowTheServerLimit() {
        let configuration = LearnerServerConfiguration(spec: ServerFixture.cartPole, listenAddresses: [])
        XCTAssertEqual(configuration.maxStreamsPerPeer, 1024)
        XCTAssertLessThan(configuration.maxStreamsPerPeer!, configuration.maxStreams)
    }

    /// Per-stream memory is taken at a stream's first Step, not when it opens, and given
    /// back when it closes; beyond the budget a stream is refused, not the server harmed.
    func testStreamMemoryIsTakenAtTheFirstStepAndBounded() throws {
        // A CartPole stream: its 16-byte input row and an unroll of 21 timesteps.
        let perStream = 16 + Unroll.storageBytes(length: 20, observationBytes: 16, actionWidth: 1)
        try ServerFixture.withServer(configure: {
            $0.recording = .init(unrollLength: 20, queue: UnrollQueue(capacity: 64, policy: .dropOldest), returnDiscount: 1)
            $0.maxStreamMemoryBytes = perStream + perStream / 2
        }) { fixture in
            let invalid = try fixture.client()
            invalid.send(.mid, observation: [0, 0, 0, 0])
            XCTAssertEqual(invalid.closedStatus()??.code, .invalidArgument)
            XCTAssertEqual(fixture.server.streamMemoryInUse, 0, "a stream refused at its first Step never held memory")
            let first = try fixture.client()
            XCTAssertNotNil(first.roundTrip(.first))
            XCTAssertEqual(fixture.server.streamMemoryInUse, perStream)
            let second = try fixture.client()
            second.send(.first, observation: [0, 0, 0, 0])
            XCTAssertEqual(second.closedStatus(), .some(RPCError(.resourceExhausted,
                "the server's stream memory (1 KiB, --max-stream-memory-mb) is in use by other streams")))
            XCTAssertNotNil(first.roundTrip(.mid), "the stream holding the memory is served on")
            first.stream.cancel()
            _ = first.closedStatus()
            XCTAssertTrue(eventually { fixture.server.streamMemoryInUse == 0 }, "a closed stream gives its memory back")
            XCTAssertNotNil(try fixture.client().roundTrip(.first))
        }
    }
}
