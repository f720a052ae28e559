import Contract
import ArgumentParser
import Environments
import Runtime
import LearnerLoop
import LinearAlgebra
import Threading

/// `seedrl learner-bench`: the learner alone on synthetic unrolls — frames trained per
/// second, and under mpirun the share of each step spent in the gradient all-reduce and
/// a checksum of every rank's parameters (they must agree bit for bit).
struct LearnerBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "learner-bench",
        abstract: "Measure (and check) the learner alone on synthetic unrolls; under mpirun, data-parallel.")

    @OptionGroup var spec: SpecOptions

    @Option(help: "Hidden layer widths of the MLP.")
    var hidden: String = "64,64"

    @Option(help: "Training steps measured.")
    var steps: Int = 200

    @Option(help: "Training steps before the measurement starts.")
    var warmupSteps: Int = 10

    @Option(help: "Seed of the parameters and of the synthetic unrolls.")
    var seed: UInt64 = 1

    @Option(help: "Without mpirun: average the gradients of this many ranks' batches per step, in this one process, as a job of that many ranks would (the reference the MPI check compares against).")
    var simulateRanks: Int = 1

    @OptionGroup(title: "Learning") var learning: LearningOptions

    func validate() throws {
        if steps < 1 || warmupSteps < 0 { throw ValidationError("--steps must be at least 1, --warmup-steps at least 0") }
        if simulateRanks < 1 { throw ValidationError("--simulate-ranks must be at least 1") }
    }

    func run() throws {
        // A single-threaded program: the main thread joins the job and makes every MPI call.
        let group = DataParallelJob.launched().map { _ in DataParallelJob.joinGroup() }
        defer { group?.leave() }
        if group != nil && simulateRanks != 1 { throw ValidationError("--simulate-ranks is for a single process, not under mpirun") }
        BLAS.useSingleThread()
        let observationSpec = try spec.resolve(default: KnownEnvironment.cartpole.spec)
        let sizes = try ServingOptions.hiddenSizes(hidden)
        let architecture = ModelArchitecture(
            observation: observationSpec.format,
            hiddenSizes: sizes, numActions: observationSpec.numActions)
        let store = ParameterStore(
            initial: ParameterSnapshot(values: ParameterInitializer.initialValues(for: architecture, seed: seed), version: 0),
            layout: architecture.layout)
        let settings = learning.settings
        let learner = Learner(architecture: architecture, settings: settings, store: store)
        group.map { learner.adoptState(of: 0, in: $0) }
        let rank = group?.rank ?? 0, ranks = group?.size ?? simulateRanks
        let unrolls = SyntheticUnrolls(architecture: architecture, unrollLength: settings.unrollLength,
                                       batchSize: settings.batchSize, seed: seed)
        var sum = [Float](repeating: 0, count: learner.parameters.count)

        var reduceNanoseconds: UInt64 = 0
        var started = MonotonicClock.now()
        for step in 0..<(warmupSteps + steps) {
            if step == warmupSteps { started = MonotonicClock.now(); reduceNanoseconds = 0 }
            if let group {
                let report = learner.step(unrolls.batch(rank: rank, step: step), group: group)
                reduceNanoseconds += UInt64(report.reduceSeconds * 1e9)
                continue
            } else {
                // Rank by rank, summed in rank order as the all-reduce sums them.
                var report = learner.computeGradient(unrolls.batch(rank: 0, step: step))
                if ranks > 1 {
                    learner.withGradient { gradient in for i in gradient.indices { sum[i] = gradient[i] } }
                    for other in 1..<ranks {
                        _ = learner.computeGradient(unrolls.batch(rank: other, step: step))
                        learner.withGradient { gradient in for i in gradient.indices { sum[i] += gradient[i] } }
                    }
                    learner.withGradient { gradient in for i in gradient.indices { gradient[i] = sum[i] } }
                }
                learner.applyGradient(contributors: ranks, report: &report)
            }
        }
        let seconds = Double(MonotonicClock.now() - started) / 1e9
        let frames = Double(steps * settings.batchSize * settings.unrollLength * ranks)
        // One JSON line per rank, never a status-line escape (mpirun's stdout looks like a terminal).
        print(JSONLine.encode(LearnerBenchRecord(
            rank: rank, ranks: ranks, simulated: simulateRanks > 1, steps: steps, batchSize: settings.batchSize,
            unrollLength: settings.unrollLength, parameters: learner.parameters.count, seconds: seconds,
            framesTrainedPerS: frames / seconds, allreduceShare: Double(reduceNanoseconds) / 1e9 / seconds,
            version: learner.store.version, checksum: checksum(learner.parameters))))
    }

    /// FNV-1a over the parameters' bytes: equal only if every bit is.
    private func checksum(_ values: [Float]) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for value in values {
            var bits = value.bitPattern
            for _ in 0..<4 {
                hash = (hash ^ UInt64(bits & 0xFF)) &* 0x0000_0100_0000_01B3
                bits >>= 8
            }
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// One `seedrl learner-bench` line (one per rank).
struct LearnerBenchRecord: Encodable {
    let rank: Int, ranks: Int, simulated: Bool, steps: Int, batchSize: Int, unrollLength: Int, parameters: Int
    let seconds: Double, framesTrainedPerS: Double, allreduceShare: Double, version: UInt64, checksum: String

    enum CodingKeys: String, CodingKey {
        case rank, ranks, simulated, steps, batchSize = "batch_size", unrollLength = "unroll_length", parameters, seconds
        case framesTrainedPerS = "frames_trained_per_s", allreduceShare = "allreduce_share", version, checksum
    }
}
