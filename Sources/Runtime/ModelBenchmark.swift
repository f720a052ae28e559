import Contract
import InferenceServer
import LearnerLoop
import Model
import LinearAlgebra
import Randomness
import Threading

/// What a model costs on this machine, on one thread: OpenBLAS's own sgemm rate as the
/// reference, then the model's forward and backward passes in GFLOP/s (2 FLOPs per
/// multiply-add of the torso and head; the backward pass counted as twice the forward's),
/// frames inferred per second through the server's policy and frames trained per second
/// through the learner's step, on one thread and on two (`--learner-threads 2`).
public enum ModelBenchmark {
    public struct Result: Sendable, Encodable {
        public var torso: String
        public var parameters: Int
        public var multiplyAddsPerFrame: Int
        public var sgemmGflops: Double
        public var forwardGflops: Double
        public var backwardGflops: Double
        public var inferredFramesPerSecond: Double
        /// The learner's step on one thread: the median of its rounds (see `TrainingRates`).
        public var trainedFramesPerSecond: Double
        /// The learner's step with its GEMMs split over two threads (`--learner-threads 2`).
        public var trainedFramesPerSecondTwoThreads: Double
        /// Two threads against one: the median of each round's ratio.
        public var twoThreadSpeedup: Double
        /// Rounds of one and two threads each, and each round's ratio, for the record.
        public var trainingRounds: Int
        public var twoThreadSpeedupPerRound: [Double]
    }

    /// Frames trained per second on one thread and on two, measured in alternating rounds
    /// (one then two, two then one, ...) rather than one after the other: a shared VM's
    /// rate drifts by half within minutes, and a drift between two long phases would pass
    /// for a speed-up or hide one. Each round's ratio compares two measurements taken back to back.
    public struct TrainingRates: Sendable {
        public var oneThread: [Double]
        public var twoThreads: [Double]

        public init(oneThread: [Double], twoThreads: [Double]) {
            self.oneThread = oneThread
            self.twoThreads = twoThreads
        }

        public var ratios: [Double] { zip(twoThreads, oneThread).map { $0 / $1 } }
        public var medianOneThread: Double { Self.median(oneThread) }
        public var medianTwoThreads: Double { Self.median(twoThreads) }
        public var medianRatio: Double { Self.median(ratios) }

        static func median(_ values: [Double]) -> Double {
            let sorted = values.sorted()
            guard !sorted.isEmpty else { return .nan }
            let middle = sorted.count / 2
            return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        }
    }

    public static func run(architecture: ModelArchitecture, settings: LearnerSettings, rows: Int, seconds: Double, seed: UInt64) -> Result {
        BLAS.useSingleThread()
        let parameters = ParameterInitializer.initialValues(for: architecture, seed: seed)
        let multiplyAdds = (architecture.convTorso?.multiplyAdds ?? 0)
            + architecture.layout.layers.reduce(0) { $0 + $1.inputs * $1.outputs }
            + (architecture.layout.lstm.map { ($0.inputs + $0.size) * 4 * $0.size } ?? 0)
        var generator = SeededGenerator(seed: seed)
        let input = (0..<(rows * architecture.inputSize)).map { _ in generator.nextUnitFloat() }
        let forward = ForwardWorkspace(architecture: architecture, maxBatch: rows)
        let backward = BackwardWorkspace(architecture: architecture, maxRows: rows)
        var gradient = [Float](repeating: 0, count: parameters.count)
        let forwardSeconds = timed(seconds / 4) {
            ModelForward.run(parameters: parameters, input: input, count: rows, workspace: forward)
        }
        for index in 0..<(rows * architecture.headSize) { backward.headGradient[index] = generator.nextGaussian() }
        let backwardSeconds = timed(seconds / 4) {
            ModelBackward.run(parameters: parameters, input: input, rows: rows, forward: forward, workspace: backward, gradient: &gradient)
        }
        let flops = 2 * Double(multiplyAdds) * Double(rows)
        let training = trainingRates(architecture, parameters: parameters, settings: settings, seconds: seconds / 4, seed: seed)
        return Result(
            torso: architecture.torso.rawValue, parameters: parameters.count, multiplyAddsPerFrame: multiplyAdds,
            sgemmGflops: sgemmRate(seconds: seconds / 4), forwardGflops: flops / forwardSeconds / 1e9,
            backwardGflops: 2 * flops / backwardSeconds / 1e9,
            inferredFramesPerSecond: inferenceRate(architecture, parameters: parameters, rows: rows, seconds: seconds / 8, seed: seed),
            trainedFramesPerSecond: training.medianOneThread, trainedFramesPerSecondTwoThreads: training.medianTwoThreads,
            twoThreadSpeedup: training.medianRatio, trainingRounds: training.ratios.count, twoThreadSpeedupPerRound: training.ratios)
    }

