#if canImport(Glibc)
import Glibc
#endif
import Collective
import Files
import Foundation
import LearnerLoop
import Model
import LinearAlgebra
import Threading
import Wire

/// `run.json` in a run's log directory: what a reproducibility report needs. Written when
/// the run starts (what ran, where, with what) and rewritten when it ends (the results).
/// `seedrl plot` and `seedrl stats --logdir` read it.
public struct RunCard: Codable, Sendable, Equatable {
    public static let seedrlVersion = "0.6.0"

    public struct Machine: Codable, Sendable, Equatable {
        public var os: String
        public var cpuModel: String
        public var cores: Int
        public var openblas: String
        public var grpcCore: String
        public var mpi: String
    }

    public struct Model: Codable, Sendable, Equatable {
        public var torso: String
        public var hiddenSizes: [Int]
        public var lstmSize: Int?
        public var parameters: Int
        /// A Gaussian head's starting σ when a fresh run set it (`--initial-action-std`).
        public var initialActionStd: Float?
    }

    public struct Learning: Codable, Sendable, Equatable {
        public var unrollLength: Int, batchSize: Int, discount: Float, learningRate: Float, entropyCost: Float
        public var optimizer: String
        /// Absent (nil) in run cards written before the option existed.
        public var normalizeAdvantages: Bool?
        /// Absent in older cards, as the two below; the PPO fields only for PPO runs, the
        /// decay only when the rate decays.
        public var algorithm: String?
        public var learningRateDecayFrames: UInt64?
        public var maxGradientNorm: Float?
        public var ppoEpochs: Int?
        public var ppoMinibatches: Int?
        /// PPO runs only; absent in cards written before the option existed.
        public var ppoRecomputesAdvantages: Bool?
        /// Absent in cards written before reward normalisation existed.
        public var rewardScale: Float?
        public var rewardNormalization: String?
        /// The learner's threads (`--learner-threads`); absent in older cards.
        public var learnerThreads: Int?
    }

    public struct Results: Codable, Sendable, Equatable {
        public var envSteps: UInt64
        public var episodes: UInt64
        public var finalLast100Return: Double
        public var framesTrained: UInt64
        public var wallSeconds: Double
        public var envStepsPerSecond: Double
        /// This process's CPU time per million environment steps (the learner's; actors
        /// are other processes).
        public var cpuSecondsPerMillionEnvSteps: Double
        public var peakResidentBytes: Double
        public var exitReason: String
        public var checkpoint: String?
    }

    public var command: String
    public var seedrlVersion = RunCard.seedrlVersion
    public var gitCommit: String
    public var startedAt: String
    public var machine: Machine
    public var seed: UInt64
    public var environment: String
    public var observation: String
    /// The discrete action count, or the floats of one action for other spaces.
    public var actions: Int
    /// The action space ("discrete(2)", "box[1] in [-2, 2]").
    public var actionSpace: String
    public var model: Model
    public var learning: Learning?
    public var results: Results?

