import ArgumentParser
import Contract
import Environments
import Runtime

/// Which observations and actions a server serves: a known environment's, or an explicit spec.
struct SpecOptions: ParsableArguments {
    @Option(help: "Environment whose spec to serve: a known one, or gym:ID / atari:GAME (the Spec comes from the environment, through the Python actor).")
    var env: ServedEnvironment?

    @Option(name: .customLong("import"), help: ArgumentHelp("With --env gym:ID: a module to import first to register the id (e.g. minatar.gym); repeatable.", valueName: "module"))
    var imports: [String] = []

    @Option(help: "Observation shape of an external environment, e.g. 84,84,4.")
    var obsShape: String?

    @Option(help: "Observation dtype with --obs-shape.")
    var obsDtype: ObservationDType = .float32

    @Option(help: "Number of discrete actions with --obs-shape.")
    var numActions: Int?

    @Option(help: ArgumentHelp(
        "Action space with --obs-shape, instead of --num-actions: discrete:N, box:DIMS:LOW:HIGH (every dimension in [LOW, HIGH]; inf and -inf for unbounded) or multi-discrete:N1,N2,...",
        valueName: "space"))
    var actionSpace: String?

    func validate() throws {
        if !imports.isEmpty, case .known? = env { throw ValidationError("--import goes with --env gym:ID") }
        if env != nil && obsShape != nil { throw ValidationError("give --env or --obs-shape, not both") }
        if numActions != nil && actionSpace != nil { throw ValidationError("give --num-actions or --action-space, not both") }
        if obsShape != nil && numActions == nil && actionSpace == nil {
            throw ValidationError("--obs-shape needs --num-actions or --action-space")
        }
        if obsShape != nil { _ = try resolve(default: nil) }
    }

    /// `discrete:N`, `box:DIMS:LOW:HIGH` or `multi-discrete:N1,N2,...`.
    static func parseActionSpace(_ text: String) throws -> ActionSpec {
        let parts = text.filter { !$0.isWhitespace }.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let bad = ValidationError("--action-space must be discrete:N, box:DIMS:LOW:HIGH or multi-discrete:N1,N2,..., got '\(text)'")
        let spec: ActionSpec
        switch (parts.first?.lowercased(), parts.count) {
        case ("discrete", 2):
            guard let count = Int(parts[1]) else { throw bad }
            spec = .discrete(count)
        case ("box", 4):
            guard let dimensions = Int(parts[1]), dimensions >= 1, dimensions <= 1 << 16,
                  let low = Float(parts[2]), let high = Float(parts[3]) else { throw bad }
            spec = .box(low: Array(repeating: low, count: dimensions), high: Array(repeating: high, count: dimensions))
        case ("multi-discrete", 2):
            let counts = parts[1].split(separator: ",").map { Int($0) }
            guard !counts.isEmpty, counts.allSatisfy({ $0 != nil }) else { throw bad }
            spec = .multiDiscrete(counts.map { $0! })
        default:
            throw bad
        }
        if let problem = spec.problem { throw ValidationError("--action-space: \(problem)") }
        return spec
    }

    /// The spec asked for; `fallback` when nothing was given.
    func resolve(default fallback: ObservationSpec?) throws -> ObservationSpec {
        switch env {
        case .known(let known)?: return known.spec
        case .gymnasium(let kind, let id)?:
            do {
                return try GymnasiumEnvironment.describe(kind: kind, id: id, imports: imports, actor: PythonActor.executable()).spec
            } catch {
                throw ValidationError("--env \(kind.rawValue):\(id): \(error)")
            }
        case nil: break
        }
        if let obsShape {
            let parts = obsShape.filter { !$0.isWhitespace }.split(separator: ",").map { Int($0) }
            guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) > 0 }) else {
                throw ValidationError("--obs-shape must be positive integers separated by commas, got '\(obsShape)'")
            }
            let action: ActionSpec
            if let actionSpace {
                action = try Self.parseActionSpace(actionSpace)
            } else {
                guard let numActions, numActions >= 1 else { throw ValidationError("--num-actions must be at least 1") }
                action = .discrete(numActions)
            }
            return ObservationSpec(envName: "external", shape: parts.map { $0! }, dtype: obsDtype == .uint8 ? .uint8 : .float32,
                                   action: action)
        }
        guard let fallback else { throw ValidationError("give --env NAME or --obs-shape/--num-actions") }
        return fallback
    }
}
