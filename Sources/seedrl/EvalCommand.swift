import ArgumentParser
import Environments
import LearnerLoop
import LinearAlgebra

/// `seedrl eval`: a checkpoint's policy on local environments, no server.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a checkpoint's policy locally: mean ± std return over episodes.")

    @Option(help: "Checkpoint file, or a log directory (its newest valid checkpoint).")
    var checkpoint: String

    @Option(help: "Environment: cartpole, acrobot, mountaincar, catch, recall, synthetic-frames.")
    var env: String = "cartpole"

    @Option(help: "Episodes to run.")
    var episodes: Int = 100

    @Flag(help: "Take the most likely action instead of sampling.")
    var greedy = false

    @Option(help: "Seed of environments and sampling.")
    var seed: UInt64 = 12345

    func validate() throws {
        if episodes < 1 { throw ValidationError("--episodes must be at least 1") }
    }

    func run() throws {
        BLAS.useSingleThread()
        let loaded: Checkpoint
        do {
            if checkpoint.hasSuffix(".bin") {
                loaded = try Checkpoint.read(from: checkpoint)
            } else {
                let found = CheckpointDirectory(path: checkpoint, keep: 1).newestValid()
                found.rejected.forEach { Console.error("seedrl eval: skipping \($0)") }
                guard let newest = found.checkpoint else {
                    Console.error("seedrl eval: no valid checkpoint in \(checkpoint)")
                    throw ExitCode(1)
                }
                loaded = newest
            }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            Console.error("seedrl eval: \(error)")
            throw ExitCode(1)
        }
        guard let environment = KnownEnvironment(named: env)?.make(seed: seed) else {
            throw ValidationError("unknown environment '\(env)'; known: \(KnownEnvironment.names.joined(separator: ", "))")
        }
        let returns = Evaluation.run(checkpoint: loaded, environment: environment, episodes: episodes, greedy: greedy, seed: seed)
        let mean = returns.reduce(0, +) / Double(returns.count)
        let std = (returns.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(returns.count)).squareRoot()
        Console.line("\(env): \(episodes) episodes, \(greedy ? "greedy" : "sampled") actions, model version \(loaded.version): "
            + "return \(format(mean, decimals: 1)) ± \(format(std, decimals: 1)) (min \(format(returns.min()!)), max \(format(returns.max()!)))")
    }
}

/// Runs a checkpoint's policy on an environment for some episodes.
enum Evaluation {
    static func run(checkpoint: Checkpoint, environment: Environment, episodes: Int, greedy: Bool, seed: UInt64) -> [Double] {
        let architecture = checkpoint.architecture
        let workspace = ForwardWorkspace(architecture: architecture, maxBatch: 1)
        let encoder = ObservationEncoder(architecture: architecture)
        var sampler = ActionSampler(seed: seed)
        let observation = UnsafeMutableRawBufferPointer.allocate(byteCount: environment.spec.byteCount, alignment: 16)
        let input = UnsafeMutablePointer<Float>.allocate(capacity: architecture.inputSize)
        // A recurrent core's state, carried from step to step and zeroed per episode.
        let state = UnsafeMutablePointer<Float>.allocate(capacity: max(1, architecture.stateSize))
        defer {
            observation.deallocate()
            input.deallocate()
            state.deallocate()
        }
        var returns: [Double] = []
        for _ in 0..<episodes {
            environment.reset(observation: observation)
            state.update(repeating: 0, count: max(1, architecture.stateSize))
            var total = 0.0
            while true {
                encoder.encode(raw: observation.baseAddress!, count: 1, into: input)
                checkpoint.parameters.withUnsafeBufferPointer { parameters in
                    var initial = UnsafePointer(state)
                    withUnsafePointer(to: &initial) { initialRows in
                        ModelForward.run(parameters: parameters.baseAddress!, input: input, sequences: 1, length: 1,
                                       initialState: initialRows, resets: nil, workspace: workspace)
                    }
                }
                if architecture.stateSize > 0 { workspace.finalState(sequence: 0, into: state) }
                let logits = workspace.headRow(0)
                let action = greedy
                    ? ActionSampler.greedy(logits: logits, count: architecture.numActions)
                    : sampler.sample(logits: logits, count: architecture.numActions)
                let outcome = environment.step(action: action, observation: observation)
                total += Double(outcome.reward)
                if outcome.isLast { break }
            }
            returns.append(total)
        }
        return returns
    }
}
