import ArgumentParser
import Environments
import LearnerLoop
import Model
import Runtime

/// `seedrl model-bench`: what a model costs here, one thread (GFLOP/s against sgemm's), and
/// what a second thread gives the learner.
struct ModelBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model-bench",
        abstract: "Measure a model on one thread: sgemm's GFLOP/s, the forward and backward passes', frames inferred and trained per second; then the learner's step on two threads against one, in alternating rounds.")

    @OptionGroup var spec: SpecOptions

    @Option(help: "The torso (default: the one that fits the observation).")
    var torso: TorsoKind?

    @Option(help: "Hidden layer widths of the mlp torso.")
    var hidden: String = "64,64"

    @Option(help: "Rows per forward and backward pass (an inference batch, or T×B of a learner's).")
    var rows: Int = 64

    @Option(help: "Seconds of measurement in all.")
    var seconds: Double = 4

    @OptionGroup(title: "Learning") var learning: LearningOptions

    func validate() throws {
        if rows < 1 { throw ValidationError("--rows must be at least 1") }
        try checkSeconds(seconds, "--seconds", exclusive: true)
    }

    func run() throws {
        var model = ModelOptions()
        model.torso = torso
        model.hiddenSizes = try ServingOptions.hiddenSizes(hidden)
        let architecture = model.architecture(for: try spec.resolve(default: KnownEnvironment.cartpole.spec))
        let result = ModelBenchmark.run(architecture: architecture, settings: try learning.settings(), rows: rows, seconds: seconds, seed: 1)
        print(JSONLine.encode(result))
    }
}
