import Contract
import Threading
import Wire
import XCTest

/// A blocking Act client for tests: `send` a Step, then `next()` returns the Action or
/// the status the stream ended with. Real gRPC through Wire's client stream.
final class TestActClient: ClientStreamDelegate, @unchecked Sendable {
    enum Event: Equatable {
        case action(ActionMessage)
        case closed(RPCError?)
    }

    // `events` is guarded by `lock`; `stream` is set once in init.
    private let lock = ConditionLock()
    private var events: [Event] = []
    private(set) var stream: ClientStream!

    init(channel: WireChannel, poller: StreamPoller) throws {
        stream = try ClientStream(channel: channel, poller: poller, delegate: self)
    }

    func stream(_ stream: ClientStream, received batch: ActionBatchView) {}

    func stream(_ stream: ClientStream, received action: ActionView) {
        lock.withLock {
            events.append(.action(action.owned))
            lock.broadcast()
        }
    }

    func stream(_ stream: ClientStream, closedWith error: RPCError?) {
        lock.withLock {
            events.append(.closed(error))
            lock.broadcast()
        }
    }

    func send(_ type: StepType, observation: [Float], reward: Float = 0, discount: Float = 1) {
        observation.withUnsafeBytes { _ = stream.send(stepType: type, reward: reward, discount: discount, observation: $0) }
    }

    func sendRaw(type: Int32, bytes: [UInt8], reward: Float = 0, discount: Float = 1) {
        bytes.withUnsafeBytes { _ = stream.send(rawStepType: type, reward: reward, discount: discount, observation: $0) }
    }

    /// The next event, waiting up to `seconds`.
    func next(seconds: Double = 10, file: StaticString = #filePath, line: UInt = #line) -> Event? {
        let deadline = MonotonicClock.now() + UInt64(seconds * 1e9)
        let event: Event? = lock.withLock {
            while events.isEmpty {
                if !lock.wait(until: deadline) && events.isEmpty { return nil }
            }
            return events.removeFirst()
        }
        if event == nil { XCTFail("no event within \(seconds) s", file: file, line: line) }
        return event
    }

    /// The next event if one has arrived, without waiting.
    func poll() -> Event? {
        lock.withLock { events.isEmpty ? nil : events.removeFirst() }
    }

    /// Sends a step and expects an Action back.
    @discardableResult
    func roundTrip(_ type: StepType, observation: [Float] = [0.1, -0.2, 0.03, 0.4], reward: Float = 0,
                   discount: Float = 1, file: StaticString = #filePath, line: UInt = #line) -> ActionMessage? {
        send(type, observation: observation, reward: reward, discount: discount)
        guard case .action(let action)? = next(file: file, line: line) else {
            XCTFail("expected an Action", file: file, line: line)
            return nil
        }
        return action
    }

    /// Waits for the stream's end and returns its status (nil for OK).
    func closedStatus(file: StaticString = #filePath, line: UInt = #line) -> RPCError?? {
        while let event = next(file: file, line: line) {
            if case .closed(let error) = event { return .some(error) }
        }
        return nil
    }
}

/// Polls `condition` until true or `seconds` pass.
func eventually(seconds: Double = 10, _ condition: () -> Bool) -> Bool {
    let deadline = MonotonicClock.now() + UInt64(seconds * 1e9)
    while MonotonicClock.now() < deadline {
        if condition() { return true }
        usleep(5_000)
    }
    return condition()
}

/// A blocking ActBatch client for tests: `send` a StepBatch, `next()` returns the
/// ActionBatch's actions or the stream's end. Real gRPC through Wire's client stream.
final class TestBatchClient: ClientStreamDelegate, @unchecked Sendable {
    enum Event: Equatable {
        case actions([Int32], UInt64)
        /// An ActionBatch of a box (`continuous`) or multi-discrete (`discrete`) space.
        case packed(continuous: [Float], discrete: [Int32], UInt64)
        case closed(RPCError?)
    }

    // `events` is guarded by `lock`; `stream` is set once in init.
    private let lock = ConditionLock()
    private var events: [Event] = []
    private(set) var stream: ClientStream!

    init(channel: WireChannel, poller: StreamPoller, lanes: Int) throws {
        stream = try ClientStream(channel: channel, poller: poller, delegate: self, method: .actBatch, lanes: lanes)
    }

    func stream(_ stream: ClientStream, received action: ActionView) {}

    func stream(_ stream: ClientStream, received batch: ActionBatchView) {
        if batch.continuous.isEmpty && batch.discrete.isEmpty {
            record(.actions(Array(batch.actions), batch.modelVersion))
        } else {
            record(.packed(continuous: Array(batch.continuous), discrete: Array(batch.discrete), batch.modelVersion))
        }
    }

    func stream(_ stream: ClientStream, closedWith error: RPCError?) { record(.closed(error)) }

    private func record(_ event: Event) {
        lock.withLock {
            events.append(event)
            lock.broadcast()
        }
    }

    /// Sends raw wire step types with the given rewards, discounts and float observations.
    func send(types: [UInt32], rewards: [Float]? = nil, discounts: [Float]? = nil, observations: [Float]) {
        let rewards = rewards ?? Array(repeating: 0, count: types.count)
        let discounts = discounts ?? Array(repeating: 1, count: types.count)
        types.withUnsafeBufferPointer { types in
            rewards.withUnsafeBufferPointer { rewards in
                discounts.withUnsafeBufferPointer { discounts in
                    observations.withUnsafeBytes { _ = stream.send(stepTypes: types, rewards: rewards, discounts: discounts, observations: $0) }
                }
            }
        }
    }

    /// Sends one step type for every lane, each with a CartPole-sized observation.
    func send(_ types: [StepType], rewards: [Float]? = nil) {
        send(types: types.map { UInt32($0.rawValue) }, rewards: rewards,
             observations: (0..<(types.count * 4)).map { Float($0 % 7) * 0.1 })
    }

    func next(seconds: Double = 10) -> Event? {
        let deadline = MonotonicClock.now() + UInt64(seconds * 1e9)
        return lock.withLock {
            while events.isEmpty { if !lock.wait(until: deadline) && events.isEmpty { return nil } }
            return events.removeFirst()
        }
    }

    /// Sends and expects the actions back.
    func roundTrip(_ types: [StepType], rewards: [Float]? = nil, file: StaticString = #filePath, line: UInt = #line) -> [Int32]? {
        send(types, rewards: rewards)
        guard case .actions(let actions, _)? = next() else {
            XCTFail("expected an ActionBatch", file: file, line: line)
            return nil
        }
        return actions
    }

    /// Waits for the stream's end and returns its status (nil for OK).
    func closedStatus() -> RPCError?? {
        while let event = next() {
            if case .closed(let error) = event { return .some(error) }
        }
        return nil
    }
}

extension ServerFixture {
    func batchClient(lanes: Int) throws -> TestBatchClient {
        try TestBatchClient(channel: channel, poller: poller, lanes: lanes)
    }
}
