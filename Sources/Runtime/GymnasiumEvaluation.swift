import Contract
import Foundation
import InferenceServer
import LearnerLoop
import Logging

/// A checkpoint's policy on a Gymnasium environment (`seedrl eval --env gym:ID`): the
/// policy is served from this process on a loopback port, greedy or sampled, and the
/// Python actor steps the environment against it until `episodes` episodes are complete.
/// With several environments in parallel, the first `episodes` to finish are counted.
public enum GymnasiumEvaluation {
    public static func run(checkpoint: Checkpoint, file: String, environment: GymnasiumEnvironment, actor: String,
                           episodes: Int, greedy: Bool, seed: UInt64) throws -> [Double] {
        var server = LearnerServerConfiguration(spec: environment.spec, listenAddresses: ["127.0.0.1:0"])
        server.valueLimits = .unbounded
        var configuration = LearnerConfiguration(server: server)
        configuration.servedCheckpoint = (checkpoint, file)
        configuration.servesGreedy = greedy
        configuration.model.seed = seed
        var logger = Logger(label: "seedrl.eval")
        logger.logLevel = .error
        let system = try LearnerSystem(configuration: configuration, logger: logger)
        for service in system.services { try service.start() }
        defer { for service in system.services.reversed() { try? service.shutdown() } }
        let arguments = environment.actorArguments + (environment.kind == .atari ? ["--evaluation"] : [])
            + ["--server", "127.0.0.1:\(system.server.boundPorts[0])", "--envs", "\(min(episodes, 8))",
               "--episodes", "\(episodes)", "--seed", "\(seed)"]
        let output = try ChildProcess.output(executable: actor, arguments: arguments)
        guard let line = output.split(separator: "\n").last,
              let summary = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let returns = summary["episode_returns"] as? [Double], returns.count == episodes else {
            throw PythonActorError("the Python actor's summary held no \(episodes) episode returns: \(output)")
        }
        return returns
    }
}
