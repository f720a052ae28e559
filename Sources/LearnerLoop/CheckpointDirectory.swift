#if canImport(Glibc)
import Glibc
#endif

/// The checkpoints of one run in one directory: `checkpoint-<version>.bin`, written
/// atomically, the newest `keep` kept. On start the newest *valid* one is used; a
/// corrupted, truncated or incompatible file is named with its reason and skipped.
public struct CheckpointDirectory: Sendable {
    public let path: String
    public let keep: Int

    public init(path: String, keep: Int) {
        precondition(keep >= 1)
        self.path = path
        self.keep = keep
    }

    /// Writes `checkpoint` (atomically) and removes all but the newest `keep`. Returns its path.
    @discardableResult
    public func save(_ checkpoint: Checkpoint) throws(AtomicFile.Failure) -> String {
        try AtomicFile.makeDirectories(path)
        let file = "\(path)/\(Self.fileName(version: checkpoint.version))"
        try checkpoint.write(to: file)
        for old in files().dropFirst(keep) { unlink("\(path)/\(old)") }
        return file
    }

    public struct Found: Sendable {
        public let checkpoint: Checkpoint?
        public let file: String?
        /// "FILE: reason" for every newer file that could not be used.
        public let rejected: [String]
    }

    /// The newest checkpoint that reads back whole, and the newer ones that did not.
    public func newestValid() -> Found {
        var rejected: [String] = []
        for name in files() {
            let file = "\(path)/\(name)"
            do {
                return Found(checkpoint: try Checkpoint.read(from: file), file: file, rejected: rejected)
            } catch {
                rejected.append("\(error)")
            }
        }
        return Found(checkpoint: nil, file: nil, rejected: rejected)
    }

    static func fileName(version: UInt64) -> String {
        let digits = String(version)
        return "checkpoint-" + String(repeating: "0", count: max(0, 12 - digits.count)) + digits + ".bin"
    }

    /// Checkpoint file names, newest (highest version) first.
    func files() -> [String] {
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.hasPrefix("checkpoint-") && name.hasSuffix(".bin") { names.append(name) }
        }
        return names.sorted(by: >)
    }
}
