import Wire

/// One stream of an actor, as its reconnect logic sees it: an Act stream of one
/// environment (`EnvironmentStream`) or an ActBatch stream of several (`LaneGroupStream`).
/// The three variables are guarded by the actor's lock.
protocol ActorStream: AnyObject, Sendable {
    /// Environments this stream steps.
    var environmentCount: Int { get }
    /// The open call and whether `stop` cancelled it.
    var cancelHandle: ClientStream? { get set }
    var cancelledByUs: Bool { get set }
    /// Consecutive failed attempts to reach the learner.
    var failedAttempts: Int { get set }
    func open(channel: WireChannel, poller: StreamPoller) throws(RPCError)
    /// Starts every environment afresh (after a reconnect too: the learner dropped them).
    func begin()
}
