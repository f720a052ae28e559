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

    /// Installs the hook (idempotent; called before the library is first initialised).
    static func install() {
        guard !installed.exchange(true, ordering: .relaxed) else { return }
        gpr_set_log_function(coreLogSink)
    }

    /// Counts the line if it reports a failed accept, then prints it as the core would.
    fileprivate static func record(file: String, line: Int32, severity: gpr_log_severity, message: String) {
        if message.hasPrefix("Failed accept4") {
            lastFailure.withLock { $0 = String(message.dropFirst("Failed accept4: ".count)) }
            failedAccepts.add(1, ordering: .relaxed)
        }
        let letter = severity == GPR_LOG_SEVERITY_DEBUG ? "D" : severity == GPR_LOG_SEVERITY_INFO ? "I" : "E"
        let name = file.split(separator: "/").last.map(String.init) ?? file
        let text = "\(letter) grpc \(name):\(line)] \(message)\n"
        _ = text.withCString { write(2, $0, strlen($0)) }
    }

    private static let installed = Atomic(false)
    private static let failedAccepts = Atomic<UInt64>(0)
    private static let lastFailure = Locked("")
}

private func coreLogSink(_ arguments: UnsafeMutablePointer<gpr_log_func_args>?) {
    guard let arguments else { return }
    CoreLog.record(file: String(cString: arguments.pointee.file), line: arguments.pointee.line,
                   severity: arguments.pointee.severity, message: String(cString: arguments.pointee.message))
}
