import Environments
import Wire

/// What `seedrl actor` runs: K environments over one shared channel, as lanes of ActBatch
/// streams (or each on its own Act stream), stepping in strict ping-pong with the learner.
public struct ActorConfiguration: Sendable {
    public var target: String
    public var token: String?
    public var environment: String
    public var environments = 16
    /// Environments per ActBatch stream (1: one Act stream each; nil: all of them on as
    /// few streams as the server's `max_lanes` allows).
    public var lanes: Int?
    public var seed: UInt64 = 1
    /// How long to wait before re-opening streams after the learner went away.
    public var backoff = Backoff()
    /// Keepalive ping period (and timeout): a silently dead link is noticed within about
    /// twice this. nil leaves it to TCP.
    public var keepaliveMilliseconds: Int? = 5000
    /// Plain TCP or TLS.
    public var security: ChannelSecurity = .insecure

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
    /// Streams re-opened after the learner went away or the connection broke.
    public var reconnects: UInt64
    /// Streams currently waiting to reconnect.
    public var waiting: Int

    /// Several actors' progress as one (an actor spread over several learners): counts
    /// add up; the mean return is weighted by each one's episodes.
    public static func combined(_ parts: [ActorProgress]) -> ActorProgress {
        let episodes = parts.reduce(0) { $0 + $1.episodes }
        let weighted = parts.reduce(0.0) { $0 + $1.meanReturn * Double($1.episodes) }
        return ActorProgress(
            steps: parts.reduce(0) { $0 + $1.steps }, episodes: episodes,
            meanReturn: episodes > 0 ? weighted / Double(episodes) : 0,
            reconnects: parts.reduce(0) { $0 + $1.reconnects }, waiting: parts.reduce(0) { $0 + $1.waiting })
    }
}

public enum ActorError: Error, CustomStringConvertible {
    case unknownEnvironment(String)
    case specMismatch(String)
    case rpc(RPCError)

    public var description: String {
        switch self {
        case .unknownEnvironment(let name): "unknown environment '\(name)'; known: \(KnownEnvironment.names.joined(separator: ", "))"
        case .specMismatch(let message): message
        case .rpc(let error): "\(error)"
        }
    }
}

