import Contract
@testable import InferenceServer
import Replay
import Wire
import XCTest

/// ActBatch over real gRPC: every rule of the contract, each error naming its lane, and a
/// lane being to the learner exactly what an Act stream is.
final class ActBatchTests: XCTestCase {
    func testEveryMessageIsAnsweredWithOneActionPerLaneAndLanesAreCounted() throws {
        try ServerFixture.withServer { fixture in
            let client = try fixture.batchClient(lanes: 4)
            let first = try XCTUnwrap(client.roundTrip([.first, .first, .first, .first]))
            XCTAssertEqual(first.count, 4)
            XCTAssertTrue(first.allSatisfy { (0..<2).contains($0) })
            XCTAssertEqual(client.roundTrip([.mid, .mid, .last, .mid], rewards: [1, 1, 1, 1])?.count, 4)
            XCTAssertEqual(client.roundTrip([.mid, .mid, .first, .mid])?.count, 4, "after LAST comes FIRST, lane by lane")
            let stats = fixture.server.stats()
            XCTAssertEqual(stats.activeStreams, 4, "each lane counts as one stream")
            XCTAssertEqual(stats.stepsServed, 12, "lane steps")
            XCTAssertEqual(stats.envSteps, 7, "MID and LAST lanes")
            XCTAssertEqual(stats.episodesCompleted, 1)
            XCTAssertEqual(try fixture.channel.getSpec().maxLanes, 256)
            client.stream.cancel()
            _ = client.closedStatus()
            XCTAssertTrue(eventually { fixture.server.stats().activeStreams == 0 })
        }
    }

    /// Repeated fields may arrive unpacked (one tag per value: valid protobuf, what some
    /// encoders write); at the server's 256 lanes that is the largest valid message and its
    /// decoding the most memory: it must be served like the packed one.
    func testUnpackedRepeatedFieldsAtTheMostLanesAreServed() throws {
        try ServerFixture.withServer { fixture in
            let lanes = 256
            let client = try fixture.batchClient(lanes: lanes)
            func unpacked(_ type: UInt8) -> [UInt8] {
                var message: [UInt8] = []
                for _ in 0..<lanes { message += [0x08, type] }                                  // step_types, varint
                for _ in 0..<lanes { message += [0x15] + withUnsafeBytes(of: Float(1).bitPattern.littleEndian, Array.init) }  // rewards
                for _ in 0..<lanes { message += [0x1D] + withUnsafeBytes(of: Float(1).bitPattern.littleEndian, Array.init) }  // discounts
                let observations = [UInt8](repeating: 0, count: lanes * 16)
                var length = observations.count
                message.append(0x22)
                while length >= 0x80 { message.append(UInt8(length & 0x7F) | 0x80); length >>= 7 }
                return message + [UInt8(length)] + observations
            }
            XCTAssertTrue(client.stream.send(rawMessage: unpacked(1)))
            guard case .actions(let first, _)? = client.next() else { return XCTFail("expected an ActionBatch") }
            XCTAssertEqual(first.count, lanes)
            XCTAssertTrue(client.stream.send(rawMessage: unpacked(2)))
            guard case .actions(let second, _)? = client.next() else { return XCTFail("expected an ActionBatch") }
            XCTAssertEqual(second.count, lanes)
            XCTAssertEqual(fixture.server.statistics.rejectedSteps, 0)
        }
    }

    func testTheFirstMessageFixesTheLaneCountWithinTheServersMaximum() throws {
        try ServerFixture.withServer(configure: { $0.maxLanes = 4 }) { fixture in
            let tooMany = try fixture.batchClient(lanes: 5)
            tooMany.send(Array(repeating: .first, count: 5))
            XCTAssertEqual(tooMany.closedStatus(), .some(RPCError(.invalidArgument,
                "5 lanes exceed the server's maximum of 4 (Spec.max_lanes, --max-lanes)")))
            let none = try fixture.batchClient(lanes: 1)
            none.send(types: [], observations: [])
            XCTAssertEqual(none.closedStatus(), .some(RPCError(.invalidArgument,
                "a StepBatch needs at least one lane (one step_type per lane)")))
            let changing = try fixture.batchClient(lanes: 3)
            XCTAssertNotNil(changing.roundTrip([.first, .first]))
            changing.send([.mid, .mid, .mid])
            XCTAssertEqual(changing.closedStatus()??.message, "expected 2 step_types, one per lane, got 3")
        }
    }

    func testFieldsMustHoldOneValuePerLane() throws {
        try ServerFixture.withServer { fixture in
            let rewards = try fixture.batchClient(lanes: 3)
            rewards.send(types: [1, 1, 1], rewards: [0, 0], observations: Array(repeating: 0, count: 12))
            XCTAssertEqual(rewards.closedStatus()??.message, "expected 3 rewards, one per lane, got 2")
            let observations = try fixture.batchClient(lanes: 3)
            observations.send(types: [1, 1, 1], observations: Array(repeating: 0, count: 11))
            XCTAssertEqual(observations.closedStatus(), .some(RPCError(.invalidArgument,
                "observations hold 44 bytes, expected 48 (3 lanes of 16, shape [4] float32)")))
        }
    }

