import Contract
import XCTest

final class ContractTests: XCTestCase {
    func testStepTypesAreNumberedAsOnTheWire() {
        XCTAssertEqual(StepType(wire: 1), .first)
        XCTAssertEqual(StepType(wire: 3), .last)
        XCTAssertNil(StepType(wire: 0), "unspecified")
        XCTAssertNil(StepType(wire: 4))
        XCTAssertNil(StepType(wire: 257), "not truncated to a byte")
        XCTAssertEqual("\(StepType.mid)", "MID")
    }

    func testASpecKnowsItsSizeAndName() {
        let frames = ObservationSpec(envName: "Pong", shape: [84, 84, 4], dtype: .uint8, numActions: 6)
        XCTAssertEqual(frames.byteCount, 28_224)
        XCTAssertEqual(frames.shapeDescription, "[84, 84, 4] uint8")
        let floats = ObservationSpec(envName: "CartPole", shape: [4], dtype: .float32, numActions: 2)
        XCTAssertEqual(floats.byteCount, 16)
        XCTAssertEqual(DType.unspecified.byteSize, 0)
    }

    func testCompatibilityIgnoresTheName() {
        let served = ObservationSpec(envName: "external", shape: [4], dtype: .float32, numActions: 2)
        XCTAssertTrue(served.isCompatible(with: ObservationSpec(envName: "CartPole", shape: [4], dtype: .float32, numActions: 2)))
        XCTAssertFalse(served.isCompatible(with: ObservationSpec(envName: "x", shape: [4], dtype: .uint8, numActions: 2)))
        XCTAssertFalse(served.isCompatible(with: ObservationSpec(envName: "x", shape: [4], dtype: .float32, numActions: 3)))
    }
}

final class ActionSpecTests: XCTestCase {
    func testWidthsDescriptionsAndProblems() {
        XCTAssertEqual(ActionSpec.discrete(6).width, 1)
        XCTAssertEqual(ActionSpec.box(low: [-1, -1], high: [1, 1]).width, 2)
        XCTAssertEqual(ActionSpec.multiDiscrete([3, 2, 2]).width, 3)
        XCTAssertEqual(ActionSpec.discrete(6).description, "discrete(6)")
        XCTAssertEqual(ActionSpec.box(low: [-2], high: [2]).description, "box[1] in [-2, 2]")
        XCTAssertEqual(ActionSpec.box(low: [-1, 0], high: [1, .infinity]).description, "box[2] in [-1, 1], [0, inf]")
        XCTAssertEqual(ActionSpec.multiDiscrete([3, 2]).description, "multi-discrete[3, 2]")
        XCTAssertNil(ActionSpec.box(low: [-.infinity], high: [.infinity]).problem, "unbounded is allowed")
        XCTAssertNotNil(ActionSpec.discrete(0).problem)
        XCTAssertNotNil(ActionSpec.box(low: [1], high: [0]).problem)
        XCTAssertNotNil(ActionSpec.box(low: [.nan], high: [0]).problem)
        XCTAssertNotNil(ActionSpec.box(low: [], high: []).problem)
        XCTAssertNotNil(ActionSpec.multiDiscrete([2, 0]).problem)
    }

    func testContainsChecksIndicesAndBounds() {
        func contains(_ spec: ActionSpec, _ row: [Float]) -> Bool { row.withUnsafeBufferPointer { spec.contains($0) } }
        XCTAssertTrue(contains(.discrete(3), [2]))
        XCTAssertFalse(contains(.discrete(3), [3]))
        XCTAssertFalse(contains(.discrete(3), [-1]))
        XCTAssertFalse(contains(.discrete(3), [1.5]))
        XCTAssertTrue(contains(.box(low: [-2], high: [2]), [2]))
        XCTAssertFalse(contains(.box(low: [-2], high: [2]), [2.001]))
        XCTAssertFalse(contains(.box(low: [-.infinity], high: [.infinity]), [.infinity]), "values sent are finite")
        XCTAssertFalse(contains(.box(low: [-2], high: [2]), [.nan]))
        XCTAssertTrue(contains(.multiDiscrete([3, 2]), [2, 1]))
        XCTAssertFalse(contains(.multiDiscrete([3, 2]), [2, 2]))
        XCTAssertFalse(contains(.multiDiscrete([3, 2]), [2]), "one value per dimension")
    }
}
