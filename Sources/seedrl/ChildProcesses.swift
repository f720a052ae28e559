#if canImport(Glibc)
import Glibc
#endif

/// Child processes of this binary (`seedrl train` runs its actors this way: separate
/// processes over loopback gRPC, the real network path).
final class ChildProcess {
    let pid: pid_t

    /// Starts this executable with `arguments`; its stdout goes to `output` (a path) if given.
    init(arguments: [String], output: String? = nil) throws {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { throw SpawnError(description: "cannot find this executable (/proc/self/exe)") }
        let path = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, output ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o600)
        var child: pid_t = 0
        let result = posix_spawn(&child, path, &actions, nil, argv, environ)
        guard result == 0 else { throw SpawnError(description: "cannot start \(path): \(String(cString: strerror(result)))") }
        pid = child
    }

    func signal(_ signal: Int32) { kill(pid, signal) }

    /// Exit status if it has exited (128 + signal when killed), without waiting.
    func poll() -> Int32? {
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
        let terminatedBy = status & 0x7F
        return terminatedBy == 0 ? (status >> 8) & 0xFF : 128 + terminatedBy
    }

    /// Waits up to `seconds`, then kills it.
    @discardableResult
    func wait(seconds: Double) -> Int32 {
        for _ in 0..<Int(seconds * 100) {
            if let status = poll() { return status }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        return 128 + SIGKILL
    }
}

struct SpawnError: Error, CustomStringConvertible {
    let description: String
}
