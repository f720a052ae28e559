#if canImport(Glibc)
import Glibc
#endif

/// Reads the process environment (the launcher's variables).
struct ProcessEnvironment {
    func string(_ key: String) -> String? {
        getenv(key).map { String(cString: $0) }
    }

    func integer(_ key: String) -> Int? {
        string(key).flatMap { Int($0) }
    }
}
