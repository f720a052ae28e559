import Contract
import ArgumentParser
import Environments
import InferenceServer
import Wire

/// Which observations and actions are served: a known environment, or an explicit spec.
struct SpecOptions: ParsableArguments {
    @Option(help: "Known environment whose spec to serve: cartpole, acrobot, mountaincar, catch, recall, synthetic-frames.")
    var env: String?

    @Option(help: "Observation shape of an external environment, e.g. 84,84,4.")
    var obsShape: String?

    @Option(help: "Observation dtype with --obs-shape: float32 or uint8.")
    var obsDtype: String = "float32"

    @Option(help: "Number of discrete actions with --obs-shape.")
    var numActions: Int?

    func validate() throws {
        if env != nil && obsShape != nil { throw ValidationError("give --env or --obs-shape, not both") }
        if obsShape != nil && numActions == nil { throw ValidationError("--obs-shape needs --num-actions") }
        if env != nil || obsShape != nil { _ = try resolve(default: nil) }
    }

    /// The spec asked for; `fallback` when nothing was given.
    func resolve(default fallback: ObservationSpec?) throws -> ObservationSpec {
        if let env {
            guard let spec = KnownEnvironments.spec(named: env) else {
                throw ValidationError("unknown environment '\(env)'; known: \(KnownEnvironments.names.joined(separator: ", "))")
            }
            return spec
        }
        if let obsShape {
            let parts = obsShape.filter { !$0.isWhitespace }.split(separator: ",").map { Int($0) }
            guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) > 0 }) else {
                throw ValidationError("--obs-shape must be positive integers separated by commas, got '\(obsShape)'")
            }
            guard let dtype = DType.allCases.first(where: { $0 != .unspecified && $0.description == obsDtype }) else {
                throw ValidationError("--obs-dtype must be float32 or uint8, got '\(obsDtype)'")
            }
            guard let numActions, numActions >= 1 else { throw ValidationError("--num-actions must be at least 1") }
            return ObservationSpec(envName: "external", shape: parts.map { $0! }, dtype: dtype, numActions: numActions)
        }
        guard let fallback else { throw ValidationError("give --env NAME or --obs-shape/--num-actions") }
        return fallback
    }
}

/// Specs of the environments seedrl knows by name.
enum KnownEnvironments {
    static var names: [String] { KnownEnvironment.names }

    static func spec(named name: String) -> ObservationSpec? { KnownEnvironment(named: name)?.spec }
}
