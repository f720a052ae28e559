#if canImport(Glibc)
import Glibc
#endif
import Contract
import Foundation

/// An environment the Python actor runs, named on the command line as `gym:ID` (any
/// registered Gymnasium id, after `--import MODULE`) or `atari:GAME` (an Atari game with
/// the standard preprocessing). Its Spec comes from the environment itself
/// (`seedrl-actor --describe`), not from flags.
public struct GymnasiumEnvironment: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case gymnasium = "gym"
        case atari
    }

    public let kind: Kind
    public let id: String
    /// Modules imported first to register the id (e.g. `minatar.gym`).
    public let imports: [String]
    public let spec: ObservationSpec
    /// Gymnasium's `reward_threshold` for the id, if it declares one.
    public let rewardThreshold: Double?

    /// `gym:ID` or `atari:GAME`; nil for any other name.
    public static func parse(_ name: String) -> (kind: Kind, id: String)? {
        for kind in [Kind.gymnasium, .atari] where name.hasPrefix(kind.rawValue + ":") {
            let id = String(name.dropFirst(kind.rawValue.count + 1))
            return id.isEmpty ? nil : (kind, id)
        }
        return nil
    }

    /// As it was named: `gym:CartPole-v1`.
    public var name: String { "\(kind.rawValue):\(id)" }

    /// A directory name for its runs: `gym-CartPole-v1`, `gym-MinAtar-Breakout-v1`.
    public var directoryName: String {
        "\(kind.rawValue)-" + String(id.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." ? $0 : "-" })
    }

    /// What the Python actor is told about the environment.
    public var actorArguments: [String] {
        ["--env", id] + imports.flatMap { ["--import", $0] } + (kind == .atari ? ["--atari"] : [])
    }

    public init(kind: Kind, id: String, imports: [String], spec: ObservationSpec, rewardThreshold: Double?) {
        self.kind = kind
        self.id = id
        self.imports = imports
        self.spec = spec
        self.rewardThreshold = rewardThreshold
    }

    /// Asks the Python actor (`seedrl-actor --describe`) for the environment's Spec and
    /// reward threshold. Its own message (an id not registered, a package missing, a space
    /// the contract cannot carry) reaches standard error first.
    public static func describe(kind: Kind, id: String, imports: [String], actor: String) throws(PythonActorError) -> GymnasiumEnvironment {
        let probe = GymnasiumEnvironment(kind: kind, id: id, imports: imports,
                                         spec: ObservationSpec(envName: id, shape: [1], dtype: .float32, numActions: 1), rewardThreshold: nil)
        let arguments = ["--describe"] + probe.actorArguments
        let output: String
        do {
            // Importing Gymnasium and making one environment: seconds, not minutes.
            output = try ChildProcess.output(executable: actor, arguments: arguments, timeoutSeconds: 120)
        } catch {
            throw PythonActorError("the Python actor could not describe it (its message is above: \(error)). An id from "
                + "another package needs the package (scripts/install-python-actor.sh PACKAGE) and --import MODULE, "
                + "e.g. --import minatar.gym for MinAtar/Breakout-v1")
        }
        guard let line = output.split(separator: "\n").last,
              let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let spec = object["spec"] as? [String: Any], let parsed = parseSpec(spec, name: id) else {
            throw PythonActorError("\(actor) --describe gave no Spec for \(probe.name): \(output)")
        }
        return GymnasiumEnvironment(kind: kind, id: id, imports: imports, spec: parsed,
                                    rewardThreshold: object["reward_threshold"] as? Double)
    }

    /// The Spec of `--describe`'s JSON (proto3 JSON field names, as learner.proto's).
    static func parseSpec(_ json: [String: Any], name: String) -> ObservationSpec? {
        guard let shape = json["observation_shape"] as? [Int], !shape.isEmpty, shape.allSatisfy({ $0 > 0 }),
              let dtypeName = json["observation_dtype"] as? String,
              let space = json["action_space"] as? [String: Any] else { return nil }
        let dtype: DType
        switch dtypeName {
        case "DTYPE_FLOAT32": dtype = .float32
        case "DTYPE_UINT8": dtype = .uint8
        default: return nil
        }
        let action: ActionSpec
        if let discrete = space["discrete"] as? [String: Any], let count = discrete["n"] as? Int {
            action = .discrete(count)
        } else if let box = space["box"] as? [String: Any], let low = box["low"] as? [Any], let high = box["high"] as? [Any] {
            func bound(_ value: Any) -> Float? {
                if let number = value as? Double { return Float(number) }
                switch value as? String {
                case "Infinity": return .infinity
                case "-Infinity": return -.infinity
                default: return nil
                }
            }
            let lows = low.compactMap(bound), highs = high.compactMap(bound)
            guard lows.count == low.count, highs.count == high.count else { return nil }
            action = .box(low: lows, high: highs)
        } else if let multi = space["multi_discrete"] as? [String: Any], let counts = multi["nvec"] as? [Int] {
            action = .multiDiscrete(counts)
        } else {
            return nil
        }
        guard action.problem == nil else { return nil }
        return ObservationSpec(envName: name, shape: shape, dtype: dtype, action: action)
    }
}

/// The Python actor is missing, or could not describe an environment.
public struct PythonActorError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Where the Python actor (`seedrl-actor`, the package in python/) is.
public enum PythonActor {
    /// How to get it, for error messages.
    public static let installHint = "install the Python actor: from the seedrl checkout, scripts/install-python-actor.sh "
        + "(a venv in .build/python-venv with the pinned packages; it needs Python 3.9+ with venv, on Debian "
        + "`apt-get install -y python3 python3-venv`; add the PyPI packages your environments need, "
        + "e.g. scripts/install-python-actor.sh minatar), or `pip install ./python` into a Python of yours and put "
        + "seedrl-actor on PATH, or set SEEDRL_PYTHON_ACTOR to its path"

    /// $SEEDRL_PYTHON_ACTOR; else the venv beside this build (`.build/python-venv`, what
    /// scripts/install-python-actor.sh makes); else `seedrl-actor` on PATH.
    public static func executable() throws(PythonActorError) -> String {
        if let explicit = getenv("SEEDRL_PYTHON_ACTOR").map({ String(cString: $0) }), !explicit.isEmpty {
            guard access(explicit, X_OK) == 0 else { throw PythonActorError("SEEDRL_PYTHON_ACTOR=\(explicit) is not an executable") }
            return explicit
        }
        if let binary = ChildProcess.currentExecutable {
            // .build/<triple>/<configuration>/seedrl → .build/python-venv/bin/seedrl-actor
            var directory = binary
            for _ in 0..<4 {
                guard let slash = directory.lastIndex(of: "/") else { break }
                directory = String(directory[..<slash])
                let candidate = directory + "/python-venv/bin/seedrl-actor"
                if access(candidate, X_OK) == 0 { return candidate }
            }
        }
        let path = getenv("PATH").map { String(cString: $0) } ?? ""
        for directory in path.split(separator: ":") where access("\(directory)/seedrl-actor", X_OK) == 0 {
            return "\(directory)/seedrl-actor"
        }
        throw PythonActorError("no Python actor (seedrl-actor) found: \(installHint)")
    }
}
