import Contract
@testable import Wire
internal import CGRPC
import XCTest

final class CodecTests: XCTestCase {
    private func bytes(of buffer: Codec.ByteBuffer) -> [UInt8] {
        defer { grpc_byte_buffer_destroy(buffer) }
        return Codec.withContiguousBytes(buffer, scratch: nil) { Array($0) } ?? []
    }

    func testStepRoundTripsThroughTheArena() {
        let observation: [Float] = [1, -2, 3.5, 0]
        let encoded = observation.withUnsafeBytes {
            bytes(of: Codec.encodeStep(stepType: 2, reward: 0.5, discount: 1, observation: $0))
        }
        let arena = MessageArena(capacity: 256)
        let step = encoded.withUnsafeBytes { Codec.decodeStep($0, arena: arena) }
        XCTAssertEqual(step?.stepType, .mid)
        XCTAssertEqual(step?.reward, 0.5)
        XCTAssertEqual(step?.discount, 1)
        XCTAssertEqual(step.map { Array($0.observation.bindMemory(to: Float.self)) }, observation)
    }

    func testStepLargerThanTheArenaFailsToDecodeInsteadOfAllocating() {
        let observation = [UInt8](repeating: 9, count: 1000)
        let encoded = observation.withUnsafeBytes {
            bytes(of: Codec.encodeStep(stepType: 1, reward: 0, discount: 1, observation: $0))
        }
        let arena = MessageArena(capacity: 512)
        XCTAssertNil(encoded.withUnsafeBytes { Codec.decodeStep($0, arena: arena) })
    }

    func testSpecAndStatsRoundTrip() {
        let spec = SpecMessage(env: "CartPole", observationShape: [84, 84, 4], observationDType: .uint8, numActions: 6, modelVersion: 9)
        XCTAssertEqual(bytes(of: Codec.encode(spec)).withUnsafeBytes { Codec.decodeSpec($0) }, spec)
        var stats = StatsMessage()
        stats.stepsServed = 123
        stats.activeStreams = 4
        stats.meanEpisodeReturn = 21.5
        stats.meanBatchSize = 3.25
        stats.envSteps = 100
        stats.skippedUpdates = 2
        stats.authFailures = 7
        XCTAssertEqual(bytes(of: Codec.encode(stats)).withUnsafeBytes { Codec.decodeStats($0) }, stats)
    }

    func testActionRoundTrip() {
        let action = ActionMessage(action: 5, modelVersion: 1 << 40)
        let arena = MessageArena(capacity: 256)
        XCTAssertEqual(bytes(of: Codec.encode(action)).withUnsafeBytes { Codec.decodeAction($0, arena: arena) { $0.owned } }, action)
    }

    func testBoxAndMultiDiscreteActionsRoundTrip() {
        let arena = MessageArena(capacity: 256)
        for action in [ActionMessage(action: 0, modelVersion: 3, continuous: [0.5, -1.25, 2]),
                       ActionMessage(action: 0, modelVersion: 4, discrete: [2, 0, 7])] {
            XCTAssertEqual(bytes(of: Codec.encode(action)).withUnsafeBytes { Codec.decodeAction($0, arena: arena) { $0.owned } }, action)
        }
        let unterminatedVarint: [UInt8] = [0xff, 0xff, 0xff, 0xff]
        XCTAssertNil(unterminatedVarint.withUnsafeBytes { Codec.decodeAction($0, arena: arena) { $0.owned } })
    }

    func testStatusCodeNames() {
        XCTAssertEqual(StatusCode.invalidArgument.description, "INVALID_ARGUMENT")
        XCTAssertEqual(StatusCode(rawValue: 99).description, "CODE_99")
    }
}
