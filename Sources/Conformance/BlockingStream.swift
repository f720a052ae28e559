import Contract
import Threading
import Wire

/// One Act or ActBatch stream driven step by step: send, then wait for the reply or the
/// status the stream ended with. Real gRPC through Wire's client stream.
final class BlockingStream: ClientStreamDelegate, @unchecked Sendable {
    enum Event: Equatable {
        /// Discrete actions (one per lane), box values and multi-discrete indices (lane-major).
        case actions(discrete: [Int32], continuous: [Float], indices: [Int32], version: UInt64)
        case closed(RPCError?)
    }

    // `events` is guarded by `lock`; `stream` is set once in init.
    private let lock = ConditionLock()
    private var events: [Event] = []
    private(set) var stream: ClientStream!

    init(channel: WireChannel, poller: StreamPoller, method: StreamMethod = .act, lanes: Int = 1) throws(RPCError) {
        stream = try ClientStream(channel: channel, poller: poller, delegate: self, method: method, lanes: lanes)
    }

    func stream(_ stream: ClientStream, received action: ActionView) {
        push(.actions(discrete: [action.action], continuous: Array(action.continuous), indices: Array(action.discrete),
                      version: action.modelVersion))
    }

    func stream(_ stream: ClientStream, received batch: ActionBatchView) {
        push(.actions(discrete: Array(batch.actions), continuous: Array(batch.continuous), indices: Array(batch.discrete),
                      version: batch.modelVersion))
    }

    func stream(_ stream: ClientStream, closedWith error: RPCError?) { push(.closed(error)) }

    private func push(_ event: Event) {
        lock.withLock {
            events.append(event)
            lock.broadcast()
        }
    }

    /// The next event, or nil after `seconds`.
    func next(seconds: Double = 10) -> Event? {
        let deadline = MonotonicClock.now() + UInt64(seconds * 1e9)
        return lock.withLock {
            while events.isEmpty {
                if !lock.wait(until: deadline) && events.isEmpty { return nil }
            }
            return events.removeFirst()
        }
    }

    /// Sends one Step (raw step type, observation bytes) and waits for what comes back.
    func exchange(type: Int32, reward: Float = 0, discount: Float = 1, observation: [UInt8], seconds: Double = 10) -> Event? {
        observation.withUnsafeBytes { _ = stream.send(rawStepType: type, reward: reward, discount: discount, observation: $0) }
        return next(seconds: seconds)
    }

    /// Sends one StepBatch and waits for what comes back.
    func exchange(types: [UInt32], rewards: [Float], discounts: [Float], observations: [UInt8], seconds: Double = 10) -> Event? {
        types.withUnsafeBufferPointer { types in
            rewards.withUnsafeBufferPointer { rewards in
                discounts.withUnsafeBufferPointer { discounts in
                    observations.withUnsafeBytes {
                        _ = stream.send(stepTypes: types, rewards: rewards, discounts: discounts, observations: $0)
                    }
                }
            }
        }
        return next(seconds: seconds)
    }

    /// Sends bytes that are no message of the contract and waits.
    func exchange(raw: [UInt8], seconds: Double = 10) -> Event? {
        _ = stream.send(rawMessage: raw)
        return next(seconds: seconds)
    }

    func close() {
        stream.closeSend()
    }

    /// Ends the call at once, whatever is outstanding.
    func cancel() {
        stream.cancel()
    }
}
