internal import CGRPC
import Synchronization
import Threading

/// Reference-counted `grpc_init`/`grpc_shutdown`: every server and channel holds one
/// use, so the library is up exactly while something needs it (and whoever replaces a
/// server holds one across the swap).
public enum GRPCLibrary {
    private static let users = Locked(0)

    public static func retain() {
        users.withLock { count in
            if count == 0 {
                CoreLog.install()
                grpc_init()
            }
            count += 1
        }
    }

    public static func release() {
        users.withLock { count in
            count -= 1
            // grpc_shutdown is asynchronous in 1.51 and safe to pair with a later grpc_init.
            if count == 0 { grpc_shutdown() }
        }
    }
}

extension GRPCLibrary {
    /// The core's version as it says it ("29.0.0" for Debian's 1.51: the core's ABI version).
    public static var coreVersion: String { String(cString: grpc_version_string()) }
}
