import Contract
#if canImport(Glibc)
import Glibc
#endif
import Threading
import Wire
import Runtime
import XCTest

/// The `seedrl server` process against what a hostile client or an unlucky operator does:
/// an absurd reward, SIGHUP, SIGPIPE, secrets on the command line, an empty token.
final class HardeningProcessTests: XCTestCase {
    private struct RunningServer {
        let child: ChildProcess
        let channel: WireChannel
        let socket: String
    }

    private func startServer(_ extra: [String], token: String? = nil) throws -> RunningServer {
        let socket = "/tmp/seedrl-hardening-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        unlink(socket)
        let child = try ChildProcess(["server", "--env", "cartpole", "--port", "0", "--unix", socket, "--log-level", "error"] + extra)
        addTeardownBlock {
            child.signal(SIGKILL)
            _ = child.wait()
            unlink(socket)
        }
        XCTAssertTrue(eventually(seconds: 30) { access(socket, F_OK) == 0 }, "the server listens")
        let channel = WireChannel(target: "unix:\(socket)", token: token)
        XCTAssertTrue(eventually(seconds: 20) { (try? channel.getSpec()) != nil }, "the server comes up")
        return RunningServer(child: child, channel: channel, socket: socket)
    }

    private func temporaryDirectory() -> String {
        let path = "/tmp/seedrl-hardening-run-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        addTeardownBlock { _ = system("rm -rf \(path)") }
        return path
    }

    private func isAlive(_ child: ChildProcess) -> Bool { kill(child.pid, 0) == 0 && waitpid(child.pid, nil, WNOHANG) == 0 }

    /// One episode with a reward of 1e21 (finite, accepted) used to kill the process a few
    /// seconds later: the status line converted the mean return to an Int.
    func testAHugeFiniteRewardDoesNotKillTheServer() throws {
        let server = try startServer(["--no-train", "--status-seconds", "0.1", "--max-abs-reward", "inf"])
        let poller = StreamPoller()
        defer { poller.shutdown() }
        let client = try TestActClient(channel: server.channel, poller: poller)
        defer { client.stream.cancel() }  // runs before the poller's shutdown, which waits for it
        client.roundTrip(.first)
        client.roundTrip(.last, reward: 1e21)
        usleep(800_000)  // several status lines
        XCTAssertTrue(isAlive(server.child), "the server survives the status line")
        XCTAssertNotNil(client.roundTrip(.first), "and goes on serving")
        XCTAssertEqual(try server.channel.getStats().episodesCompleted, 1)
    }

    /// SIGHUP (the ssh session ended) is a clean stop with the final checkpoint; the
    /// checkpoint is private and holds no token.
    func testSighupStopsCleanlyWithAPrivateCheckpointThatHoldsNoSecret() throws {
        let logdir = temporaryDirectory()
        let secret = "s3cret-\(UInt32.random(in: 0...UInt32.max))"
        let server = try startServer(["--logdir", logdir, "--token", secret], token: secret)
        let poller = StreamPoller()
        defer { poller.shutdown() }
        let client = try TestActClient(channel: server.channel, poller: poller)
        client.roundTrip(.first)
        server.child.signal(SIGHUP)
        XCTAssertEqual(server.child.wait(), 0, "SIGHUP is a clean stop")
        let found = CheckpointFiles(directory: logdir)
        XCTAssertEqual(found.checkpoints.count, 1, "the final checkpoint is written")
        for file in found.checkpoints + found.others {
            var info = stat()
            XCTAssertEqual(stat(file, &info), 0)
            XCTAssertEqual(info.st_mode & 0o077, 0, "\(file) is private")
            let bytes = try readAll(file)
            XCTAssertFalse(bytes.contains(Array(secret.utf8)), "\(file) holds no token")
        }
        var info = stat()
        XCTAssertEqual(stat(logdir, &info), 0)
        XCTAssertEqual(info.st_mode & 0o077, 0, "the log directory is private")
    }

