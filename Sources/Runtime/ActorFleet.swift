#if canImport(Glibc)
import Glibc
#endif
import Threading

/// `seedrl actor` processes on this machine, talking to the learner over loopback gRPC
/// (the real network path): `seedrl train`'s actors. Started last and stopped first.
public final class ActorFleet: Service, @unchecked Sendable {
    // `children` is behind its lock: start and shutdown run on the owner's thread while
    // the progress monitor's thread asks `allExited` (ThreadSanitizer caught the two
    // touching the array at once when it was a plain property).
    public struct Plan: Sendable {
        /// Which actor runs the environments.
        public enum Program: Sendable {
            /// `seedrl actor --env NAME` (this executable).
            case seedrl(environment: String)
            /// The Python actor at `executable` with its environment arguments (`--env ID ...`).
            case python(executable: String, environment: [String])
        }

        public var target: String
        public var program: Program
        public var processes: Int
        public var environmentsPerProcess: Int
        /// Environments per ActBatch stream (nil: the actor's default, all on one stream).
        public var lanes: Int?
        /// Seed of the first process (each process adds its index).
        public var seed: UInt64
        /// Each process's standard output goes to `logDirectory/actor-N.log`.
        public var logDirectory: String

        public init(target: String, program: Program, processes: Int, environmentsPerProcess: Int, lanes: Int? = nil,
                    seed: UInt64, logDirectory: String) {
            self.target = target
            self.lanes = lanes
            self.program = program
            self.processes = processes
            self.environmentsPerProcess = environmentsPerProcess
            self.seed = seed
            self.logDirectory = logDirectory
        }

        /// The command line of actor process `index`.
        public func arguments(index: Int) -> [String] {
            let common = ["--server", target, "--envs", "\(environmentsPerProcess)", "--seed", "\(seed &+ UInt64(index))"]
                + (lanes.map { ["--lanes", "\($0)"] } ?? [])
            switch program {
            case .seedrl(let environment):
                return ["actor", "--env", environment] + common + ["--log-level", "warning", "--status-seconds", "10"]
            case .python(_, let environment):
                return environment + common
            }
        }

        /// The executable of every actor process (nil: this one).
        public var executable: String? {
            if case .python(let executable, _) = program { return executable }
            return nil
        }
    }

    public let name = "actors"
    public let plan: Plan
    private let children = Locked<[ChildProcess]>([])

    public init(plan: Plan) {
        self.plan = plan
    }

    public func start() throws {
        for index in 0..<plan.processes {
            let child = try ChildProcess(executable: plan.executable, arguments: plan.arguments(index: index),
                                         output: .file("\(plan.logDirectory)/actor-\(index).log"))
            children.withLock { $0.append(child) }
        }
    }

    /// SIGTERM to every actor, then up to 5 s for each to exit (SIGKILL after).
    public func shutdown() throws {
        let stopping = children.withLock { children in
            defer { children = [] }
            return children
        }
        stopping.forEach { $0.signal(SIGTERM) }
        stopping.forEach { $0.wait(seconds: 5) }
    }

    /// Whether every actor process has exited (they stop on a fatal error).
    public var allExited: Bool { children.withLock { !$0.isEmpty && $0.allSatisfy { $0.poll() != nil } } }
}
