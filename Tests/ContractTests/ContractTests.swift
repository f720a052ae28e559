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
