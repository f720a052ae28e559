import Contract
import ArgumentParser
import Environments
import Runtime
import LearnerLoop
import Model
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

    @Option(help: "The torso (default: the one that fits the observation).")
    var torso: TorsoKind?

    @Option(help: "Hidden layer widths of the mlp torso.")
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
        if simulateRanks > 1 && learning.algorithm == .ppo { throw ValidationError("--simulate-ranks sums one gradient per batch: V-trace only (PPO over MPI runs under mpirun)") }
        // Each simulated rank would take its reward factor from the ranks before it only,
        // where a real job sums every rank's returns first.
        if simulateRanks > 1 && learning.rewardNormalization == .returns {
            throw ValidationError("--simulate-ranks does not model --reward-normalization return (a real job scales every rank alike): run it under mpirun")
        }
    }

    func run() throws {
        // A single-threaded program: the main thread joins the job and makes every MPI call.
        let group = DataParallelJob.launched().map { _ in DataParallelJob.joinGroup() }
        defer { group?.leave() }
        if group != nil && simulateRanks != 1 { throw ValidationError("--simulate-ranks is for a single process, not under mpirun") }
        BLAS.useSingleThread()
        let observationSpec = try spec.resolve(default: KnownEnvironment.cartpole.spec)
        let sizes = try ServingOptions.hiddenSizes(hidden)
        var model = ModelOptions()
        model.torso = torso
        model.hiddenSizes = sizes
        let architecture = model.architecture(for: observationSpec)
        let result = LearnerBenchmark.run(architecture: architecture, settings: try learning.settings(), seed: seed, steps: steps,
                                          warmupSteps: warmupSteps, group: group, simulateRanks: simulateRanks)
        let settings = try learning.settings()
        // One JSON line per rank, never a status-line escape (mpirun's stdout looks like a terminal).
        print(JSONLine.encode(LearnerBenchRecord(
            rank: result.rank, ranks: result.ranks, simulated: simulateRanks > 1, steps: steps, batchSize: settings.batchSize,
            unrollLength: settings.unrollLength, parameters: result.parameters, seconds: result.seconds,
            framesTrainedPerS: result.framesTrainedPerSecond, allreduceShare: result.allreduceShare,
            version: result.version, checksum: result.checksum)))
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