    /// The card of a run about to start.
    public init(command: String, system: LearnerSystem) {
        self.command = command
        gitCommit = Self.gitCommit()
        startedAt = ISO8601DateFormatter().string(from: Date())
        machine = Machine(os: Self.operatingSystem(), cpuModel: Self.cpuModel(), cores: Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))),
                          openblas: BLAS.configuration, grpcCore: GRPCLibrary.coreVersion, mpi: MPIGroup.libraryVersion)
        let configuration = system.configuration
        seed = configuration.model.seed
        environment = system.spec.envName
        observation = system.spec.shapeDescription
        actions = system.spec.action.discreteCount ?? system.spec.action.width
        actionSpace = system.spec.action.description
        let architecture = system.architecture
        model = Model(torso: architecture.torso.rawValue, hiddenSizes: architecture.hiddenSizes, lstmSize: architecture.lstmSize,
                      parameters: architecture.layout.count,
                      initialActionStd: system.resumedFrom == nil ? configuration.model.initialActionStd : nil)
        learning = configuration.learning.map { learning in
            let s = learning.settings
            return Learning(unrollLength: s.unrollLength, batchSize: s.batchSize, discount: s.discount,
                            learningRate: s.optimizer.learningRate, entropyCost: s.entropyCost, optimizer: s.optimizer.kind.rawValue,
                            normalizeAdvantages: s.normalizeAdvantages, algorithm: s.algorithm.rawValue,
                            learningRateDecayFrames: s.learningRateDecayFrames, maxGradientNorm: s.maxGradientNorm,
                            ppoEpochs: s.algorithm == .ppo ? s.ppo.epochs : nil,
                            ppoMinibatches: s.algorithm == .ppo ? s.ppo.minibatches : nil,
                            ppoRecomputesAdvantages: s.algorithm == .ppo ? s.ppo.recomputesAdvantages : nil,
                            rewardScale: s.rewardScale, rewardNormalization: s.rewardNormalization.rawValue,
                            learnerThreads: learning.learnerThreads(for: architecture))
        }
    }

    /// Fills in the results of a run that has stopped.
    public mutating func finish(system: LearnerSystem, wallSeconds: Double, reason: String, checkpoint: String?) {
        let stats = system.stats()
        let steps = Double(stats.envSteps)
        results = Results(
            envSteps: stats.envSteps, episodes: stats.episodesCompleted, finalLast100Return: stats.meanEpisodeReturn,
            framesTrained: stats.framesTrained, wallSeconds: wallSeconds, envStepsPerSecond: wallSeconds > 0 ? steps / wallSeconds : 0,
            cpuSecondsPerMillionEnvSteps: steps > 0 ? ProcessUsage.cpuSeconds / steps * 1e6 : 0,
            peakResidentBytes: ProcessUsage.peakResidentBytes, exitReason: reason, checkpoint: checkpoint)
    }

    public func write(to directory: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try AtomicFile.write(Array(try encoder.encode(self)) + [10], to: "\(directory)/run.json")
    }

    public static func read(from directory: String) throws -> RunCard {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try decoder.decode(RunCard.self, from: Data(try AtomicFile.read("\(directory)/run.json")))
    }

    // MARK: Where it ran

    /// HEAD of the seedrl checkout the running binary was built in (found from
    /// /proc/self/exe: `<checkout>/.build/.../seedrl`), if it was built in one. Never the
    /// current directory's: git reads the configuration of the repository it runs in, and
    /// a hostile one (core.fsmonitor) runs commands.
    static func gitCommit() -> String {
        guard let checkout = builtInCheckout() else { return "unknown" }
        let quoted = "'" + checkout.replacingOccurrences(of: "'", with: "'\\''") + "'"
        let command = "git -C \(quoted) rev-parse HEAD 2>/dev/null && git -C \(quoted) diff --quiet HEAD 2>/dev/null || echo dirty"
        guard let file = popen(command, "r") else { return "unknown" }
        defer { pclose(file) }
        var line = [CChar](repeating: 0, count: 128)
        var lines: [String] = []
        while fgets(&line, Int32(line.count), file) != nil { lines.append(String(cString: line).trimmingCharacters(in: .whitespacesAndNewlines)) }
        guard let commit = lines.first, commit.count == 40 else { return "unknown" }
        return lines.count > 1 ? "\(commit) (with uncommitted changes)" : commit
    }

    /// The directory above the binary's `.build` folder, if it holds a git checkout of a
    /// Swift package.
    static func builtInCheckout() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        let executable = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let range = executable.range(of: "/.build") else { return nil }
        let checkout = String(executable[..<range.lowerBound])
        guard access("\(checkout)/.git", F_OK) == 0, access("\(checkout)/Package.swift", F_OK) == 0 else { return nil }
        return checkout
    }

    static func operatingSystem() -> String {
        var names = utsname()
        uname(&names)
        func text<T>(_ field: T) -> String {
            withUnsafeBytes(of: field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        return "\(text(names.sysname)) \(text(names.release)) \(text(names.machine))"
    }

    static func cpuModel() -> String {
        guard let file = fopen("/proc/cpuinfo", "r") else { return "unknown" }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 512)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(cString: line)
            if text.hasPrefix("model name") { return text.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? "unknown" }
        }
        return "unknown"
    }
}
