import ArgumentParser
import InferenceServer
import LearnerLoop
import Model
import Runtime

/// Flags shared by everything that runs a server (server, train, bench's embedded one).
struct ServingOptions: ParsableArguments {
    @Option(help: "Most steps per inference batch.")
    var maxBatch: Int = 256

    @Option(help: "Longest the first pending step waits for company, in seconds (0: take what is pending whenever inference is free; raise it for costly models).")
    var maxDelaySeconds: Double = 0

    @Option(name: .customLong("max-delay-us"), help: .hidden)
    var legacyMaxDelayMicroseconds: Int?

    @Option(help: "Most Act streams (and ActBatch lanes: each counts as one) served at once; beyond it RESOURCE_EXHAUSTED.")
    var maxStreams: Int = 4096

    @Option(help: "Most lanes one ActBatch stream may carry (reported in GetSpec's max_lanes).")
    var maxLanes: Int = 256

    @Option(help: "Most Act streams one peer host may hold (an IPv6 peer's /64 counts as one host; 0: no per-peer limit).")
    var maxStreamsPerPeer: Int = 1024

    @Option(help: "Most streams one connection may have open at once (HTTP/2 MAX_CONCURRENT_STREAMS).")
    var maxStreamsPerConnection: Int = 1024

    @Option(help: "Memory all streams may hold for their input rows, recurrent states and partial unrolls, in MiB (0: half the machine's memory); beyond it new streams get RESOURCE_EXHAUSTED.")
    var maxStreamMemoryMb: Int = 0

    @Option(help: "Ping clients this often (seconds) and drop those silent for as long, freeing their streams (0: off).")
    var keepaliveSeconds: Double = 20

    @Option(help: "End a stream with DEADLINE_EXCEEDED when its client sends no Step for this many seconds (0: never).")
    var streamIdleSeconds: Double = 0

    @Option(name: .customLong("stream-idle-secs"), help: .hidden)
    var legacyStreamIdleSecs: Double?

    @Option(help: "Close a connection that has had no call open for this many seconds (0: never).")
    var maxConnectionIdleSeconds: Double = 120

    @Option(help: "Ask a connection older than this many seconds to reconnect (GOAWAY; 0: never).")
    var maxConnectionAgeSeconds: Double = 0

    @Option(help: "Refuse (INVALID_ARGUMENT, naming the lane) a reward whose magnitude is beyond this: a finite but huge reward would make every update it joins non-finite (default: \(ValueLimits.training.maxAbsReward) when training, no bound when only serving; inf: no bound).")
    var maxAbsReward: Double?

    @Option(help: "Refuse a float32 observation element whose magnitude is beyond this, for the same reason (default: \(ValueLimits.training.maxAbsObservation) when training, no bound when only serving; inf: no bound).")
    var maxAbsObservation: Double?

    @Option(help: "Completion-queue poller threads.")
    var pollerThreads: Int = 1

    @Option(help: "The torso (default: the one that fits the observation: mlp for flat observations, minatar for frames of up to 16×16, nature for frames of at least 36×36, impala in between). mlp-separate: one MLP of --hidden for the policy and another for the value, nothing shared.")
    var torso: TorsoKind?

    @Option(help: "Hidden layer widths of the mlp torso, e.g. 64,64.")
    var hidden: String = "64,64"

    @Option(help: "The model's core between the torso and the heads.")
    var core: ModelCore = .mlp

    @Option(help: "Width of the LSTM core with --core lstm.")
    var lstmSize: Int = 64

    @Option(help: "Seed for initialisation and action sampling.")
    var seed: UInt64 = 1

    @Option(help: "The σ a Gaussian policy (box actions) starts with, the same in every dimension; it is learned from there. A resumed run keeps its checkpoint's. (default: 1)")
    var initialActionStd: Float?

    @Flag(inversion: .prefixedNo, help: "Normalise observations by the running mean and variance of those trained on, inside the model (server, evaluator and ONNX export alike). (default: on for continuous-action tasks)")
    var normalizeObservations: Bool?

    var maxDelay: Double { legacyMaxDelayMicroseconds.map { Double($0) / 1e6 } ?? maxDelaySeconds }
    var streamIdle: Double { legacyStreamIdleSecs ?? streamIdleSeconds }

