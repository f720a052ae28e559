#if canImport(Glibc)
import Glibc
#endif
import LearnerLoop
import XCTest

final class CheckpointTests: XCTestCase {
    private func sample() -> Checkpoint {
        let architecture = ModelArchitecture(
            observation: ObservationFormat(shape: [4], elementType: .float32), hiddenSizes: [8], numActions: 2)
        var optimizer = Optimizer(settings: OptimizerSettings(), parameterCount: architecture.layout.count)
        var parameters = ParameterInitializer.initialValues(for: architecture, seed: 1)
        let gradient = [Float](repeating: 0.1, count: parameters.count)
        optimizer.apply(gradient: gradient, to: &parameters, learningRate: 0.01)
        return Checkpoint(envName: "CartPole", architecture: architecture, version: 42, framesTrained: 12_345,
                          parameters: parameters, optimizer: optimizer)
    }

    func testRoundTripsThroughAnAtomicFile() throws {
        let path = "/tmp/seedrl-checkpoint-test-\(getpid()).bin"
        defer { unlink(path) }
        let checkpoint = sample()
        try checkpoint.write(to: path)
        XCTAssertEqual(try Checkpoint.read(from: path), checkpoint)
        XCTAssertEqual(access("\(path).tmp.\(getpid())", F_OK), -1, "no temporary file is left behind")
    }

    func testCorruptionTruncationAndOtherVersionsAreRefusedClearly() {
        var bytes = sample().encoded()
        bytes[40] ^= 0xFF
        XCTAssertThrowsError(try Checkpoint(decoding: bytes)) {
            XCTAssertEqual("\($0)", "checksum mismatch (truncated or corrupted)")
        }
        XCTAssertThrowsError(try Checkpoint(decoding: Array(sample().encoded().dropLast(9)))) {
            XCTAssertEqual("\($0)", "checksum mismatch (truncated or corrupted)")
        }
        XCTAssertThrowsError(try Checkpoint(decoding: Array("not a checkpoint at all".utf8))) {
            XCTAssertEqual("\($0)", "not a seedrl checkpoint (bad magic)")
        }
        var future = sample().encoded().dropLast(4).map { $0 }
        future[8] = 9  // format version 9
        future += withUnsafeBytes(of: CRC32.checksum(future).littleEndian) { Array($0) }
        XCTAssertThrowsError(try Checkpoint(decoding: future)) {
            XCTAssertEqual("\($0)", "format version 9 is not supported (this build reads 1)")
        }
    }

    func testCRC32KnownValue() {
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)
    }
}
