/// One rank's serving counters, summed over the ranks of a data-parallel job each
/// learner step (in the same all-reduce that agrees on the step): what rank 0 shows and
/// logs for the whole job.
public struct JobCounters: Sendable, Equatable {
    public var stepsServed: Double = 0
    public var episodes: Double = 0
    /// The rank's last-100 mean return, and 1 if the rank has finished an episode: summed,
    /// their ratio is the mean over the ranks that have returns.
    public var meanReturnSum: Double = 0
    public var ranksWithEpisodes: Double = 0
    public var streams: Double = 0
    public var envSteps: Double = 0

    public init() {}

    public init(stepsServed: UInt64, episodes: UInt64, meanReturn: Double, streams: Int, envSteps: UInt64) {
        self.stepsServed = Double(stepsServed)
        self.episodes = Double(episodes)
        meanReturnSum = episodes > 0 ? meanReturn : 0
        ranksWithEpisodes = episodes > 0 ? 1 : 0
        self.streams = Double(streams)
        self.envSteps = Double(envSteps)
    }

    /// The mean of the ranks' last-100 returns (0 before any rank finished an episode).
    public var meanReturn: Double { ranksWithEpisodes > 0 ? meanReturnSum / ranksWithEpisodes : 0 }

    static let fieldCount = 6

    func append(to words: inout [Double]) {
        words += [stepsServed, episodes, meanReturnSum, ranksWithEpisodes, streams, envSteps]
    }

    init(words: ArraySlice<Double>) {
        precondition(words.count == Self.fieldCount)
        let w = Array(words)
        (stepsServed, episodes, meanReturnSum, ranksWithEpisodes, streams, envSteps) = (w[0], w[1], w[2], w[3], w[4], w[5])
    }
}

/// What the ranks agree on each iteration, summed over the job: how many have a batch,
/// want to stop, want a checkpoint, or have run out of drain time.
struct JobAgreement: Equatable {
    var ready = 0.0, stopping = 0.0, checkpoint = 0.0, drainExpired = 0.0

    static let fieldCount = 4

    func append(to words: inout [Double]) { words += [ready, stopping, checkpoint, drainExpired] }

    init(ready: Bool, stopping: Bool, checkpoint: Bool, drainExpired: Bool) {
        (self.ready, self.stopping, self.checkpoint, self.drainExpired) =
            (ready ? 1 : 0, stopping ? 1 : 0, checkpoint ? 1 : 0, drainExpired ? 1 : 0)
    }

    init(words: ArraySlice<Double>) {
        let w = Array(words)
        (ready, stopping, checkpoint, drainExpired) = (w[0], w[1], w[2], w[3])
    }
}
