internal import CGRPC
#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Threading

/// The gRPC core's log, intercepted: every line still goes to stderr as the core would
/// print it, and lines that mean a listener has stopped are counted. The 1.51 core stops
/// accepting on a port for good when `accept4` fails with anything but EAGAIN (EMFILE
/// when descriptors run out) and says so only in its log; a server watches this count to
/// restart its listener.
public enum CoreLog {
    /// Times the core reported a failed accept since the process started.
    public static var acceptFailures: UInt64 { failedAccepts.load(ordering: .relaxed) }
    /// The last failed accept's reason, e.g. "Too many open files".
    public static var lastAcceptFailure: String { lastFailure.withLock { $0 } }
    /// Failed TLS handshakes since the process started (anyone can cause one, before any
    /// authentication: they are counted, and logged at most once per `quietSeconds`).
    public static var tlsHandshakeFailures: UInt64 { failedHandshakes.load(ordering: .relaxed) }
    /// How long a rate-limited kind of line stays quiet after one is printed.
    static let quietSeconds: UInt64 = 10

    /// Installs the hook (idempotent; called before the library is first initialised).
    static func install() {
        guard !installed.exchange(true, ordering: .relaxed) else { return }
        gpr_set_log_function(coreLogSink)
    }

    /// Counts the line if it reports a failed accept or handshake, then prints it as the
    /// core would (a failed handshake only if none was printed in the last `quietSeconds`,
    /// with how many were not). Returns whether it printed.
    @discardableResult
    static func record(file: String, line: Int32, severity: gpr_log_severity, message: String) -> Bool {
        var suffix = ""
        if message.hasPrefix("Failed accept4") {
            lastFailure.withLock { $0 = String(message.dropFirst("Failed accept4: ".count)) }
            failedAccepts.add(1, ordering: .relaxed)
        } else if message.hasPrefix("Handshake failed") {
            failedHandshakes.add(1, ordering: .relaxed)
            let unprinted = handshakeLines.withLock { $0.admit(now: MonotonicClock.now()) }
            guard let unprinted else { return false }
            if unprinted > 0 { suffix = " (\(unprinted) more failed TLS handshakes since the last such line, not printed)" }
        }
        let letter = severity == GPR_LOG_SEVERITY_DEBUG ? "D" : severity == GPR_LOG_SEVERITY_INFO ? "I" : "E"
        let name = file.split(separator: "/").last.map(String.init) ?? file
        let text = "\(letter) grpc \(name):\(line)] \(message)\(suffix)\n"
        _ = text.withCString { write(2, $0, strlen($0)) }
        return true
    }

    private static let installed = Atomic(false)
    private static let failedAccepts = Atomic<UInt64>(0)
    private static let lastFailure = Locked("")
    private static let failedHandshakes = Atomic<UInt64>(0)
    private static let handshakeLines = Locked(QuietLines(quietNanoseconds: quietSeconds * 1_000_000_000))
}

private func coreLogSink(_ arguments: UnsafeMutablePointer<gpr_log_func_args>?) {
    guard let arguments else { return }
    CoreLog.record(file: String(cString: arguments.pointee.file), line: arguments.pointee.line,
                   severity: arguments.pointee.severity, message: String(cString: arguments.pointee.message))
}

/// One kind of log line, printed at most once per quiet period: a pure value, so it is
/// tested with any clock.
struct QuietLines {
    let quietNanoseconds: UInt64
    /// When a line was last printed (monotonic ns; nil: never) and how many were not since.
    private(set) var lastPrinted: UInt64?
    private(set) var unprinted: UInt64 = 0

    init(quietNanoseconds: UInt64) { self.quietNanoseconds = quietNanoseconds }

    /// Whether a line at `now` is printed: nil if not (it is counted), else how many were
    /// not printed before it. A clock that went backwards counts as still quiet.
    mutating func admit(now: UInt64) -> UInt64? {
        if let lastPrinted, now < lastPrinted || now - lastPrinted < quietNanoseconds {
            unprinted += 1
            return nil
        }
        defer { (lastPrinted, unprinted) = (now, 0) }
        return unprinted
    }
}
