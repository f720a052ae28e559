import Contract
import Synchronization
import Threading
import Wire

/// What `seedrl bench` measures against a server.
public struct LoadConfiguration: Sendable {
    public var target: String
    public var token: String?
    /// Concurrent streams, each in strict ping-pong.
    public var streams = 64
    /// Lanes per ActBatch message (0: Act streams).
    public var lanes = 0
    /// Client connections the streams are spread over (one channel each).
    public var connections = 1
    /// Client poller threads the streams are spread over.
    public var pollerThreads = 1
    public var warmupSeconds = 1.0
    public var seconds = 5.0
    /// Every `episodeLength`-th Step is LAST (then FIRST); 0 never ends an episode.
    public var episodeLength = 0
    public var seed: UInt64 = 1
    /// Plain TCP or TLS.
    public var security: ChannelSecurity = .insecure

    public init(target: String) { self.target = target }
}

/// The outcome of a load run: round trips completed inside the measurement window.
public struct LoadReport: Sendable {
    public var streams: Int
    /// Lanes per message (0: Act).
    public var lanes: Int
    public var observationBytes: Int
    public var seconds: Double
    public var roundTrips: UInt64
    public var latency: LatencyHistogram
    /// Failed streams by status code name, with the first message seen for each.
    public var errors: [String: (count: Int, message: String)]
    /// The server's mean inference batch over the window (from GetStats), if it said.
    public var serverMeanBatch: Double?

    /// Messages answered per second (one round trip each).
    public var queriesPerSecond: Double { seconds > 0 ? Double(roundTrips) / seconds : 0 }
    /// Environment steps answered per second: messages × lanes.
    public var envStepsPerSecond: Double { queriesPerSecond * Double(max(lanes, 1)) }
    /// ActionBatches whose action count was not the lane count.
    public var badReplies: UInt64 = 0
}

/// Live counters while a run goes, for a progress display.
public struct LoadProgress: Sendable {
    public var elapsedSeconds: Double
    public var warmingUp: Bool
    public var roundTrips: UInt64
    public var failedStreams: Int
}

/// Drives N Act streams in strict ping-pong against a server and measures round trips:
/// the load generator behind `seedrl bench`. Streams are multiplexed over a few
/// channels; each poller thread keeps its own histogram (no lock per step).
public final class LoadGenerator: @unchecked Sendable {
    // Mutable state is either per-poller (confined to that poller's thread) or atomic.
    public let configuration: LoadConfiguration

    public init(configuration: LoadConfiguration) {
        self.configuration = configuration
    }

