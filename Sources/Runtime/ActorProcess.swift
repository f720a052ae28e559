import ActorClient
import Logging
import Threading
import Wire

/// `seedrl actor`'s process: its environments spread over one or more learners (a
/// data-parallel job's ranks, environment i to learner i mod N), each share started as
/// soon as its learner answers (a cluster job starts everything at once), then stepped
/// until a stop or a fatal error.
public final class ActorProcess: @unchecked Sendable {
    // `actors` is written by `start` and read after it, on the owner's thread and by readers of progress.
    public let shares: [ActorConfiguration]
    private let connectTimeoutSeconds: Double
    private let say: @Sendable (String) -> Void
    private var actors: [ActorLoop] = []

    /// - Parameters:
    ///   - base: every share's settings; its target is replaced by each learner's.
    ///   - say: one-line notices (waiting for a learner).
    public init(base: ActorConfiguration, targets: [String], connectTimeoutSeconds: Double, say: @escaping @Sendable (String) -> Void) {
        shares = Self.spread(base, over: targets)
        self.connectTimeoutSeconds = connectTimeoutSeconds
        self.say = say
    }

    /// Environment i goes to learner i mod N; each learner's share has its own seeds.
    static func spread(_ base: ActorConfiguration, over targets: [String]) -> [ActorConfiguration] {
        targets.enumerated().compactMap { index, target in
            let share = base.environments / targets.count + (index < base.environments % targets.count ? 1 : 0)
            guard share > 0 else { return nil }
            var configuration = base
            configuration.target = target
            configuration.environments = share
            configuration.seed = base.seed &+ UInt64(index) &* 0x9E37_79B9
            return configuration
        }
    }

    /// Starts every share; a learner not up yet is waited for with the actor's backoff, up
    /// to the connect timeout or `stop`. Throws the first error that is not "not up yet".
    public func start(stop: StopFlag) throws {
        for share in shares { actors.append(try start(share, stop: stop)) }
    }

    private func start(_ configuration: ActorConfiguration, stop: StopFlag) throws -> ActorLoop {
        var actor = ActorLoop(configuration: configuration)
        let giveUp = MonotonicClock.now() + UInt64(connectTimeoutSeconds * 1e9)
        var attempt = 0
        while true {
            do {
                try actor.start()
                return actor
            } catch ActorError.rpc(let error) where error.code == .unavailable && MonotonicClock.now() < giveUp && !stop.isSet {
                attempt += 1
                if attempt == 1 { say("waiting for the learner at \(configuration.target) (\(error.message))") }
                _ = stop.wait(seconds: configuration.backoff.delay(attempt: attempt, unit: 0.5))
                // A fresh channel: the core backs a failed one off for seconds on its own.
                actor.stop()
                actor = ActorLoop(configuration: configuration)
            } catch {
                throw error
            }
        }
    }

    public var progress: ActorProgress { ActorProgress.combined(actors.map(\.progress)) }

    /// The error that stopped one of the shares (nil while all run).
    public var fatalError: RPCError? { actors.lazy.compactMap(\.error).first }

    public func stop() { actors.forEach { $0.stop() } }
}
