import Files
import Contract
#if canImport(Glibc)
import Glibc
#endif
@testable import LearnerLoop
@testable import Model
import Randomness
import XCTest

/// What a damaged, crafted or unlucky directory must not do: crash the decoder, lose the
/// checkpoint just written, resume another run, leave temporaries, or expose the files.
final class CheckpointHardeningTests: XCTestCase {
    private func checkpoint(version: UInt64, lstm: Int? = nil) -> Checkpoint {
        let architecture = ModelArchitecture(
            observation: ObservationFormat(shape: [4], dtype: .float32), hiddenSizes: [3], numActions: 2, lstmSize: lstm)
        var checkpoint = Checkpoint(envName: "CartPole", architecture: architecture, version: version, framesTrained: version,
                                    parameters: ParameterInitializer.initialValues(for: architecture, seed: version),
                                    optimizer: Optimizer(settings: OptimizerSettings(), parameterCount: architecture.layout.count))
        checkpoint.generatorState = [1, 2, 3, version]
        checkpoint.configuration = "--env cartpole"
        return checkpoint
    }

    private func directory() -> String {
        let path = "/tmp/seedrl-hardening-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        addTeardownBlock { _ = system("rm -rf \(path)") }
        return path
    }

    /// 100k mutated checkpoints with the CRC fixed up, so every mutation reaches the field
    /// decoder: each one decodes or throws a DecodingError; none may trap.
    func testFuzzedCheckpointsOnlyEverThrow() {
        var generator = SeededGenerator(seed: 0xC4EC)
        let originals = [checkpoint(version: 7).encoded(), checkpoint(version: 9, lstm: 2).encoded()]
        var refused = 0
        for round in 0..<100_000 {
            var bytes = Array(originals[round % 2].dropLast(4))
            switch generator.next() % 4 {
            case 0:  // a few random bytes
                for _ in 0...(generator.next() % 4) { bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next()) }
            case 1:  // a length or count field made huge
                let at = 8 + Int(generator.next() % UInt64(min(96, bytes.count - 16)))
                for index in at..<(at + 8) { bytes[index] = 0xFF }
            case 2:  // truncated (and re-sealed)
                bytes.removeLast(Int(generator.next() % UInt64(bytes.count - 8)))
            default:  // one word set to a random 64-bit value
                let at = 8 + Int(generator.next() % UInt64(bytes.count - 16))
                withUnsafeBytes(of: generator.next()) { for (offset, byte) in $0.enumerated() { bytes[at + offset] = byte } }
            }
            bytes += withUnsafeBytes(of: CRC32.ieee.checksum(bytes).littleEndian) { Array($0) }
            do { _ = try Checkpoint(decoding: bytes) } catch { refused += 1 }
        }
        // Mutations that land in float payloads still decode (the CRC was re-sealed), so
        // only a floor is asserted: the header and size fields were reached and refused.
        XCTAssertGreaterThan(refused, 40_000, "mutated headers and sizes are refused")
    }

    func testACraftedHugeSizeIsRefusedNotATrap() {
        // numActions = UInt64.max used to trap in Int(_:).
        var fields = checkpoint(version: 3)
        fields.configuration = ""
        var bytes = Array(fields.encoded().dropLast(4))
        // The action count follows magic(8) format(4) name(4+8) shape(4+8) uint8(4) hidden(4+8) core(8) and the
        // five names: torso, core, head, algorithm, input (each 4 + its bytes).
        let names = ["mlp", "none", "categorical", "vtrace", "raw"].map { 4 + $0.utf8.count }.reduce(0, +)
        let actionsAt = 8 + 4 + 4 + "CartPole".utf8.count + 4 + 8 + 4 + 4 + 8 + 8 + names
        for index in actionsAt..<(actionsAt + 8) { bytes[index] = 0xFF }
        bytes += withUnsafeBytes(of: CRC32.ieee.checksum(bytes).littleEndian) { Array($0) }
        XCTAssertThrowsError(try Checkpoint(decoding: bytes)) {
            XCTAssertEqual("\($0)", "implausible action count \(UInt64.max)")
        }
    }

    func testNonFiniteParametersAreRefused() {
        var poisoned = checkpoint(version: 4)
        poisoned.parameters[0] = .nan
        XCTAssertThrowsError(try Checkpoint(decoding: poisoned.encoded())) { XCTAssertEqual("\($0)", "non-finite parameters") }
    }

    func testNonFiniteParametersAreNeverWritten() throws {
        let path = directory()
        let checkpoints = CheckpointDirectory(path: path, keep: 3)
        try checkpoints.save(checkpoint(version: 4))
        var poisoned = checkpoint(version: 5)
        poisoned.parameters[1] = .infinity
        XCTAssertThrowsError(try checkpoints.save(poisoned))
        XCTAssertEqual(checkpoints.files(), [CheckpointDirectory.fileName(version: 4)], "the good checkpoint stays the newest")
    }

    /// `checkpoint-zzz.bin` sorted above every numbered name as text and was taken for the
    /// newest; only `checkpoint-<digits>.bin` is a checkpoint, ordered by its number.
    func testOnlyNumberedNamesAreCheckpointsAndTheHighestNumberIsNewest() throws {
        let path = directory()
        let checkpoints = CheckpointDirectory(path: path, keep: 5)
        try checkpoints.save(checkpoint(version: 4))
        try checkpoints.save(checkpoint(version: 10))
        for name in ["checkpoint-zzz.bin", "checkpoint-.bin", "checkpoint-9x.bin", "checkpoint-99999999999999999999999.bin"] {
            try AtomicFile.write(checkpoint(version: 77).encoded(), to: "\(path)/\(name)")
        }
        try AtomicFile.write(checkpoint(version: 3).encoded(), to: "\(path)/checkpoint-3.bin")  // unpadded: still a number
        XCTAssertEqual(checkpoints.files(), [CheckpointDirectory.fileName(version: 10), CheckpointDirectory.fileName(version: 4),
                                             "checkpoint-3.bin"])
        XCTAssertEqual(checkpoints.newestValid().checkpoint?.version, 10)
    }

    /// The case from the review: after --fresh in a directory of a longer run, every new
    /// checkpoint sorted lowest and was unlinked at once, and the next start resumed the old run.
    func testAFreshStartMovesTheEarlierRunAsideAndKeepsItsOwnCheckpoints() throws {
        let path = directory()
        let old = CheckpointDirectory(path: path, keep: 3)
        for version in [900, 950, 1000] as [UInt64] { try old.save(checkpoint(version: version)) }

        let fresh = CheckpointDirectory(path: path, keep: 1)
        let preparation = try fresh.prepare(fresh: true)
        XCTAssertEqual(preparation.previousRunMovedTo, "\(path)/previous-run-1")
        XCTAssertEqual(CheckpointDirectory(path: "\(path)/previous-run-1", keep: 1).files().count, 3, "nothing deleted")
        let written = try fresh.save(checkpoint(version: 10))
        XCTAssertEqual(access(written, F_OK), 0, "the checkpoint just written is kept")
        XCTAssertEqual(fresh.newestValid().checkpoint?.version, 10, "the next start resumes this run")
        XCTAssertEqual(try fresh.prepare(fresh: true).previousRunMovedTo, "\(path)/previous-run-2", "a second fresh start does not overwrite the first")
    }

    /// A corrupt newest file with --keep-checkpoints 1 used to leave only the corrupt one.
    func testRotationNeverRemovesTheFileJustWrittenNorTheNewestValid() throws {
        let path = directory()
        let directory = CheckpointDirectory(path: path, keep: 1)
        try directory.save(checkpoint(version: 5))
        try directory.save(checkpoint(version: 9))
        XCTAssertEqual(directory.files(), ["checkpoint-000000000009.bin"])
        XCTAssertEqual(truncate("\(path)/checkpoint-000000000009.bin", 50), 0)
        // Even without prepare, the file just written survives rotation.
        let written = try directory.save(checkpoint(version: 6))
        XCTAssertEqual(access(written, F_OK), 0)
        // prepare sets the unusable newer file aside, so the run's own file is what resumes.
        let preparation = try directory.prepare(fresh: false)
        XCTAssertEqual(preparation.setAside, ["checkpoint-000000000009.bin"])
        XCTAssertEqual(access("\(path)/checkpoint-000000000009.bin.rejected", F_OK), 0, "set aside, not deleted")
        XCTAssertEqual(directory.newestValid().checkpoint?.version, 6)
        try directory.save(checkpoint(version: 7))
        XCTAssertEqual(directory.files(), ["checkpoint-000000000007.bin"])
    }

    func testStaleTemporariesAreRemovedAndLiveOnesKept() throws {
        let path = directory()
        try AtomicFile.makeDirectories(path)
        // A pid that cannot be alive (above pid_max) and one that is (ours' parent).
        let stale = "checkpoint-000000000003.bin.tmp.2147483646"
        let live = "checkpoint-000000000004.bin.tmp.\(getppid())"
        for name in [stale, live] { XCTAssertEqual(close(open("\(path)/\(name)", O_CREAT | O_WRONLY, 0o600)), 0) }
        let preparation = try CheckpointDirectory(path: path, keep: 1).prepare(fresh: false)
        XCTAssertEqual(preparation.removedTemporaries, [stale])
        XCTAssertEqual(access("\(path)/\(stale)", F_OK), -1)
        XCTAssertEqual(access("\(path)/\(live)", F_OK), 0)
    }

    func testCheckpointsAndTheirDirectoryArePrivate() throws {
        let path = directory()
        let file = try CheckpointDirectory(path: path, keep: 1).save(checkpoint(version: 1))
        var info = stat()
        XCTAssertEqual(stat(file, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o600)
        XCTAssertEqual(stat(path, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o700)
    }

    func testAPlantedSymlinkAtTheTemporaryPathIsNotFollowed() throws {
        let path = directory()
        try AtomicFile.makeDirectories(path)
        let victim = "\(path)/victim"
        XCTAssertEqual(close(open(victim, O_CREAT | O_WRONLY, 0o600)), 0)
        let target = "\(path)/out.bin"
        // The writer unlinks its own stale name first, so plant the link under another
        // process's name pattern and check O_NOFOLLOW on a direct open of a link too.
        XCTAssertEqual(symlink(victim, "\(target).tmp.\(getpid())"), 0)
        try AtomicFile.write([1, 2, 3], to: target)
        var info = stat()
        XCTAssertEqual(stat(victim, &info), 0)
        XCTAssertEqual(info.st_size, 0, "the link's target was not written through")
        XCTAssertEqual(try AtomicFile.read(target), [1, 2, 3])
    }
}
