#if canImport(Glibc)
import Glibc
#endif
import Threading

/// A child process: `seedrl train` runs its actors this way (separate processes over
/// loopback gRPC, the real network path), and tests run the real binary as a peer they
/// can kill.
public final class ChildProcess: @unchecked Sendable {
    // `exitStatus` is touched by the owner's thread only.
    public enum Output: Sendable {
        case discarded
        /// Appended to the file at this path (created 0600).
        case file(String)
        /// A descriptor of the parent's, duplicated onto the child's standard output.
        case descriptor(Int32)
    }

    public let pid: pid_t
    /// Set once the process has been reaped: waiting again returns it at once.
    private var exitStatus: Int32?

    /// This very executable (a `seedrl` child runs the same build).
    public static var currentExecutable: String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Starts `executable` (default: this one) with `arguments`.
    public init(executable: String? = nil, arguments: [String], output: Output = .discarded) throws(SpawnError) {
        guard let path = executable ?? Self.currentExecutable else {
            throw SpawnError(description: "cannot find this executable (/proc/self/exe)")
        }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        switch output {
        case .discarded: posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        case .file(let file): posix_spawn_file_actions_addopen(&actions, 1, file, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW, 0o600)
        case .descriptor(let fd): posix_spawn_file_actions_adddup2(&actions, fd, 1)
        }
        var child: pid_t = 0
        let result = posix_spawn(&child, path, &actions, nil, argv, environ)
        guard result == 0 else { throw SpawnError(description: "cannot start \(path): \(String(cString: strerror(result)))") }
        pid = child
    }

    /// Runs `executable` to its end and returns its standard output (its standard error is
    /// this process's); throws if it fails to start, exits non-zero, or (with a timeout)
    /// is not done in time, when it is killed.
    public static func output(executable: String, arguments: [String], timeoutSeconds: Double? = nil) throws(SpawnError) -> String {
        var ends: [Int32] = [0, 0]
        // Close-on-exec: only the child's standard output (the dup2 of the write end, which
        // clears the flag) reaches it; no process started later inherits the pipe.
        guard pipe(&ends) == 0 else { throw SpawnError(description: "pipe: \(String(cString: strerror(errno)))") }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        let child: ChildProcess
        do {
            child = try ChildProcess(executable: executable, arguments: arguments, output: .descriptor(ends[1]))
        } catch {
            close(ends[0]); close(ends[1])
            throw error
        }
        close(ends[1])
        defer { close(ends[0]) }
        let deadline = timeoutSeconds.map { MonotonicClock.now() + UInt64($0 * 1e9) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            if let deadline {
                let now = MonotonicClock.now()
                var ready = pollfd(fd: ends[0], events: Int16(POLLIN), revents: 0)
                let waited = now < deadline ? Glibc.poll(&ready, 1, Int32(min((deadline - now) / 1_000_000 + 1, 60_000))) : 0
                if waited == 0 && MonotonicClock.now() >= deadline {
                    child.signal(SIGKILL)
                    child.wait(seconds: 5)
                    throw SpawnError(description: "\(executable) gave no answer within \(Int(timeoutSeconds ?? 0)) s (killed)")
                }
                if waited <= 0 { continue }  // EINTR, or a poll that returned early
            }
            let count = read(ends[0], &chunk, chunk.count)
            if count > 0 { bytes += chunk[0..<count] } else if count == 0 || errno != EINTR { break }
        }
        let status = child.wait(seconds: timeoutSeconds.map { max(1, $0) } ?? 3600)
        guard status == 0 else { throw SpawnError(description: "\(executable) exited with status \(status.map(String.init) ?? "killed")") }
        return String(decoding: bytes, as: UTF8.self)
    }

    public func signal(_ signal: Int32) {
        if exitStatus == nil { kill(pid, signal) }
    }

    /// The exit status if it has exited (128 + signal when killed), without waiting.
    public func poll() -> Int32? {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
        let terminatedBy = status & 0x7F
        exitStatus = terminatedBy == 0 ? (status >> 8) & 0xFF : 128 + terminatedBy
        return exitStatus
    }

    /// Waits up to `seconds` for the exit and returns its status; past that, kills the
    /// process (SIGKILL), reaps it and returns nil.
    @discardableResult
    public func wait(seconds: Double = 20) -> Int32? {
        let deadline = Double(time(nil)) + seconds
        while Double(time(nil)) <= deadline {
            if let status = poll() { return status }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        exitStatus = 128 + SIGKILL
        return nil
    }
}

public struct SpawnError: Error, CustomStringConvertible {
    public let description: String
}
