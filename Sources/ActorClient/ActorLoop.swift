import Contract
import Environments
import Logging
import Randomness
import Synchronization
import Threading
import Wire

/// Runs the environments against the learner, as lanes of ActBatch streams (or one Act
/// stream each), and heals itself: a stream that ends because the learner went away, the
/// connection broke or the learner is full is re-opened after an exponential backoff with
/// jitter and its environments start afresh with FIRST; any other ending (a bad Step, a
/// wrong token) stops the actor with the server's message.
public final class ActorLoop: @unchecked Sendable {
    // `streams` is written in `start` only; the reconnect schedule and the fatal error are
    // guarded by `lock`; counters are atomic or behind `returns`.
    public let configuration: ActorConfiguration
    private let channel: WireChannel
    private let poller = StreamPoller(name: "seedrl-actor")
    private let logger: Logger
    private let clock: @Sendable () -> UInt64
    private var streams: [ActorStream] = []
    let steps = Atomic<UInt64>(0)
    let episodes = Atomic<UInt64>(0)
    private let reconnects = Atomic<UInt64>(0)
    private let returns = Locked<(recent: [Double], next: Int)>(([], 0))
    private let lock = ConditionLock()
    private var waiting: [(deadline: UInt64, stream: ActorStream)] = []
    private var generator: SeededGenerator
    private var stopping = false
    private var closedForGood = 0
    private var fatal: RPCError?
    private var supervisor: OSThread?

    public init(configuration: ActorConfiguration, logger: Logger = Logger(label: "seedrl.actor"),
                clock: @escaping @Sendable () -> UInt64 = MonotonicClock.now) {
        self.configuration = configuration
        self.logger = logger
        self.clock = clock
        generator = SeededGenerator(seed: configuration.seed, stream: 0xBAC0)
        channel = WireChannel(target: configuration.target, token: configuration.token,
                              keepaliveMilliseconds: configuration.keepaliveMilliseconds, security: configuration.security)
    }

    /// Checks the environment against the server's spec and opens every stream.
    public func start() throws(ActorError) {
        let c = configuration
        guard let known = KnownEnvironment(named: c.environment) else { throw .unknownEnvironment(c.environment) }
        let spec = known.spec
        let served: SpecMessage
        do { served = try channel.getSpec() } catch { throw .rpc(error) }
        if let mismatch = Self.mismatch(served: served, environment: c.environment, spec: spec) { throw .specMismatch(mismatch) }
        let environments = (0..<c.environments).map { known.make(seed: c.seed &* 1_000_003 &+ UInt64($0)) }
        let lanes = Self.lanesPerStream(asked: c.lanes, environments: c.environments, serverMaximum: Int(served.maxLanes))
        if lanes == 1 {
            streams = environments.map { EnvironmentStream(environment: $0, actor: self) }
        } else {
            streams = stride(from: 0, to: environments.count, by: lanes).map {
                LaneGroupStream(environments: Array(environments[$0..<min($0 + lanes, environments.count)]), actor: self)
            }
        }
        for stream in streams {
            do { try stream.open(channel: channel, poller: poller) } catch { throw .rpc(error) }
        }
        streams.forEach { $0.begin() }
        supervisor = OSThread(name: "seedrl-reconnect") { [self] in superviseReconnects() }
    }

    /// "server expects observation shape [84, 84, 4] uint8, actions discrete(6); env
    /// pendulum gives [3] float32, actions box[1] in [-2, 2]", or nil when they agree.
    static func mismatch(served: SpecMessage, environment: String, spec: ObservationSpec) -> String? {
        let servedSpec = ObservationSpec(envName: served.env, shape: served.observationShape.map(Int.init),
                                         dtype: served.observationDType, action: served.action)
        if servedSpec.isCompatible(with: spec) { return nil }
        return "server expects observation shape \(servedSpec.fullDescription); env \(environment) gives \(spec.fullDescription)"
    }

    /// Environments per stream: as asked, else all of them on as few streams as the
    /// server's `max_lanes` allows; 1 (one Act stream each) where the server has no ActBatch.
    public static func lanesPerStream(asked: Int?, environments: Int, serverMaximum: Int) -> Int {
        guard serverMaximum > 0 else { return 1 }
        let wanted = asked ?? environments
        return max(1, min(wanted, serverMaximum, environments))
    }

    /// Streams this actor opened (one per environment, or one per group of lanes).
    public var streamCount: Int { streams.count }

    /// Blocks until a fatal error stopped the actor or `deadline` (monotonic ns) passes;
    /// returns whether it stopped.
    public func waitForFatalError(until deadline: UInt64) -> Bool {
        lock.withLock {
            while fatal == nil {
                if !lock.wait(until: deadline) { return fatal != nil }
            }
            return true
        }
    }

