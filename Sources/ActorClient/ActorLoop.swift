import Environments
import Synchronization
import Threading
import Wire

/// What `seedrl actor` runs: K environments, each on its own Act stream over one shared
/// channel, stepping in strict ping-pong with the learner.
public struct ActorConfiguration: Sendable {
    public var target: String
    public var token: String?
    public var environment: String
    public var environments = 16
    public var seed: UInt64 = 1

    public init(target: String, environment: String) {
        self.target = target
        self.environment = environment
    }
}

/// Counters of a running actor, readable from any thread.
public struct ActorProgress: Sendable {
    public var steps: UInt64
    public var episodes: UInt64
    /// Mean return of the last 100 episodes this actor finished (0 if none).
    public var meanReturn: Double
    public var closedStreams: Int
}

public enum ActorError: Error, CustomStringConvertible {
    case unknownEnvironment(String)
    case specMismatch(String)
    case rpc(RPCError)

    public var description: String {
        switch self {
        case .unknownEnvironment(let name): "unknown environment '\(name)'; known: \(EnvironmentRegistry.names.joined(separator: ", "))"
        case .specMismatch(let message): message
        case .rpc(let error): "\(error)"
        }
    }
}

/// Runs the environments against the learner until `stop` or until every stream ended.
public final class ActorLoop: @unchecked Sendable {
    // `streams` is written in `start` only; counters are atomic or behind `returns`.
    public let configuration: ActorConfiguration
    private let channel: WireChannel
    private let poller = StreamPoller(name: "seedrl-actor")
    private var streams: [EnvironmentStream] = []
    let steps = Atomic<UInt64>(0)
    let episodes = Atomic<UInt64>(0)
    let closed = Atomic<Int>(0)
    private let returns = Mutex<(recent: [Double], next: Int)>(([], 0))
    private let ended = ConditionLock()
    private(set) var firstError: RPCError?

    public init(configuration: ActorConfiguration) {
        self.configuration = configuration
        channel = WireChannel(target: configuration.target, token: configuration.token)
    }

    /// Checks the environment against the server's spec and opens every stream.
    public func start() throws(ActorError) {
        let c = configuration
        guard let spec = EnvironmentRegistry.spec(c.environment) else { throw .unknownEnvironment(c.environment) }
        let served: SpecMessage
        do { served = try channel.getSpec() } catch { throw .rpc(error) }
        let servedType: EnvironmentSpec.ElementType? = switch served.observationDType {
        case .float32: .float32
        case .uint8: .uint8
        case .unspecified: nil
        }
        if served.observationShape.map(Int.init) != spec.shape || servedType != spec.elementType || Int(served.numActions) != spec.numActions {
            let describe = { (shape: [Int], type: String, actions: Int) in
                "[\(shape.map(String.init).joined(separator: ", "))] \(type) with \(actions) actions"
            }
            throw .specMismatch("server expects observation shape \(describe(served.observationShape.map(Int.init), "\(served.observationDType)", Int(served.numActions))), "
                + "env \(c.environment) gives \(describe(spec.shape, spec.elementType == .float32 ? "float32" : "uint8", spec.numActions))")
        }
        for index in 0..<c.environments {
            let environment = EnvironmentRegistry.make(c.environment, seed: c.seed &* 1_000_003 &+ UInt64(index))!
            let stream = EnvironmentStream(environment: environment, actor: self)
            do { try stream.open(channel: channel, poller: poller) } catch { throw .rpc(error) }
            streams.append(stream)
        }
        streams.forEach { $0.begin() }
    }

    /// Blocks until every stream has ended or `deadline` (monotonic ns) passes.
    public func waitForEnd(until deadline: UInt64) -> Bool {
        ended.withLock {
            while closed.load(ordering: .relaxed) < streams.count {
                if !ended.wait(until: deadline) { return closed.load(ordering: .relaxed) >= streams.count }
            }
            return true
        }
    }

    /// Cancels every stream and stops the poller.
    public func stop() {
        streams.forEach { $0.cancel() }
        _ = waitForEnd(until: MonotonicClock.now() + 5_000_000_000)
        poller.shutdown()
    }

    public var progress: ActorProgress {
        let recent = returns.withLock { $0.recent }
        return ActorProgress(
            steps: steps.load(ordering: .relaxed), episodes: episodes.load(ordering: .relaxed),
            meanReturn: recent.isEmpty ? 0 : recent.reduce(0, +) / Double(recent.count),
            closedStreams: closed.load(ordering: .relaxed))
    }

    /// The first error a stream ended with (nil if all ended OK or were cancelled by us).
    public var error: RPCError? { ended.withLock { firstError } }

    func recordEpisode(_ value: Double) {
        episodes.add(1, ordering: .relaxed)
        returns.withLock { state in
            if state.recent.count < 100 { state.recent.append(value) } else {
                state.recent[state.next] = value
                state.next = (state.next + 1) % 100
            }
        }
    }

    func streamEnded(_ error: RPCError?) {
        ended.withLock {
            if let error, firstError == nil, error.code != .cancelled { firstError = error }
            closed.add(1, ordering: .relaxed)
            ended.broadcast()
        }
    }
}

/// One environment and its Act stream; lives on the actor's poller thread.
final class EnvironmentStream: ClientStreamDelegate, @unchecked Sendable {
    // Confined to the poller thread after `begin`.
    private let environment: Environment
    private unowned let actor: ActorLoop
    private var stream: ClientStream?
    private var observation: UnsafeMutableRawBufferPointer
    private var lastSentWasLast = false
    private var episodeReturn = 0.0

    init(environment: Environment, actor: ActorLoop) {
        self.environment = environment
        self.actor = actor
        observation = .allocate(byteCount: environment.spec.byteCount, alignment: 16)
    }

    deinit { observation.deallocate() }

    func open(channel: WireChannel, poller: StreamPoller) throws(RPCError) {
        stream = try ClientStream(channel: channel, poller: poller, delegate: self)
    }

    func begin() {
        environment.reset(observation: observation)
        episodeReturn = 0
        stream?.send(stepType: .first, reward: 0, discount: 1, observation: UnsafeRawBufferPointer(observation))
    }

    func cancel() { stream?.cancel() }

    func stream(_ stream: ClientStream, received action: ActionMessage) {
        actor.steps.add(1, ordering: .relaxed)
        if lastSentWasLast {
            lastSentWasLast = false
            begin()
            return
        }
        let outcome = environment.step(action: Int(action.action), observation: observation)
        episodeReturn += Double(outcome.reward)
        if outcome.isLast {
            lastSentWasLast = true
            actor.recordEpisode(episodeReturn)
        }
        stream.send(stepType: outcome.isLast ? .last : .mid, reward: outcome.reward, discount: outcome.discount,
                    observation: UnsafeRawBufferPointer(observation))
    }

    func stream(_ stream: ClientStream, closedWith error: RPCError?) {
        self.stream = nil
        actor.streamEnded(error)
    }
}
