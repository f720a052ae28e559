#if canImport(Glibc)
import Glibc
#endif

/// Whole-file reads and crash-safe writes: a write goes to a temporary file in the same
/// directory, is fsynced, renamed over the target, and the directory is fsynced, so a
/// reader sees the old file or the new one, never a torn one. Files are private to the
/// user (0600, directories 0700): checkpoints and logs are nobody else's business.
public enum AtomicFile {
    /// What `read` accepts at most: a damaged or hostile file cannot make us allocate more.
    public static let maximumReadBytes = 1 << 30
    /// The suffix of a write in progress; `removeStaleTemporaries` clears what a killed
    /// process left behind.
    public static let temporaryMarker = ".tmp."

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    public static func write(_ bytes: [UInt8], to path: String) throws(Failure) {
        let temporary = "\(path)\(temporaryMarker)\(getpid())"
        // A leftover of ours from an earlier process with the same pid goes first; O_EXCL
        // and O_NOFOLLOW then refuse anything planted in its place (a symlink elsewhere).
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure(description: "cannot create \(temporary): \(errorText())") }
        var written = 0
        while written < bytes.count {
            let result = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
            if result < 0 {
                if errno == EINTR { continue }
                let reason = errorText()
                close(fd)
                unlink(temporary)
                throw Failure(description: "cannot write \(temporary): \(reason)")
            }
            written += result
        }
        if fsync(fd) != 0 {
            let reason = errorText()
            close(fd)
            unlink(temporary)
            throw Failure(description: "cannot fsync \(temporary): \(reason)")
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let reason = errorText()
            unlink(temporary)
            throw Failure(description: "cannot rename \(temporary) to \(path): \(reason)")
        }
        let directory = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        let directoryFD = open(directory.isEmpty ? "/" : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            fsync(directoryFD)
            close(directoryFD)
        }
    }

    public static func read(_ path: String) throws(Failure) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(description: "cannot open \(path): \(errorText())") }
        defer { close(fd) }
        var info = stat()
        if fstat(fd, &info) == 0 && Int(info.st_size) > maximumReadBytes {
            throw Failure(description: "\(path) is \(info.st_size) bytes, more than the \(maximumReadBytes) a checkpoint may have")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "cannot read \(path): \(errorText())")
            }
            if count == 0 { return bytes }
            guard bytes.count + count <= maximumReadBytes else {
                throw Failure(description: "\(path) is larger than the \(maximumReadBytes) bytes a checkpoint may have")
            }
            bytes += chunk[0..<count]
        }
    }

    /// Creates `path` and its parents (like mkdir -p).
    public static func makeDirectories(_ path: String) throws(Failure) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o700) != 0 && errno != EEXIST {
                throw Failure(description: "cannot create directory \(current): \(errorText())")
            }
        }
    }

    /// Removes `NAME.tmp.PID` files in `directory` whose process is gone (a write that was
    /// interrupted by a kill or a crash). Returns their names.
    @discardableResult
    public static func removeStaleTemporaries(in directory: String) -> [String] {
        guard let handle = opendir(directory) else { return [] }
        defer { closedir(handle) }
        var removed: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            guard let marker = name.firstRange(of: temporaryMarker),
                  let pid = Int32(name[marker.upperBound...]), pid > 0 else { continue }
            // Another live writer's file (another process sharing the directory) is left alone.
            if pid != getpid() && kill(pid, 0) == 0 { continue }
            if unlink("\(directory)/\(name)") == 0 { removed.append(name) }
        }
        return removed
    }

    /// Moves `path` to `destination` (same file system).
    public static func move(_ path: String, to destination: String) throws(Failure) {
        guard rename(path, destination) == 0 else {
            throw Failure(description: "cannot move \(path) to \(destination): \(errorText())")
        }
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }
}