    /// Runs warm-up then the measured window; calls `progress` about every
    /// `progressInterval` seconds from the calling thread. Throws if the server cannot
    /// be reached (GetSpec fails).
    public func run(progressInterval: Double = 0.5, progress: (LoadProgress) -> Void = { _ in }) throws(RPCError) -> LoadReport {
        let c = configuration
        let channels = (0..<max(1, c.connections)).map {
            WireChannel(target: c.target, token: c.token, separateConnection: $0 > 0, security: c.security)
        }
        let spec = try channels[0].getSpec()
        let byteCount = Int(spec.observationShape.reduce(1, *)) * spec.observationDType.byteSize
        let observations = SyntheticObservations(byteCount: byteCount, dtype: spec.observationDType, maxBatch: c.lanes, seed: c.seed)
        defer { observations.deallocate() }
        let statsBefore = try? channels[0].getStats()

        let start = MonotonicClock.now()
        let window = Window(
            measureStart: start + UInt64(c.warmupSeconds * 1e9),
            measureEnd: start + UInt64((c.warmupSeconds + c.seconds) * 1e9))
        let pollers = (0..<max(1, c.pollerThreads)).map { PollerShard(poller: StreamPoller(name: "seedrl-load\($0)")) }
        let finished = Countdown(c.streams)
        var streams: [PingPongStream] = []
        for index in 0..<c.streams {
            let shard = pollers[index % pollers.count]
            let stream = PingPongStream(
                index: index, shard: shard, window: window, observations: observations,
                episodeLength: c.episodeLength, finished: finished, lanes: c.lanes, action: spec.action)
            do {
                try stream.open(channel: channels[index % channels.count])
                streams.append(stream)
            } catch {
                shard.recordFailure(error)
                finished.decrement()
            }
        }
        for stream in streams { stream.sendNext() }

        // Report progress until the window closes and every stream has wound down.
        let hardStop = window.measureEnd + 10_000_000_000
        var cancelled = false
        while !finished.wait(untilNanoseconds: min(MonotonicClock.now() + UInt64(progressInterval * 1e9), hardStop + 1_000_000_000)) {
            let now = MonotonicClock.now()
            if now >= hardStop && !cancelled {
                streams.forEach { $0.cancel() }  // a stuck server: do not wait forever
                cancelled = true
            }
            progress(LoadProgress(
                elapsedSeconds: Double(now - start) / 1e9, warmingUp: now < window.measureStart,
                roundTrips: pollers.reduce(0) { $0 + $1.measuredCount.load(ordering: .relaxed) },
                failedStreams: pollers.reduce(0) { $0 + $1.failedCount.load(ordering: .relaxed) }))
        }
        let statsAfter = try? channels[0].getStats()
        for shard in pollers { shard.poller.shutdown() }

        var latency = LatencyHistogram()
        var errors: [String: (count: Int, message: String)] = [:]
        for shard in pollers {
            latency.merge(shard.histogram)
            for (code, entry) in shard.errors {
                let existing = errors[code]
                errors[code] = ((existing?.count ?? 0) + entry.count, existing?.message ?? entry.message)
            }
        }
        var report = LoadReport(
            streams: c.streams, lanes: c.lanes, observationBytes: byteCount, seconds: c.seconds,
            roundTrips: latency.count, latency: latency, errors: errors,
            serverMeanBatch: Self.windowMeanBatch(before: statsBefore, after: statsAfter))
        report.badReplies = pollers.reduce(0) { $0 + $1.badReplies.load(ordering: .relaxed) }
        return report
    }

    /// Mean batch between two GetStats readings: Δsteps / Δbatches, with batches
    /// recovered as steps / mean batch size (the server counts both since start).
    static func windowMeanBatch(before: StatsMessage?, after: StatsMessage?) -> Double? {
        guard let after, after.meanBatchSize > 0 else { return nil }
        let batchesAfter = Double(after.stepsServed) / after.meanBatchSize
        let stepsBefore = Double(before?.stepsServed ?? 0)
        let batchesBefore = (before.map { $0.meanBatchSize > 0 ? Double($0.stepsServed) / $0.meanBatchSize : 0 }) ?? 0
        let batches = batchesAfter - batchesBefore
        return batches > 0.5 ? (Double(after.stepsServed) - stepsBefore) / batches : after.meanBatchSize
    }
}

/// When round trips count.
struct Window: Sendable {
    let measureStart: UInt64
    let measureEnd: UInt64
}

/// One poller thread and what its streams record. `histogram` and `errors` are touched
/// only on the poller's thread until it has been shut down.
final class PollerShard: @unchecked Sendable {
    let poller: StreamPoller
    var histogram = LatencyHistogram()
    var errors: [String: (count: Int, message: String)] = [:]
    let measuredCount = Atomic<UInt64>(0)
    let failedCount = Atomic<Int>(0)
    let badReplies = Atomic<UInt64>(0)

    init(poller: StreamPoller) { self.poller = poller }

    func recordFailure(_ error: RPCError) {
        let key = error.code.description
        errors[key] = ((errors[key]?.count ?? 0) + 1, errors[key]?.message ?? error.message)
        failedCount.add(1, ordering: .relaxed)
    }
}

/// Counts finished streams down; one thread waits for zero.
final class Countdown: @unchecked Sendable {
    // `remaining` is only touched under `lock`.
    private let lock = ConditionLock()
    private var remaining: Int

    init(_ count: Int) { remaining = count }

    func decrement() {
        lock.withLock {
            remaining -= 1
            if remaining <= 0 { lock.broadcast() }
        }
    }

    /// True once the count reached zero; false if `deadline` came first.
    func wait(untilNanoseconds deadline: UInt64) -> Bool {
        lock.withLock {
            while remaining > 0 {
                if !lock.wait(until: deadline) { return remaining <= 0 }
            }
            return true
        }
    }
}
