import Contract
#if canImport(Glibc)
import Glibc
#endif
import XCTest

/// A child process for tests that need a real separate peer (killed with SIGKILL, or
/// stopped with SIGTERM): the `seedrl` binary built beside the test bundle.
final class ChildProcess {
    let pid: pid_t
    /// Set once the process has been reaped: waiting again returns it at once.
    private var exitStatus: Int32?

    /// `.build/<config>/seedrl`, next to the test executable.
    static var seedrlPath: String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        var path = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        while let last = path.last, last != "/" { path.removeLast() }
        let candidate = path + "seedrl"
        return access(candidate, X_OK) == 0 ? candidate : nil
    }

    /// - Parameter stdout: a descriptor for the child's standard output (default /dev/null).
    init(_ arguments: [String], stdout: Int32? = nil) throws {
        guard let path = Self.seedrlPath else { throw XCTSkip("the seedrl binary is not built beside the tests") }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        if let stdout {
            posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        }
        var child: pid_t = 0
        let result = posix_spawn(&child, path, &actions, nil, argv, environ)
        guard result == 0 else { throw XCTSkip("posix_spawn failed: \(result)") }
        pid = child
    }

    func signal(_ signal: Int32) {
        if exitStatus == nil { kill(pid, signal) }
    }

    /// Waits for the exit; returns the exit status, or 128 + signal when killed.
    func wait(seconds: Double = 20) -> Int32? {
        if let exitStatus { return exitStatus }
        let deadline = Double(time(nil)) + seconds
        var status: Int32 = 0
        while Double(time(nil)) <= deadline {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                let terminatedBy = status & 0x7F
                exitStatus = terminatedBy == 0 ? (status >> 8) & 0xFF : 128 + terminatedBy
                return exitStatus
            }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
        return nil
    }
}