    func testALaneThatBreaksActsRulesIsNamedAndOtherStreamsGoOn() throws {
        try ServerFixture.withServer { fixture in
            let act = try fixture.client()
            XCTAssertNotNil(act.roundTrip(.first))
            let client = try fixture.batchClient(lanes: 4)
            XCTAssertNotNil(client.roundTrip([.first, .first, .first, .first]))
            XCTAssertNotNil(client.roundTrip([.mid, .mid, .mid, .last]))
            client.send([.mid, .mid, .mid, .mid])
            XCTAssertEqual(client.closedStatus(), .some(RPCError(.invalidArgument, "lane 3: a Step after LAST must be FIRST, got MID")))
            let early = try fixture.batchClient(lanes: 3)
            early.send([.first, .first, .mid])
            XCTAssertEqual(early.closedStatus(), .some(RPCError(.invalidArgument, "lane 2: the first Step of a stream must be FIRST, got MID")))
            let unknown = try fixture.batchClient(lanes: 2)
            unknown.send(types: [1, 9], observations: Array(repeating: 0, count: 8))
            XCTAssertEqual(unknown.closedStatus()??.message,
                           "lane 1: step_type 9 is not a known StepType; expected FIRST (1), MID (2) or LAST (3)")
            let nan = try fixture.batchClient(lanes: 2)
            XCTAssertNotNil(nan.roundTrip([.first, .first]))
            nan.send(types: [2, 2], rewards: [0, .nan], observations: Array(repeating: 0, count: 8))
            XCTAssertEqual(nan.closedStatus()??.message, "lane 1: reward is nan, must be finite")
            XCTAssertNotNil(act.roundTrip(.mid), "the Act stream is served on")
        }
    }

    func testEachLaneCountsAgainstTheStreamLimits() throws {
        try ServerFixture.withServer(configure: { $0.maxStreams = 4 }) { fixture in
            let three = try fixture.batchClient(lanes: 3)
            XCTAssertNotNil(three.roundTrip([.first, .first, .first]))
            let act = try fixture.client()
            XCTAssertNotNil(act.roundTrip(.first), "three lanes and one Act stream: four")
            let two = try fixture.batchClient(lanes: 2)
            two.send([.first, .first])
            XCTAssertEqual(two.closedStatus()??.code, .resourceExhausted)
            XCTAssertEqual(fixture.server.stats().activeStreams, 4)
        }
        try ServerFixture.withServer(configure: { $0.maxStreamsPerPeer = 3 }) { fixture in
            let four = try fixture.batchClient(lanes: 4)
            four.send([.first, .first, .first, .first])
            XCTAssertEqual(four.closedStatus()??.code, .resourceExhausted, "four lanes from one peer with a limit of three")
            XCTAssertTrue(eventually { fixture.server.stats().activeStreams == 0 })
            XCTAssertNotNil(try fixture.batchClient(lanes: 3).roundTrip([.first, .first, .first]))
        }
    }

    /// Each lane has its own unroll: the server records 3 lanes × 2 unrolls from one stream,
    /// each holding only its lane's rewards.
    func testEveryLaneRecordsItsOwnTrajectory() throws {
        let queue = UnrollQueue(capacity: 16, policy: .block)
        try ServerFixture.withServer(configure: { $0.recording = .init(unrollLength: 2, queue: queue, returnDiscount: 1) }) { fixture in
            let client = try fixture.batchClient(lanes: 3)
            XCTAssertNotNil(client.roundTrip([.first, .first, .first]))
            for step in 1...4 {
                let rewards = (0..<3).map { Float(10 * $0 + step) }
                XCTAssertNotNil(client.roundTrip([.mid, .mid, .mid], rewards: rewards))
            }
            let unrolls = try XCTUnwrap(queue.pop(6))
            for lane in 0..<3 {
                let own = unrolls.filter { $0.rewards.contains(Float(10 * lane + 1)) || $0.rewards.contains(Float(10 * lane + 3)) }
                XCTAssertEqual(own.count, 2, "lane \(lane)")
                for unroll in own { XCTAssertTrue(unroll.rewards.allSatisfy { $0 == 0 || Int($0) / 10 == lane }, "lane \(lane): \(unroll.rewards)") }
            }
        }
    }

    /// A message of many lanes goes through inference as that many rows.
    func testBatchesCountRows() throws {
        try ServerFixture.withServer { fixture in
            let client = try fixture.batchClient(lanes: 16)
            XCTAssertNotNil(client.roundTrip(Array(repeating: .first, count: 16)))
            XCTAssertNotNil(client.roundTrip(Array(repeating: .mid, count: 16)))
            XCTAssertEqual(fixture.server.stats().meanBatchSize, 16)
        }
    }
}
