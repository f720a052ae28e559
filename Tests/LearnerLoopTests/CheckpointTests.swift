import Files
import Contract
#if canImport(Glibc)
import Glibc
#endif
@testable import LearnerLoop
@testable import Model
import XCTest

final class CheckpointTests: XCTestCase {
    private func sample(lstmSize: Int? = nil) -> Checkpoint {
        let architecture = ModelArchitecture(
            observation: ObservationFormat(shape: [4], dtype: .float32), hiddenSizes: [8], numActions: 2, lstmSize: lstmSize)
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
        future += withUnsafeBytes(of: CRC32.ieee.checksum(future).littleEndian) { Array($0) }
        XCTAssertThrowsError(try Checkpoint(decoding: future)) {
            XCTAssertEqual("\($0)", "format version 9 is not supported (this build reads 1 to \(Checkpoint.formatVersion))")
        }
    }

    /// An LSTM model's checkpoint carries the core (its size and parameters); a format-1
    /// checkpoint (written before cores existed: no size field) still reads, as an MLP.
    func testAnLSTMCheckpointRoundTripsAndFormatOneStillReads() throws {
        let recurrent = sample(lstmSize: 5)
        let decoded = try Checkpoint(decoding: recurrent.encoded())
        XCTAssertEqual(decoded, recurrent)
        XCTAssertEqual(decoded.architecture.lstmSize, 5)
        XCTAssertEqual(decoded.parameters.count, decoded.architecture.layout.count)

        // Format 2 = format 3 without the 4-byte torso kind after the core size; format 1
        // also without the 8-byte core size after the hidden sizes.
        let mlp = sample()
        let coreField = 8 + 4 + 4 + "CartPole".utf8.count + 4 + 8 + 4 + 4 + 8  // magic, format, name, shape [4], dtype, hidden [8]
        XCTAssertEqual(try Checkpoint(decoding: mlp.encoded(format: 3)), mlp, "format 3 still reads")
        var formatTwo = mlp.encoded(format: 3).dropLast(4).map { $0 }
        formatTwo[8] = 2
        XCTAssertEqual(Array(formatTwo[(coreField + 8)..<(coreField + 12)]), [0, 0, 0, 0], "torso 0: the MLP")
        formatTwo.removeSubrange((coreField + 8)..<(coreField + 12))
        var formatOne = formatTwo
        formatOne[8] = 1
        XCTAssertEqual(Array(formatOne[coreField..<(coreField + 8)]), [UInt8](repeating: 0, count: 8))
        formatOne.removeSubrange(coreField..<(coreField + 8))
        for var bytes in [formatOne, formatTwo] {
            bytes += withUnsafeBytes(of: CRC32.ieee.checksum(bytes).littleEndian) { Array($0) }
            let old = try Checkpoint(decoding: bytes)
            XCTAssertNil(old.lstmSize)
            XCTAssertEqual(old.torso, .mlp)
            XCTAssertEqual(old.parameters, mlp.parameters)
        }
    }

    /// A conv torso's checkpoint carries the torso's kind; a kind the frames are too small
    /// for is refused, not trapped on.
    func testAConvTorsoCheckpointRoundTrips() throws {
        let architecture = ModelArchitecture(observation: ObservationFormat(shape: [10, 10, 4], dtype: .uint8), torso: .minatar,
                                             hiddenSizes: [], numActions: 6)
        let parameters = ParameterInitializer.initialValues(for: architecture, seed: 3)
        var checkpoint = Checkpoint(envName: "MinAtar/Breakout", architecture: architecture, version: 7, framesTrained: 70,
                                    parameters: parameters, optimizer: Optimizer(settings: OptimizerSettings(), parameterCount: parameters.count))
        let decoded = try Checkpoint(decoding: checkpoint.encoded())
        XCTAssertEqual(decoded, checkpoint)
        XCTAssertEqual(decoded.architecture, architecture)
        checkpoint.torso = .nature  // 10×10 frames cannot take an 8×8/4 then 4×4/2 conv
        XCTAssertThrowsError(try Checkpoint(decoding: checkpoint.encoded())) {
            XCTAssertEqual("\($0)", "frames of 10×10 are too small for the nature torso")
        }
    }
}

