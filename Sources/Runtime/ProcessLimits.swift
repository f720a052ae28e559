#if canImport(Glibc)
import Glibc
#endif

/// Process limits a server raises at start.
public enum ProcessLimits {
    /// Raises the open-file soft limit to the hard limit: each actor connection holds a
    /// descriptor, and the 1.51 core stops accepting for good when accept fails with
    /// EMFILE. Returns the limits before and after.
    @discardableResult
    public static func raiseOpenFiles() -> (before: UInt64, after: UInt64) {
        var limit = rlimit()
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        guard getrlimit(resource, &limit) == 0 else { return (0, 0) }
        let before = UInt64(limit.rlim_cur)
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            if setrlimit(resource, &limit) != 0 { return (before, before) }
        }
        return (before, UInt64(limit.rlim_cur))
    }
}
