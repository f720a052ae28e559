#if canImport(Glibc)
import Glibc
#endif
import Logging

/// Terminal output: a status line redrawn in place on a terminal, plain lines otherwise.
enum Console {
    static let isTerminal = isatty(STDOUT_FILENO) != 0

    /// Prints a line (ending any status line in progress).
    static func line(_ text: String) {
        write(isTerminal ? "\r\u{1B}[K" + text + "\n" : text + "\n")
    }

    /// Redraws the status line on a terminal; plain lines elsewhere.
    static func status(_ text: String) {
        write(isTerminal ? "\r\u{1B}[K" + text : text + "\n")
    }

    static func error(_ text: String) {
        let bytes = Array((text + "\n").utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }

    private static func write(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.write(STDOUT_FILENO, $0.baseAddress, $0.count) }
    }

    /// swift-log to standard error at `level`, set once per process.
    static func bootstrapLogging(level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
