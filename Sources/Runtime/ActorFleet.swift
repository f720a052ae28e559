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
        public var target: String
        public var environment: String
        public var processes: Int
        public var environmentsPerProcess: Int
        /// Environments per ActBatch stream (nil: the actor's default, all on one stream).
        public var lanes: Int?
        /// Seed of the first process (each process adds its index).
        public var seed: UInt64
        /// Each process's standard output goes to `logDirectory/actor-N.log`.
        public var logDirectory: String

        public init(target: String, environment: String, processes: Int, environmentsPerProcess: Int, lanes: Int? = nil,
                    seed: UInt64, logDirectory: String) {
            self.target = target
            self.lanes = lanes
            self.environment = environment
            self.processes = processes
            self.environmentsPerProcess = environmentsPerProcess
            self.seed = seed
            self.logDirectory = logDirectory
        }

        /// The command line of actor process `index`.
        public func arguments(index: Int) -> [String] {
            ["actor", "--server", target, "--env", environment, "--envs", "\(environmentsPerProcess)",
             "--seed", "\(seed &+ UInt64(index))", "--log-level", "warning", "--status-seconds", "10"]
                + (lanes.map { ["--lanes", "\($0)"] } ?? [])
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
            let child = try ChildProcess(arguments: plan.arguments(index: index),
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
