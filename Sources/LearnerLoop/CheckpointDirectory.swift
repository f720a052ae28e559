import Files
#if canImport(Glibc)
import Glibc
#endif

/// The checkpoints of one run in one directory: `checkpoint-<version>.bin`, written
/// atomically, the newest `keep` kept. On start the newest *valid* one is used; a
/// corrupted, truncated or incompatible file is named with its reason and skipped.
///
/// Rotation only ever removes files older than the one just written, so it can never
/// remove that file nor the newest valid one; `prepare` makes sure that on start nothing
/// newer than the run's own checkpoints is left to shadow them (another run's files after
/// `--fresh`, a damaged newest file), by moving such files aside, never deleting them.
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
        // A poisoned model must not replace a good checkpoint (nor be resumed from later).
        guard checkpoint.parameters.allSatisfy(\.isFinite) else {
            throw AtomicFile.Failure(description: "refusing to write checkpoint version \(checkpoint.version): its parameters are not finite")
        }
        try AtomicFile.makeDirectories(path)
        let file = "\(path)/\(Self.fileName(version: checkpoint.version))"
        try checkpoint.write(to: file)
        let written = Self.fileName(version: checkpoint.version)
        for old in files().filter({ $0 < written }).dropFirst(keep - 1) { unlink("\(path)/\(old)") }
        return file
    }

    /// What `prepare` did to the directory before a run.
    public struct Preparation: Sendable, Equatable {
        /// Where an earlier run's checkpoints were moved by a fresh start (nil: none were there).
        public var previousRunMovedTo: String?
        /// Unusable files newer than the one resumed, renamed to `NAME.rejected`.
        public var setAside: [String] = []
        /// Temporaries of interrupted writes that were removed.
        public var removedTemporaries: [String] = []
    }

    /// Readies the directory for a run: removes the temporaries of interrupted writes;
    /// for a fresh start moves every existing checkpoint into `previous-run-N/` (so that
    /// the next start resumes this run, not the old one); otherwise renames unusable
    /// files newer than the newest valid one to `NAME.rejected` (so this run's next
    /// checkpoint is not shadowed by them). Call it on the one process that writes.
    public func prepare(fresh: Bool) throws(AtomicFile.Failure) -> Preparation {
        var preparation = Preparation()
        preparation.removedTemporaries = AtomicFile.removeStaleTemporaries(in: path)
        let existing = files()
        guard !existing.isEmpty else { return preparation }
        if fresh {
            var index = 1
            while access("\(path)/previous-run-\(index)", F_OK) == 0 { index += 1 }
            let destination = "\(path)/previous-run-\(index)"
            guard mkdir(destination, 0o700) == 0 else {
                throw AtomicFile.Failure(description: "cannot create \(destination): \(String(cString: strerror(errno)))")
            }
            for name in existing { try AtomicFile.move("\(path)/\(name)", to: "\(destination)/\(name)") }
            preparation.previousRunMovedTo = destination
            return preparation
        }
        let usable = newestValid()
        let newestUsable = usable.file.map { String($0.split(separator: "/").last ?? "") }
        for name in existing where newestUsable.map({ name > $0 }) ?? true {
            try AtomicFile.move("\(path)/\(name)", to: "\(path)/\(name).rejected")
            preparation.setAside.append(name)
        }
        return preparation
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

    /// A checkpoint file (`*.bin`), or a log directory's newest valid one (`skipped` hears
    /// about each newer file that could not be used).
    public static func load(_ path: String, skipped: (String) -> Void = { _ in }) throws -> Checkpoint {
        if path.hasSuffix(".bin") { return try Checkpoint.read(from: path) }
        let found = CheckpointDirectory(path: path, keep: 1).newestValid()
        found.rejected.forEach(skipped)
        guard let checkpoint = found.checkpoint else { throw AtomicFile.Failure(description: "no valid checkpoint in \(path)") }
        return checkpoint
    }

    static func fileName(version: UInt64) -> String {
        let digits = String(version)
        return "checkpoint-" + String(repeating: "0", count: max(0, 12 - digits.count)) + digits + ".bin"
    }

    /// Checkpoint file names (`checkpoint-<version>.bin`, the version all digits), newest
    /// (highest version) first. Any other name is not ours: `checkpoint-zzz.bin` would sort
    /// above every numbered one as text and be taken for the newest.
    func files() -> [String] {
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var found: [(version: UInt64, name: String)] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if let version = Self.version(ofFile: name) { found.append((version, name)) }
        }
        return found.sorted { ($0.version, $0.name) > ($1.version, $1.name) }.map(\.name)
    }

    /// The version a checkpoint file name carries, or nil if it is not one.
    static func version(ofFile name: String) -> UInt64? {
        guard name.hasPrefix("checkpoint-") && name.hasSuffix(".bin") else { return nil }
        let digits = name.dropFirst("checkpoint-".count).dropLast(".bin".count)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return UInt64(digits)
    }
}
