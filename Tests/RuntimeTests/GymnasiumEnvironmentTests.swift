import Contract
@testable import Runtime
import XCTest

/// `--env gym:ID`: names, the Spec of `seedrl-actor --describe` and the defaults by kind
/// (scripts/test-gym-train.sh runs the real actor).
final class GymnasiumEnvironmentTests: XCTestCase {
    func testNamesParse() {
        XCTAssertEqual(GymnasiumEnvironment.parse("gym:MinAtar/Breakout-v1")?.id, "MinAtar/Breakout-v1")
        XCTAssertEqual(GymnasiumEnvironment.parse("atari:Pong")?.kind, .atari)
        XCTAssertNil(GymnasiumEnvironment.parse("gym:"))
        XCTAssertNil(GymnasiumEnvironment.parse("cartpole"))
        let environment = GymnasiumEnvironment(kind: .gymnasium, id: "MinAtar/Breakout-v1", imports: ["minatar.gym"],
                                               spec: ObservationSpec(envName: "x", shape: [1], dtype: .float32, numActions: 2),
                                               rewardThreshold: nil)
        XCTAssertEqual(environment.directoryName, "gym-MinAtar-Breakout-v1")
        XCTAssertEqual(environment.actorArguments, ["--env", "MinAtar/Breakout-v1", "--import", "minatar.gym"])
    }

    func testDescribedSpecsParse() throws {
        let box = try XCTUnwrap(GymnasiumEnvironment.parseSpec(
            ["observation_shape": [3], "observation_dtype": "DTYPE_FLOAT32",
             "action_space": ["box": ["shape": [2], "low": [-2.0, "-Infinity"], "high": [2.0, "Infinity"]]]], name: "p"))
        XCTAssertEqual(box.action, .box(low: [-2, -.infinity], high: [2, .infinity]))
        let frames = try XCTUnwrap(GymnasiumEnvironment.parseSpec(
            ["observation_shape": [10, 10, 4], "observation_dtype": "DTYPE_UINT8", "action_space": ["discrete": ["n": 3]]], name: "b"))
        XCTAssertEqual(frames.shape, [10, 10, 4])
        XCTAssertEqual(frames.dtype, .uint8)
        XCTAssertEqual(frames.action, .discrete(3))
        XCTAssertNil(GymnasiumEnvironment.parseSpec(
            ["observation_shape": [0], "observation_dtype": "DTYPE_FLOAT32", "action_space": ["discrete": ["n": 3]]], name: "z"))
        XCTAssertNil(GymnasiumEnvironment.parseSpec(
            ["observation_shape": [4], "observation_dtype": "DTYPE_FLOAT32", "action_space": ["discrete": ["n": 0]]], name: "z"))
    }

    func testDefaultsFollowTheKindOfObservationAndAction() {
        func spec(_ shape: [Int], _ action: ActionSpec) -> ObservationSpec {
            ObservationSpec(envName: "x", shape: shape, dtype: shape.count == 3 ? .uint8 : .float32, action: action)
        }
        XCTAssertEqual(TaskDefaults.of(external: spec([84, 84, 4], .discrete(6))), .atariFrames)
        XCTAssertEqual(TaskDefaults.of(external: spec([10, 10, 4], .discrete(3))), .minatarFrames)
        XCTAssertEqual(TaskDefaults.of(external: spec([17], .box(low: [-1], high: [1]))), .continuousControl)
        XCTAssertEqual(TaskDefaults.of(external: spec([4], .discrete(2))), TaskDefaults())
        XCTAssertEqual(TaskDefaults.of(.minatarSeaquest), .minatarFrames)
    }
}
