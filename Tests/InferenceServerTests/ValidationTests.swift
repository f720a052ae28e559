import Contract
import InferenceServer
import Wire
import XCTest

/// Each fault ends its own stream with INVALID_ARGUMENT and a message naming it, while
/// a neighbouring stream keeps being served.
final class ValidationTests: XCTestCase {
    private func assertFault(
        _ message: String, file: StaticString = #filePath, line: UInt = #line,
        _ provoke: (TestActClient) -> Void
    ) throws {
        try ServerFixture.withServer { fixture in
            let healthy = try fixture.client()
            healthy.roundTrip(.first)
            let faulty = try fixture.client()
            provoke(faulty)
            XCTAssertEqual(faulty.closedStatus(file: file, line: line), .some(RPCError(.invalidArgument, message)), file: file, line: line)
            for _ in 0..<3 { XCTAssertNotNil(healthy.roundTrip(.mid, reward: 1), file: file, line: line) }
            XCTAssertEqual(fixture.server.statistics.rejectedSteps, 1, file: file, line: line)
            XCTAssertTrue(eventually { fixture.server.stats().activeStreams == 1 }, "the faulty stream is freed", file: file, line: line)
        }
    }

    func testFirstStepMustBeFirst() throws {
        try assertFault("the first Step of a stream must be FIRST, got MID") { $0.send(.mid, observation: [0, 0, 0, 0]) }
    }

    func testStepAfterLastMustBeFirst() throws {
        try assertFault("a Step after LAST must be FIRST, got MID") { client in
            client.roundTrip(.first)
            client.roundTrip(.last, reward: 1, discount: 0)
            client.send(.mid, observation: [0, 0, 0, 0])
        }
    }

    func testUnspecifiedStepType() throws {
        try assertFault("step_type is STEP_TYPE_UNSPECIFIED; expected FIRST, MID or LAST") { client in
            client.sendRaw(type: 0, bytes: [UInt8](repeating: 0, count: 16))
        }
    }

    func testUnknownStepType() throws {
        try assertFault("step_type 7 is not a known StepType; expected FIRST (1), MID (2) or LAST (3)") { client in
            client.sendRaw(type: 7, bytes: [UInt8](repeating: 0, count: 16))
        }
    }

    func testWrongObservationLength() throws {
        try assertFault("observation has 12 bytes, expected 16 (shape [4] float32)") { client in
            client.send(.first, observation: [1, 2, 3])
        }
    }

    func testNonFiniteObservation() throws {
        try assertFault("observation element 2 is not finite (float32 observations must be)") { client in
            client.send(.first, observation: [1, 2, .nan, 4])
        }
    }

    func testNonFiniteReward() throws {
        try assertFault("reward is inf, must be finite") { client in
            client.roundTrip(.first)
            client.send(.mid, observation: [0, 0, 0, 0], reward: .infinity)
        }
    }

    /// Finite but huge: it would make every update it joins non-finite.
    func testRewardBeyondTheServersRange() throws {
        try assertFault("reward is 1e+30, beyond the server's range of ±1000000.0 (--max-abs-reward)") { client in
            client.roundTrip(.first)
            client.send(.mid, observation: [0, 0, 0, 0], reward: 1e30)
        }
    }

    func testObservationBeyondTheServersRange() throws {
        try assertFault("observation element 1 is -2e+07, beyond the server's range of ±1000000.0 (--max-abs-observation)") { client in
            client.send(.first, observation: [1, -2e7, 3, 4])
        }
    }

    /// The bounds are the operator's: with none, huge finite values are served.
    func testUnboundedValueLimitsServeHugeFiniteValues() throws {
        try ServerFixture.withServer(configure: { $0.valueLimits = ValueLimits(maxAbsReward: .infinity, maxAbsObservation: .infinity) }) { fixture in
            let client = try fixture.client()
            XCTAssertNotNil(client.roundTrip(.first, observation: [3e38, 0, 0, 0]))
            XCTAssertNotNil(client.roundTrip(.mid, reward: 3e38))
            XCTAssertEqual(fixture.server.statistics.rejectedSteps, 0)
        }
    }

    func testDiscountOutsideUnitInterval() throws {
        try assertFault("discount is 1.5, must be in [0, 1]") { client in
            client.roundTrip(.first)
            client.send(.mid, observation: [0, 0, 0, 0], discount: 1.5)
        }
    }

    func testNonFiniteDiscount() throws {
        try assertFault("discount is nan, must be in [0, 1]") { client in
            client.roundTrip(.first)
            client.send(.last, observation: [0, 0, 0, 0], discount: .nan)
        }
    }

    func testUndecodableMessage() throws {
        try ServerFixture.withServer { fixture in
            let healthy = try fixture.client()
            healthy.roundTrip(.first)
            let faulty = try fixture.client()
            faulty.stream.send(rawMessage: [0x0A, 0xFF, 0xFF, 0xFF])  // field 1 as a truncated length-delimited blob
            XCTAssertEqual(faulty.closedStatus(), .some(RPCError(.invalidArgument, "message could not be decoded as seedrl.v1.Step")))
            XCTAssertNotNil(healthy.roundTrip(.mid))
        }
    }

    func testFirstStepRewardAndDiscountAreIgnored() throws {
        try ServerFixture.withServer { fixture in
            let client = try fixture.client()
            XCTAssertNotNil(client.roundTrip(.first, reward: .nan, discount: 7))
        }
    }
}
