@testable import InferenceServer
import Wire
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
                "no Step for more than 0.3 s; the stream was idle (--stream-idle-secs)")))
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

    func testPeerHostDropsThePort() {
        XCTAssertEqual(LearnerServer.host(ofPeer: "ipv4:10.0.0.2:53122"), "ipv4:10.0.0.2")
        XCTAssertEqual(LearnerServer.host(ofPeer: "ipv6:[::1]:5000"), "ipv6:[::1]")
        XCTAssertEqual(LearnerServer.host(ofPeer: "unix:/tmp/s.sock"), "unix:/tmp/s.sock")
    }
}
