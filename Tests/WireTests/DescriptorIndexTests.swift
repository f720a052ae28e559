@testable import Wire
import XCTest

/// Server reflection's index of the contract, read from the generated descriptors.
final class DescriptorIndexTests: XCTestCase {
    func testServicesAreTheContractsAndTheProbes() {
        XCTAssertEqual(DescriptorIndex.builtIn.services,
                       ["grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "seedrl.v1.Learner"])
    }

    func testSymbolsFindTheirFile() {
        let index = DescriptorIndex.builtIn
        for symbol in ["seedrl.v1.Learner", "seedrl.v1.Learner.ActBatch", "seedrl.v1.StepBatch", "seedrl.v1.Step.observation"] {
            XCTAssertEqual(index.file(containing: symbol)?.name, "seedrl/v1/learner.proto", symbol)
        }
        XCTAssertEqual(index.file(containing: "grpc.health.v1.HealthCheckResponse.ServingStatus")?.name, "grpc/health/v1/health.proto")
        XCTAssertEqual(index.file(containing: "grpc.reflection.v1.ServerReflection.ServerReflectionInfo")?.name,
                       "grpc/reflection/v1/reflection.proto")
        XCTAssertNil(index.file(containing: "seedrl.v1.NoSuchMessage"))
        XCTAssertNil(index.file(containing: "seedrl.v1"))
        XCTAssertEqual(index.file(named: "seedrl/v1/learner.proto")?.bytes.first, 0x0A)
        XCTAssertNil(index.file(named: "learner.proto"))
    }
}