extension CheckpointTests {
    /// Format 4 names the torso, core, head and algorithm: the file says what it holds, in
    /// words, and a name this build does not know is refused with the ones it does.
    func testFormatFourNamesItsPartsAndRefusesUnknownNames() throws {
        let architecture = ModelArchitecture(observation: ObservationFormat(shape: [10, 10, 4], dtype: .uint8), torso: .minatar,
                                             hiddenSizes: [], numActions: 6, lstmSize: 8)
        let parameters = ParameterInitializer.initialValues(for: architecture, seed: 3)
        let checkpoint = Checkpoint(envName: "MinAtar/Breakout", architecture: architecture, version: 7, framesTrained: 70,
                                    parameters: parameters, optimizer: Optimizer(settings: OptimizerSettings(), parameterCount: parameters.count))
        let bytes = checkpoint.encoded()
        for name in ["minatar", "lstm", "categorical", "vtrace"] {
            XCTAssertNotNil(bytes.firstRange(of: Array(name.utf8)), "\(name) is in the file")
        }
        XCTAssertEqual(try Checkpoint(decoding: bytes), checkpoint)
        XCTAssertEqual(try Checkpoint(decoding: checkpoint.encoded(format: 3)).torso, .minatar, "format 3's index still reads")
        func replacing(_ old: String, with new: String) -> [UInt8] {
            var body = Array(bytes.dropLast(4))
            let range = body.firstRange(of: Array(old.utf8))!
            body.replaceSubrange(range, with: Array(new.utf8))
            return body + withUnsafeBytes(of: CRC32.ieee.checksum(body).littleEndian) { Array($0) }
        }
        XCTAssertThrowsError(try Checkpoint(decoding: replacing("categorical", with: "gaussianxxx"))) {
            XCTAssertEqual("\($0)", "unknown policy head 'gaussianxxx' (this build knows categorical, gaussian, multi-discrete)")
        }
        XCTAssertThrowsError(try Checkpoint(decoding: replacing("vtrace", with: "ppoooo"))) {
            XCTAssertEqual("\($0)", "unknown algorithm 'ppoooo' (this build knows vtrace, ppo)")
        }
        XCTAssertThrowsError(try Checkpoint(decoding: replacing("minatar", with: "natures"))) {
            XCTAssertEqual("\($0)", "unknown torso 'natures' (this build knows mlp, mlp-separate, minatar, nature, impala)")
        }
    }

    /// A box's bounds (unbounded sides included) and a multi-discrete's counts survive the
    /// file, with the head named; a file whose head and action space disagree is refused.
    func testEveryActionSpaceRoundTrips() throws {
        for action in [ActionSpec.box(low: [-2, -.infinity], high: [2, 1]), .multiDiscrete([3, 2, 5])] {
            let architecture = ModelArchitecture(observation: ObservationFormat(shape: [3], dtype: .float32), hiddenSizes: [8], action: action)
            var parameters = ParameterInitializer.initialValues(for: architecture, seed: 3)
            parameters[parameters.count - 1] = -0.5  // a Gaussian's log σ, or a head weight
            let checkpoint = Checkpoint(envName: "Pendulum", architecture: architecture, version: 2, framesTrained: 20,
                                        parameters: parameters, optimizer: Optimizer(settings: OptimizerSettings(), parameterCount: parameters.count))
            let read = try Checkpoint(decoding: checkpoint.encoded())
            XCTAssertEqual(read, checkpoint)
            XCTAssertEqual(read.architecture.action, action)
            XCTAssertEqual(read.head, architecture.head.name)
        }
    }
}

final class CheckpointDirectoryTests: XCTestCase {
    private func checkpoint(version: UInt64) -> Checkpoint {
        let architecture = ModelArchitecture(
            observation: ObservationFormat(shape: [4], dtype: .float32), hiddenSizes: [4], numActions: 2)
        var checkpoint = Checkpoint(envName: "CartPole", architecture: architecture, version: version, framesTrained: version * 10,
                                    parameters: ParameterInitializer.initialValues(for: architecture, seed: version),
                                    optimizer: Optimizer(settings: OptimizerSettings(), parameterCount: architecture.layout.count))
        checkpoint.envSteps = version * 100
        checkpoint.episodes = version
        checkpoint.generatorState = [1, 2, 3, version]
        checkpoint.configuration = "--env cartpole"
        return checkpoint
    }

    func testKeepsTheNewestAndFallsBackPastACorruptedOne() throws {
        let path = "/tmp/seedrl-checkpoints-\(getpid())"
        defer { _ = system("rm -rf \(path)") }
        let directory = CheckpointDirectory(path: path, keep: 2)
        for version in [5, 17, 120] as [UInt64] { try directory.save(checkpoint(version: version)) }
        XCTAssertEqual(directory.files(), ["checkpoint-000000000120.bin", "checkpoint-000000000017.bin"], "the newest 2 are kept")
        XCTAssertEqual(directory.newestValid().checkpoint, checkpoint(version: 120))

        // Truncate the newest: the previous valid one is used, and the bad one is named.
        let newest = "\(path)/checkpoint-000000000120.bin"
        XCTAssertEqual(truncate(newest, 100), 0)
        let found = directory.newestValid()
        XCTAssertEqual(found.checkpoint, checkpoint(version: 17))
        XCTAssertEqual(found.file, "\(path)/checkpoint-000000000017.bin")
        XCTAssertEqual(found.rejected, ["\(newest): checksum mismatch (truncated or corrupted)"])
        XCTAssertNil(CheckpointDirectory(path: "/tmp/seedrl-no-such-dir-\(getpid())", keep: 1).newestValid().checkpoint)
    }
}