    func validate() throws {
        if maxBatch < 1 { throw ValidationError("--max-batch must be at least 1") }
        try checkSeconds(maxDelay, "--max-delay-seconds")
        try checkSeconds(keepaliveSeconds, "--keepalive-seconds")
        try checkSeconds(streamIdle, "--stream-idle-seconds")
        try checkSeconds(maxConnectionIdleSeconds, "--max-connection-idle-seconds")
        try checkSeconds(maxConnectionAgeSeconds, "--max-connection-age-seconds")
        if let maxAbsReward { try checkBound(maxAbsReward, "--max-abs-reward") }
        if let maxAbsObservation { try checkBound(maxAbsObservation, "--max-abs-observation") }
        if maxStreams < 1 { throw ValidationError("--max-streams must be at least 1") }
        if maxLanes < 1 { throw ValidationError("--max-lanes must be at least 1") }
        if maxStreamsPerPeer < 0 || streamIdle < 0 { throw ValidationError("--max-streams-per-peer and --stream-idle-seconds must not be negative") }
        if maxStreamsPerConnection < 1 { throw ValidationError("--max-streams-per-connection must be at least 1") }
        if maxStreamMemoryMb < 0 || maxConnectionIdleSeconds < 0 || maxConnectionAgeSeconds < 0 {
            throw ValidationError("--max-stream-memory-mb, --max-connection-idle-seconds and --max-connection-age-seconds must not be negative")
        }
        if pollerThreads < 1 || pollerThreads > 16 { throw ValidationError("--poller-threads must be in 1...16") }
        _ = try hiddenSizes()
        if lstmSize < 1 { throw ValidationError("--lstm-size must be at least 1") }
        if let initialActionStd, !ParameterInitializer.initialActionStdRange.contains(initialActionStd) {
            let range = ParameterInitializer.initialActionStdRange
            throw ValidationError("--initial-action-std must be in \(range.lowerBound)...\(range.upperBound) (log σ within the head's bounds), got \(initialActionStd)")
        }
        if let torso, let problem = ModelArchitecture.problem(torso: torso, hiddenSizes: try hiddenSizes(),
                                                              lstmSize: core == .lstm ? lstmSize : nil) {
            throw ValidationError("--torso \(torso.rawValue): \(problem)")
        }
    }

    func hiddenSizes() throws -> [Int] { try Self.hiddenSizes(hidden) }

    /// Parses a --hidden value ("64,64").
    static func hiddenSizes(_ text: String) throws -> [Int] {
        let sizes = text.split(separator: ",").map { Int($0) }
        guard !sizes.isEmpty, sizes.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw ValidationError("--hidden must be positive integers separated by commas, got '\(text)'")
        }
        return sizes.map { $0! }
    }

    /// The model a fresh run builds (a resumed one keeps its checkpoint's); the torso,
    /// unless given, is the task's or the one that fits the observation.
    func model(for task: TaskDefaults = TaskDefaults()) -> ModelOptions {
        var model = ModelOptions()
        model.torso = torso ?? task.torso
        model.hiddenSizes = (try? hiddenSizes()) ?? model.hiddenSizes
        model.lstmSize = core == .lstm ? lstmSize : nil
        model.seed = seed
        model.normalizesInputs = normalizeObservations ?? task.normalizesObservations
        model.initialActionStd = initialActionStd
        return model
    }

    /// The value bounds: they protect training, so a server that only serves has none
    /// unless asked (the reference load generator sends arbitrary float bit patterns).
    func valueLimits(training: Bool) -> ValueLimits {
        let defaults = training ? ValueLimits.training : ValueLimits.unbounded
        return ValueLimits(maxAbsReward: maxAbsReward ?? defaults.maxAbsReward,
                           maxAbsObservation: maxAbsObservation ?? defaults.maxAbsObservation)
    }

    func apply(to configuration: inout LearnerServerConfiguration, training: Bool) {
        configuration.maxBatch = maxBatch
        configuration.maxDelayMicroseconds = Int((maxDelay * 1e6).rounded())
        configuration.maxStreams = maxStreams
        configuration.maxLanes = maxLanes
        configuration.pollerThreads = pollerThreads
        configuration.valueLimits = valueLimits(training: training)
        configuration.maxStreamsPerPeer = maxStreamsPerPeer > 0 ? maxStreamsPerPeer : nil
        configuration.streamIdleSeconds = streamIdle > 0 ? streamIdle : nil
        configuration.keepaliveMilliseconds = keepaliveSeconds > 0 ? Int(keepaliveSeconds * 1000) : nil
        if maxStreamMemoryMb > 0 { configuration.maxStreamMemoryBytes = maxStreamMemoryMb << 20 }
        configuration.defences.maxConcurrentStreams = maxStreamsPerConnection
        configuration.defences.maxConnectionIdleMilliseconds = maxConnectionIdleSeconds > 0 ? Int(maxConnectionIdleSeconds * 1000) : nil
        configuration.defences.maxConnectionAgeMilliseconds = maxConnectionAgeSeconds > 0 ? Int(maxConnectionAgeSeconds * 1000) : nil
    }
}
