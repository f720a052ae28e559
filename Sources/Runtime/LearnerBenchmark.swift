import LearnerLoop
import Model
import Threading

/// The learner alone on synthetic unrolls: frames trained per second and, in a
/// data-parallel job, the share of each step spent in the gradient all-reduce and a
/// checksum of the parameters (every rank's must agree bit for bit). Without a job it can
/// simulate N ranks in one process, summing their gradients in rank order as the
/// all-reduce does: the reference the MPI check compares against.
public enum LearnerBenchmark {
    public struct Result: Sendable {
        public var rank: Int, ranks: Int, parameters: Int, seconds: Double, framesTrainedPerSecond: Double
        public var allreduceShare: Double, version: UInt64, checksum: String
    }

    public static func run(architecture: ModelArchitecture, settings: LearnerSettings, seed: UInt64, steps: Int, warmupSteps: Int,
                           group: DataParallelGroup?, simulateRanks: Int) -> Result {
        let store = ParameterStore(
            initial: ParameterSnapshot(values: ParameterInitializer.initialValues(for: architecture, seed: seed), version: 0),
            layout: architecture.layout)
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
            } else if ranks == 1 {
                _ = learner.step(unrolls.batch(rank: 0, step: step))  // either algorithm, alone
            } else {
                precondition(settings.algorithm == .vtrace, "simulated ranks sum one gradient per batch: V-trace's step")
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
        return Result(rank: rank, ranks: ranks, parameters: learner.parameters.count, seconds: seconds,
                      framesTrainedPerSecond: frames / seconds, allreduceShare: Double(reduceNanoseconds) / 1e9 / seconds,
                      version: learner.store.version, checksum: checksum(learner.parameters))
    }

    /// FNV-1a over the parameters' bytes: equal only if every bit is.
    static func checksum(_ values: [Float]) -> String {
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