    /// Seconds per call of `body`, over calls for about `seconds` (after one warm-up call,
    /// unless the caller warmed up already).
    static func timed(_ seconds: Double, warmUp: Bool = true, _ body: () -> Void) -> Double {
        if warmUp { body() }
        let start = MonotonicClock.now()
        var calls = 0
        repeat {
            body()
            calls += 1
        } while Double(MonotonicClock.now() - start) / 1e9 < seconds
        return Double(MonotonicClock.now() - start) / 1e9 / Double(calls)
    }

    /// Single-thread sgemm on 1024×1024 matrices: the machine's reference rate.
    static func sgemmRate(seconds: Double) -> Double {
        let n = 1024
        let a = [Float](repeating: 0.5, count: n * n), b = [Float](repeating: 0.25, count: n * n)
        var c = [Float](repeating: 0, count: n * n)
        let perCall = timed(seconds) { BLAS.gemm(m: n, n: n, k: n, a: a, lda: n, b: b, ldb: n, c: &c, ldc: n) }
        return 2 * Double(n * n * n) / perCall / 1e9
    }

    /// Frames per second through `ModelPolicy` as the server runs it (prepare each frame,
    /// act on the batch).
    static func inferenceRate(_ architecture: ModelArchitecture, parameters: [Float], rows: Int, seconds: Double, seed: UInt64) -> Double {
        let store = ParameterStore(initial: ParameterSnapshot(values: parameters, version: 0), layout: architecture.layout)
        let policy = ModelPolicy(architecture: architecture, store: store, maxBatch: rows, seed: seed)
        let frame = [UInt8](repeating: 7, count: architecture.observation.byteCount)
        let prepared = (0..<rows).map { _ in UnsafeMutableRawPointer.allocate(byteCount: policy.preparedRowBytes, alignment: 64) }
        defer { prepared.forEach { $0.deallocate() } }
        let pointers = prepared.map { UnsafeRawPointer($0) }
        var actions = [Float](repeating: 0, count: rows * architecture.action.width)
        var logProbabilities = [Float](repeating: 0, count: rows)
        let perBatch = timed(seconds) {
            frame.withUnsafeBytes { bytes in for row in prepared { policy.prepare(observation: bytes, into: row) } }
            _ = policy.act(preparedRows: pointers, states: nil, count: rows, actions: &actions, logProbabilities: &logProbabilities)
        }
        return Double(rows) / perBatch
    }

    /// Frames per second through the learner's step on synthetic unrolls, with one thread
    /// (`CPUBackend`) and two (`SplitCPUBackend`), in `rounds` alternating rounds that share
    /// `seconds` (at least one step per measurement).
    public static func trainingRates(_ architecture: ModelArchitecture, parameters: [Float], settings: LearnerSettings, seconds: Double,
                                     rounds: Int = 8, seed: UInt64) -> TrainingRates {
        func learner(_ backend: any ComputeBackend) -> Learner {
            let store = ParameterStore(initial: ParameterSnapshot(values: parameters, version: 0), layout: architecture.layout)
            return Learner(architecture: architecture, settings: settings, store: store, backend: backend)
        }
        let one = learner(CPUBackend()), two = learner(SplitCPUBackend())
        let unrolls = SyntheticUnrolls(architecture: architecture, unrollLength: settings.unrollLength, batchSize: settings.batchSize, seed: seed)
        let batch = unrolls.batch(rank: 0, step: 0)
        let frames = Double(settings.batchSize * settings.unrollLength)
        _ = one.step(batch)  // warm-up: workspaces, the worker thread, OpenBLAS's buffers
        _ = two.step(batch)
        let window = seconds / Double(2 * rounds)
        func rate(_ learner: Learner) -> Double {
            frames / timed(window, warmUp: false) { _ = learner.step(batch) }
        }
        var rates = TrainingRates(oneThread: [], twoThreads: [])
        for round in 0..<rounds {
            if round % 2 == 0 {
                rates.oneThread.append(rate(one))
                rates.twoThreads.append(rate(two))
            } else {
                rates.twoThreads.append(rate(two))
                rates.oneThread.append(rate(one))
            }
        }
        return rates
    }
}
