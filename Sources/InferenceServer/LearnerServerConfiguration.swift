import Contract
import BatchQueue
import Replay
import Wire

/// Everything `LearnerServer` needs to know, with defaults that serve well on a small machine.
public struct LearnerServerConfiguration: Sendable {
    public var spec: ObservationSpec
    /// `host:port` or `unix:/path`; port 0 picks a free one (read `boundPorts`).
    public var listenAddresses: [String]
    /// Act streams (and ActBatch lanes: each counts as one) served at once; more are
    /// refused with RESOURCE_EXHAUSTED.
    public var maxStreams: Int = 4096
    /// Most lanes one ActBatch stream may carry (GetSpec's `max_lanes`).
    public var maxLanes: Int = 256
    /// Act streams one peer host (an IPv6 peer's /64) may hold at once, so one client
    /// cannot take every slot (nil: only `maxStreams` applies).
    public var maxStreamsPerPeer: Int? = 1024
    /// Bytes all open streams may hold for their input rows, recurrent states and partial
    /// unrolls (taken at a stream's first Step; beyond it RESOURCE_EXHAUSTED). Default:
    /// half the machine's memory.
    public var maxStreamMemoryBytes: Int = PhysicalMemory.bytes / 2
    /// How long after the idle reaper's status a stream that has not closed (its client
    /// does not read) is cancelled outright.
    public var idleCancelGraceSeconds: Double = 2
    /// What one connection may cost before the core ends it.
    public var defences = ConnectionDefences()
    /// A stream whose client has not sent its next Step for this long is ended with
    /// DEADLINE_EXCEEDED and its state freed (nil: never).
    public var streamIdleSeconds: Double?
    /// Inference batching: at most this many rows (environment steps) per forward pass
    /// (one ActBatch message larger than this goes alone)...
    public var maxBatch: Int = 256
    /// ...and the first pending step waits at most this long for company. 0 is greedy:
    /// whatever is pending goes when inference is free (best for a cheap MLP, measured).
    public var maxDelayMicroseconds: Int = 0
    /// Rewards and float32 observation elements beyond these are refused (INVALID_ARGUMENT
    /// naming the lane and field): finite but huge values would poison every update. The
    /// command line turns them off for a server that only serves.
    public var valueLimits = ValueLimits.training
    /// When set, every RPC must carry `authorization: Bearer <token>`.
    public var token: String?
    /// Plain TCP or TLS (optionally mutual).
    public var security: ServerSecurity = .insecure
    /// Keepalive ping period (and timeout) towards clients: a client whose link died is
    /// dropped, and its streams freed, within about twice this. nil leaves it to TCP.
    public var keepaliveMilliseconds: Int? = 20_000
    /// Completion-queue poller threads.
    public var pollerThreads: Int = 1
    /// How often, and how far apart, a listener restart retries its bind.
    public var listenerRestart = ListenerRestartPolicy()
    /// When set, every served step is recorded into per-stream unrolls of this length
    /// and pushed to this queue for the learner; nil serves inference only.
    public var recording: Recording?
    /// Frames the learner has consumed, for GetStats (0 without training).
    public var framesTrained: (@Sendable () -> UInt64)?
    /// Learner updates skipped for a non-finite gradient, for GetStats (nil: not training).
    public var skippedUpdates: (@Sendable () -> UInt64)?

    public struct Recording: Sendable {
        public var unrollLength: Int
        public var queue: UnrollQueue
        /// γ of the running return each unroll carries, which reward normalisation reads:
        /// the learner's discount (no default, so no learner can forget it).
        public var returnDiscount: Float
        public init(unrollLength: Int, queue: UnrollQueue, returnDiscount: Float) {
            self.unrollLength = unrollLength
            self.queue = queue
            self.returnDiscount = returnDiscount
        }
    }

    /// Most rows one inference batch can have: `maxBatch`, or one message of `maxLanes`.
    /// The policy's workspace must hold this many.
    public var maxRowsPerBatch: Int { max(maxBatch, maxLanes) }

    public init(spec: ObservationSpec, listenAddresses: [String]) {
        self.spec = spec
        self.listenAddresses = listenAddresses
    }

    func batchingPolicy() throws(BatchQueueError) -> BatchingPolicy {
        guard maxDelayMicroseconds >= 0 else {
            throw .invalidConfiguration("max delay must not be negative, got \(maxDelayMicroseconds) µs")
        }
        return try BatchingPolicy(maxBatch: maxBatch, maxDelayNanoseconds: UInt64(maxDelayMicroseconds) * 1000)
    }
}

/// Rebinding after the core stopped accepting: another process may hold the port for a
/// moment (or for good). Exponential backoff from `firstDelaySeconds`, capped at
/// `maxDelaySeconds`; the defaults try for about 20 s.
public struct ListenerRestartPolicy: Sendable {
    public var attempts: Int = 8
    public var firstDelaySeconds: Double = 0.1
    public var maxDelaySeconds: Double = 5

    public init(attempts: Int = 8, firstDelaySeconds: Double = 0.1, maxDelaySeconds: Double = 5) {
        self.attempts = attempts
        self.firstDelaySeconds = firstDelaySeconds
        self.maxDelaySeconds = maxDelaySeconds
    }

    /// The wait before attempt `attempt` (1-based after the first, which does not wait).
    public func delay(beforeAttempt attempt: Int) -> Double {
        min(maxDelaySeconds, firstDelaySeconds * Double(1 << min(attempt - 1, 30)))
    }
}