    /// A token read from a file never appears in the process list.
    func testATokenFileIsRequiredByTheServer() throws {
        let directory = temporaryDirectory()
        XCTAssertEqual(mkdir(directory, 0o700), 0)
        let secret = "from-a-file-\(UInt32.random(in: 0...UInt32.max))"
        let tokenFile = "\(directory)/token"
        let fd = open(tokenFile, O_CREAT | O_WRONLY, 0o600)
        _ = Array((secret + "\n").utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        let server = try startServer(["--no-train", "--token-file", tokenFile], token: secret)
        XCTAssertThrowsError(try WireChannel(target: "unix:\(server.socket)", token: "wrong").getSpec())
        XCTAssertNoThrow(try server.channel.getSpec())
        let commandLine = try readAll("/proc/\(server.child.pid)/cmdline")
        XCTAssertFalse(commandLine.contains(Array(secret.utf8)))
    }

    /// The value bounds protect training: a training server refuses a reward of 1e30 by
    /// default, a server that only serves takes it (the reference load generator sends
    /// arbitrary float bit patterns), and an operator's flag sets a bound either way.
    func testValueBoundsAreOnWhenTrainingAndOffWhenOnlyServing() throws {
        let poller = StreamPoller()
        defer { poller.shutdown() }
        for (flags, refused) in [([String](), true), (["--no-train"], false), (["--no-train", "--max-abs-reward", "10"], true)] {
            let server = try startServer(flags)
            let client = try TestActClient(channel: server.channel, poller: poller)
            XCTAssertNotNil(client.roundTrip(.first))
            client.send(.mid, observation: [0, 0, 0, 0], reward: 1e30)
            if refused {
                XCTAssertEqual(client.closedStatus()??.code, .invalidArgument, "\(flags)")
            } else {
                guard case .action? = client.next() else { return XCTFail("\(flags): the reward of 1e30 is served") }
                client.stream.cancel()
                _ = client.closedStatus()
            }
            server.child.signal(SIGTERM)
            XCTAssertEqual(server.child.wait(), 0)
        }
    }

    /// `-seconds` flags become integer milliseconds somewhere: inf or 1e300 used to trap at
    /// start; they are refused with a usage error (exit 64) instead.
    func testUnrepresentableSecondsAreRefusedNotTrapped() throws {
        for arguments in [["server", "--env", "cartpole", "--keepalive-seconds", "inf"],
                          ["server", "--env", "cartpole", "--max-delay-seconds", "1e300"],
                          ["server", "--env", "cartpole", "--checkpoint-seconds", "nan"],
                          ["actor", "--server", "127.0.0.1:1", "--max-backoff-seconds", "inf"],
                          ["train", "--env", "cartpole", "--progress-seconds", "-1"]] {
            let child = try ChildProcess(arguments + ["--log-level", "error"])
            XCTAssertEqual(child.wait(), 64, "\(arguments) is a usage error")
        }
    }

    /// SIGUSR1 asks a learner for a checkpoint; where there is nothing to checkpoint (a
    /// serving-only server, an actor) it used to kill the process (exit 138).
    func testSigusr1IsHarmlessWithoutALearner() throws {
        let server = try startServer(["--no-train"])
        server.child.signal(SIGUSR1)
        XCTAssertNoThrow(try server.channel.getSpec(), "the server still serves after SIGUSR1")
        let actor = try ChildProcess(["actor", "--server", "unix:\(server.socket)", "--envs", "1", "--log-level", "error", "--quiet"])
        XCTAssertTrue(eventually(seconds: 30) { ((try? server.channel.getStats())?.stepsServed ?? 0) > 0 }, "the actor acts")
        actor.signal(SIGUSR1)
        let served = try server.channel.getStats().stepsServed
        XCTAssertTrue(eventually(seconds: 30) { ((try? server.channel.getStats())?.stepsServed ?? 0) > served + 100 },
                      "the actor goes on acting after SIGUSR1")
        actor.signal(SIGTERM)
        XCTAssertEqual(actor.wait(), 0)
        server.child.signal(SIGTERM)
        XCTAssertEqual(server.child.wait(), 0)
    }

    /// `seedrl train` with one actor process, under way (its metrics log exists).
    private func startTrainWithActor() throws -> (train: ChildProcess, actor: pid_t) {
        let logdir = temporaryDirectory()
        let train = try ChildProcess(["train", "--env", "cartpole", "--actors", "1", "--target-return", "1000",
                                      "--logdir", logdir, "--quiet", "--log-level", "error"])
        var actor: pid_t = 0
        addTeardownBlock {
            if actor > 0 { kill(actor, SIGKILL) }
            train.signal(SIGKILL)
            _ = train.wait()
        }
        XCTAssertTrue(eventually(seconds: 60) {
            let children = (try? readAll("/proc/\(train.pid)/task/\(train.pid)/children")) ?? []
            actor = pid_t(String(decoding: children, as: UTF8.self).split(separator: " ").first.flatMap { Int32($0) } ?? 0)
            // Past its exec (until then the child is a copy of the learner, every descriptor included).
            let command = (try? readAll("/proc/\(actor)/cmdline")) ?? []
            return actor > 0 && String(decoding: command, as: UTF8.self).contains("\0actor\0")
                && access("\(logdir)/metrics.jsonl", F_OK) == 0
        }, "the run is under way")
        return (train, actor)
    }

    /// A second SIGTERM during a stop does not wait for the stop: the process exits at once
    /// with 128 + SIGTERM. The stop is held up for sure by an actor process that is stopped
    /// (SIGSTOP): `seedrl train` waits up to 5 s for its actors to exit; without the
    /// escalation it would exit 1 (interrupted before its target) after that wait.
    func testASecondSigtermEscalates() throws {
        let (train, actor) = try startTrainWithActor()
        func status(_ field: String) -> Substring? {
            let text = String(decoding: (try? readAll("/proc/\(actor)/status")) ?? [], as: UTF8.self)
            return text.split(separator: "\n").first { $0.hasPrefix(field) }?.split(separator: "\t").last
        }
        kill(actor, SIGSTOP)
        XCTAssertTrue(eventually(seconds: 60) { status("State:")?.hasPrefix("T") ?? false }, "the actor is stopped")
        train.signal(SIGTERM)
        // Two signals sent back to back may merge into one: wait until the first is being
        // handled, i.e. the learner's stop has sent SIGTERM to the stopped actor (pending there).
        XCTAssertTrue(eventually(seconds: 60) {
            status("ShdPnd:").flatMap { UInt64($0, radix: 16) }.map { $0 & (1 << (UInt64(SIGTERM) - 1)) != 0 } ?? false
        }, "the stop is under way, waiting for the stopped actor")
        train.signal(SIGTERM)
        XCTAssertEqual(train.wait(), 128 + SIGTERM, "the second signal ended the process without waiting for the stopped actor")
    }

    /// The learner's signal pipe is not inherited by the actors it spawns (an actor holding
    /// its write end could fake a signal; its read end would keep it open after the learner).
    func testSpawnedActorsInheritNoPipeOfTheLearner() throws {
        let (train, actor) = try startTrainWithActor()
        func pipes(_ pid: pid_t, skippingStandardStreams: Bool) -> Set<String> {
            var found = Set<String>()
            for fd in 0..<256 where !(skippingStandardStreams && fd < 3) {
                var target = [CChar](repeating: 0, count: 256)
                let length = readlink("/proc/\(pid)/fd/\(fd)", &target, target.count - 1)
                guard length > 0 else { continue }
                let text = String(decoding: target[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
                if text.hasPrefix("pipe:") { found.insert(text) }
            }
            return found
        }
        // Pipes this test process holds (from whoever started it) reach both by inheritance: not theirs.
        let inherited = pipes(getpid(), skippingStandardStreams: false)
        let shared = pipes(actor, skippingStandardStreams: true).intersection(pipes(train.pid, skippingStandardStreams: false))
        XCTAssertEqual(shared.subtracting(inherited), [], "pipes the actor shares with the learner beyond its standard streams")
    }

    func testAnEmptyTokenIsRefused() throws {
        let child = try ChildProcess(["server", "--env", "cartpole", "--port", "0", "--no-train", "--token", "", "--log-level", "error"])
        let status = child.wait()
        XCTAssertNotNil(status)
        XCTAssertNotEqual(status, 0, "an empty token is refused, not accepted as 'no token'")
    }

    /// A closed stdout pipe used to kill the server with SIGPIPE at its next status line,
    /// before any final checkpoint.
    func testAClosedStdoutDoesNotKillTheServer() throws {
        let logdir = temporaryDirectory()
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        // Close-on-exec: the child keeps only the write end, dup'ed onto its stdout.
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        let socket = "\(logdir).sock"
        let child = try ChildProcess(["server", "--env", "cartpole", "--port", "0", "--unix", socket, "--logdir", logdir,
                                      "--status-seconds", "0.1", "--log-level", "error"], stdout: fds[1])
        close(fds[1])
        close(fds[0])  // nobody reads: the next status line meets EPIPE
        addTeardownBlock { child.signal(SIGKILL); _ = child.wait(); unlink(socket) }
        // Listening means the signal handlers are in (a slow start under TSan used to meet
        // the SIGTERM below with the default action); then status lines meet the closed pipe.
        XCTAssertTrue(eventually(seconds: 30) { access(socket, F_OK) == 0 }, "the server listens")
        usleep(1_000_000)
        XCTAssertTrue(isAlive(child), "a closed stdout does not kill the learner")
        child.signal(SIGTERM)
        XCTAssertEqual(child.wait(), 0)
        XCTAssertEqual(CheckpointFiles(directory: logdir).checkpoints.count, 1, "the final checkpoint is written")
    }
}

/// The files a run left in its log directory.
struct CheckpointFiles {
    var checkpoints: [String] = []
    var others: [String] = []

    init(directory: String) {
        guard let handle = opendir(directory) else { return }
        defer { closedir(handle) }
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard entry.pointee.d_type == DT_REG else { continue }
            if name.hasPrefix("checkpoint-") && name.hasSuffix(".bin") { checkpoints.append("\(directory)/\(name)") } else { others.append("\(directory)/\(name)") }
        }
    }
}

func readAll(_ path: String) throws -> [UInt8] {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw XCTSkip("cannot open \(path)") }
    defer { close(fd) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = read(fd, &chunk, chunk.count)
        if count <= 0 { return bytes }
        bytes += chunk[0..<count]
    }
}

extension Array where Element == UInt8 {
    func contains(_ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return false }
        for start in 0...(count - needle.count) where self[start..<(start + needle.count)].elementsEqual(needle) { return true }
        return false
    }
}
