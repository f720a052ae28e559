import InferenceServer
import LearnerLoop
import Logging
import Replay

/// The whole learner process assembled: parameter store, inference server and (unless
/// serving only) the training loop that shares its parameters.
final class LearnerSystem: @unchecked Sendable {
    // Immutable after init.
    let server: LearnerServer
    let training: TrainingLoop?
    let architecture: ModelArchitecture
    let spec: ObservationSpec

    /// - Parameter resume: a checkpoint to continue from (its parameters, version,
    ///   optimizer state and frames).
    init(spec: ObservationSpec, listen: [String], serving: ServingOptions, learning: LearningOptions?,
         token: String?, resume: Checkpoint?, logger: Logger) throws {
        self.spec = spec
        let hidden = try resume?.hiddenSizes ?? serving.hiddenSizes()
        architecture = ModelArchitecture(
            observation: ObservationFormat(shape: spec.shape, elementType: spec.dtype == .uint8 ? .uint8 : .float32),
            hiddenSizes: hidden, numActions: spec.numActions)
        if let resume, resume.architecture != architecture {
            throw CheckpointMismatch(description: "checkpoint is for \(resume.envName) \(resume.observationShape) with \(resume.numActions) actions; "
                + "the server serves \(spec.shapeDescription) with \(spec.numActions)")
        }
        let initial = resume.map { ParameterSnapshot(values: $0.parameters, version: $0.version) }
            ?? ParameterSnapshot(values: ParameterInitializer.initialValues(for: architecture, seed: serving.seed), version: 0)
        let store = ParameterStore(initial: initial, layout: architecture.layout)
        let policy = MLPPolicy(architecture: architecture, store: store, maxBatch: serving.maxBatch, seed: serving.seed)

        var configuration = LearnerServerConfiguration(spec: spec, listenAddresses: listen)
        serving.apply(to: &configuration)
        configuration.token = token
        if let learning {
            let learner = Learner(architecture: architecture, settings: learning.settings, store: store)
            if let resume {
                learner.restore(parameters: resume.parameters, optimizer: resume.optimizerFirst, resume.optimizerSecond,
                                steps: resume.optimizerSteps, framesTrained: resume.framesTrained)
            }
            let queue = learning.makeQueue()
            let loop = TrainingLoop(learner: learner, queue: queue, replay: learning.replay, seed: serving.seed)
            configuration.recording = .init(unrollLength: learning.unrollLength, queue: queue)
            configuration.framesTrained = { loop.progress.framesTrained }
            training = loop
        } else {
            training = nil
        }
        server = try LearnerServer(configuration: configuration, policy: policy, logger: logger)
    }

    func start() {
        training?.start()
        server.start()
    }

    /// Stops serving, then training; returns the final checkpoint (nil when serving only).
    func stop() -> Checkpoint? {
        server.shutdown()
        guard let training else { return nil }
        training.stop()
        let learner = training.stoppedLearner
        return Checkpoint(envName: spec.envName, architecture: architecture, version: learner.store.version,
                          framesTrained: learner.framesTrained, parameters: learner.parameters, optimizer: learner.optimizer)
    }
}

struct CheckpointMismatch: Error, CustomStringConvertible {
    let description: String
}
