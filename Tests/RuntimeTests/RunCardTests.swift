#if canImport(Glibc)
import Glibc
#endif
import Environments
import Files
import InferenceServer
import Logging
@testable import Runtime
import XCTest

final class RunCardTests: XCTestCase {
    /// The card says what ran and where, is private, and reads back whole with its results.
    func testTheRunCardRecordsTheRunAndReadsBack() throws {
        let directory = "/tmp/seedrl-runcard-\(getpid())"
        defer { _ = system("rm -rf \(directory)") }
        try AtomicFile.makeDirectories(directory)
        var configuration = LearnerConfiguration(server: LearnerServerConfiguration(spec: KnownEnvironment.pixelCatch.spec,
                                                                                    listenAddresses: ["127.0.0.1:0"]))
        configuration.model.seed = 7
        configuration.learning = LearningConfiguration()
        let system = try LearnerSystem(configuration: configuration, logger: Logger(label: "test"))
        var card = RunCard(command: "seedrl train --env pixel-catch --token <redacted>", system: system)
        XCTAssertEqual(card.model.torso, "impala", "frames larger than MinAtar's get the IMPALA torso")
        XCTAssertEqual(card.observation, "[32, 32, 1] uint8")
        XCTAssertEqual(card.seed, 7)
        XCTAssertEqual(card.learning?.learnerThreads, 1, "32×32 frames train on one learner thread")
        XCTAssertFalse(card.machine.openblas.isEmpty)
        XCTAssertTrue(card.machine.mpi.hasPrefix("Open MPI"))
        try card.write(to: directory)
        XCTAssertNil(try RunCard.read(from: directory).results)
        card.finish(system: system, wallSeconds: 2, reason: "target reached", checkpoint: nil)
        try card.write(to: directory)
        let read = try RunCard.read(from: directory)
        XCTAssertEqual(read, card)
        XCTAssertEqual(read.results?.exitReason, "target reached")
        var info = stat()
        XCTAssertEqual(stat("\(directory)/run.json", &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o600)
    }

    /// The commit is the checkout the binary was built in, read with `git -C` there: never
    /// the current directory's repository (whose configuration could run commands).
    func testTheCommitComesFromTheBinarysCheckoutNotTheCurrentDirectory() throws {
        let checkout = try XCTUnwrap(RunCard.builtInCheckout(), "the tests run from a checkout's .build")
        let elsewhere = "/tmp/seedrl-foreign-repo-\(getpid())"
        defer { _ = system("rm -rf \(elsewhere)") }
        XCTAssertEqual(system("git init -q \(elsewhere) && git -C \(elsewhere) -c user.name=t -c user.email=t@t commit -q --allow-empty -m x"), 0)
        var previous = [CChar](repeating: 0, count: 4096)
        XCTAssertNotNil(getcwd(&previous, previous.count))
        XCTAssertEqual(chdir(elsewhere), 0)
        defer { _ = chdir(previous) }
        let commit = RunCard.gitCommit()
        let file = popen("git -C '\(checkout)' rev-parse HEAD", "r")!
        var line = [CChar](repeating: 0, count: 64)
        _ = fgets(&line, Int32(line.count), file)
        pclose(file)
        let expected = String(cString: line).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(commit.hasPrefix(expected), "\(commit) is the checkout's HEAD \(expected)")
    }
}
