import ArgumentParser
import Contract
import Environments

/// Which observations and actions a server serves: a known environment's, or an explicit spec.
struct SpecOptions: ParsableArguments {
    @Option(help: "Known environment whose spec to serve.")
    var env: KnownEnvironment?

    @Option(help: "Observation shape of an external environment, e.g. 84,84,4.")
    var obsShape: String?

    @Option(help: "Observation dtype with --obs-shape.")
    var obsDtype: ObservationDType = .float32

    @Option(help: "Number of discrete actions with --obs-shape.")
    var numActions: Int?

    func validate() throws {
        if env != nil && obsShape != nil { throw ValidationError("give --env or --obs-shape, not both") }
        if obsShape != nil && numActions == nil { throw ValidationError("--obs-shape needs --num-actions") }
        if obsShape != nil { _ = try resolve(default: nil) }
    }

    /// The spec asked for; `fallback` when nothing was given.
    func resolve(default fallback: ObservationSpec?) throws -> ObservationSpec {
        if let env { return env.spec }
        if let obsShape {
            let parts = obsShape.filter { !$0.isWhitespace }.split(separator: ",").map { Int($0) }
            guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) > 0 }) else {
                throw ValidationError("--obs-shape must be positive integers separated by commas, got '\(obsShape)'")
            }
            guard let numActions, numActions >= 1 else { throw ValidationError("--num-actions must be at least 1") }
            return ObservationSpec(envName: "external", shape: parts.map { $0! }, dtype: obsDtype == .uint8 ? .uint8 : .float32,
                                   numActions: numActions)
        }
        guard let fallback else { throw ValidationError("give --env NAME or --obs-shape/--num-actions") }
        return fallback
    }
}