    /// Cancels every stream, stops reconnecting and stops the poller.
    public func stop() {
        lock.withLock {
            stopping = true
            closedForGood += waiting.count  // they have no call to cancel
            waiting.removeAll()
            lock.broadcast()
        }
        supervisor?.join()
        let handles: [ClientStream] = lock.withLock {
            streams.compactMap { stream in
                stream.cancelledByUs = true
                return stream.cancelHandle
            }
        }
        handles.forEach { $0.cancel() }
        let deadline = MonotonicClock.now() + 5_000_000_000
        lock.withLock {
            while closedForGood < streams.count && lock.wait(until: deadline) {}
        }
        poller.shutdown()
    }

    public var progress: ActorProgress {
        let recent = returns.withLock { $0.recent }
        return ActorProgress(
            steps: steps.load(ordering: .relaxed), episodes: episodes.load(ordering: .relaxed),
            meanReturn: recent.isEmpty ? 0 : recent.reduce(0, +) / Double(recent.count),
            reconnects: reconnects.load(ordering: .relaxed), waiting: lock.withLock { waiting.count })
    }

    /// The error that stopped the actor (nil while it runs or after a clean stop).
    public var error: RPCError? { lock.withLock { fatal } }

    func recordEpisode(_ value: Double) {
        episodes.add(1, ordering: .relaxed)
        returns.withLock { state in
            if state.recent.count < 100 { state.recent.append(value) } else {
                state.recent[state.next] = value
                state.next = (state.next + 1) % 100
            }
        }
    }

    func served(_ environmentSteps: Int) {
        steps.add(UInt64(environmentSteps), ordering: .relaxed)
    }

    /// A re-opened stream was served: the learner is back, so this stream's backoff starts
    /// over and the others waiting come back now (a little jitter apart) rather than
    /// sleeping out their longer delays.
    func streamServedAfterReconnect(_ stream: ActorStream) {
        lock.withLock {
            stream.failedAttempts = 0
            let now = clock()
            for index in waiting.indices {
                let soon = now + UInt64(configuration.backoff.delay(attempt: 1, unit: generator.nextUnitDouble()) * 1e9)
                waiting[index].deadline = min(waiting[index].deadline, soon)
            }
            lock.broadcast()
        }
    }

    /// Records the call that `stop` cancels (any thread).
    func opened(_ stream: ActorStream, call: ClientStream) {
        lock.withLock { stream.cancelHandle = call }
    }

    /// The server broke the contract on this stream (an action outside the spec): the actor
    /// stops with `error`, as for any non-retryable status, and the call is cancelled.
    func refuse(_ stream: ActorStream, call: ClientStream, error: RPCError) {
        lock.withLock {
            if fatal == nil { fatal = error }
            stream.cancelledByUs = true
            lock.broadcast()
        }
        logger.error("server broke the contract", metadata: ["error": "\(error.message)"])
        call.cancel()
    }

    /// Called on the poller thread when a stream ended.
    func streamEnded(_ stream: ActorStream, error: RPCError?) {
        lock.withLock {
            stream.cancelHandle = nil
            let cancelledByUs = stream.cancelledByUs
            if stopping || fatal != nil {
                closedForGood += 1
                lock.broadcast()
                return
            }
            guard let error, RetryPolicy.isRetryable(error.code.rawValue, cancelledByUs: cancelledByUs) else {
                fatal = error ?? RPCError(.unknown, "the learner ended the stream")
                closedForGood += 1
                lock.broadcast()
                return
            }
            stream.failedAttempts += 1
            let attempt = stream.failedAttempts
            let delay = configuration.backoff.delay(attempt: attempt, unit: generator.nextUnitDouble())
            waiting.append((clock() + UInt64(delay * 1e9), stream))
            if attempt == 1 || attempt % 10 == 0 {
                logger.info("stream lost; reconnecting", metadata: [
                    "error": "\(error)", "attempt": "\(attempt)", "delay_ms": "\(Int(delay * 1000))"])
            }
            lock.broadcast()
        }
    }

    /// The reconnect thread: re-opens streams whose backoff has passed.
    private func superviseReconnects() {
        while true {
            let due: [ActorStream]? = lock.withLock {
                while true {
                    if stopping { return nil }
                    let now = clock()
                    let ready = waiting.filter { $0.deadline <= now }.map(\.stream)
                    if !ready.isEmpty {
                        waiting.removeAll { $0.deadline <= now }
                        return ready
                    }
                    if let next = waiting.map(\.deadline).min() {
                        lock.wait(until: MonotonicClock.now() + (next - now))
                    } else {
                        lock.wait()
                    }
                }
            }
            guard let due else { return }
            for stream in due {
                reconnects.add(1, ordering: .relaxed)
                do {
                    try stream.open(channel: channel, poller: poller)
                    stream.begin()
                } catch {
                    streamEnded(stream, error: error)
                }
            }
        }
    }
}

