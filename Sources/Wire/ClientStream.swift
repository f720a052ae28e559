import Contract
internal import CGRPC
import Synchronization
import Threading

/// Receives one client stream's events, on its poller's thread.
public protocol ClientStreamDelegate: AnyObject {
    /// The Action answering the Step last sent; its values are valid only during the call.
    func stream(_ stream: ClientStream, received action: ActionView)
    /// The stream is over: `nil` for OK, else the status it ended with. Called once,
    /// after every other event of the stream.
    func stream(_ stream: ClientStream, closedWith error: RPCError?)
    /// The ActionBatch answering the StepBatch last sent (an ActBatch stream); the actions
    /// are valid only during the call. Required (no default) so that a delegate whose
    /// method does not match this signature fails to compile instead of never being called.
    func stream(_ stream: ClientStream, received batch: ActionBatchView)
}

/// The actor side of one `Act` stream (or `ActBatch`), in strict ping-pong: `send` a Step
/// (a StepBatch), receive its Action (ActionBatch) through the delegate, send the next.
/// Each exchange is one batch and one event.
///
/// Thread-safety: `send` may be called from any thread, one at a time and only when no
/// Step is outstanding (from the delegate's `received` is typical); `cancel` from any thread.
public final class ClientStream: CompletionTarget, @unchecked Sendable {
    enum Operation: UInt8 { case exchange = 0, status = 1 }

    private let call: OpaquePointer
    /// The channel must outlive its calls.
    private let channel: WireChannel
    private let metadata: OutgoingMetadata
    private weak var delegate: ClientStreamDelegate?
    public let method: StreamMethod
    private let arena: MessageArena
    private let slots: UnsafeMutablePointer<Slots>
    private var sending: UnsafeMutablePointer<grpc_byte_buffer>? = nil
    private var firstSend = true
    /// Ordering of the end: `closed` is delivered once, when the status is in and no
    /// exchange is. Locked: `send` may run on another thread while the poller finishes
    /// delivering an event.
    private struct EndState {
        var exchangeOutstanding = false
        var statusReceived = false
        var closeDelivered = false

        mutating func takeClose() -> Bool {
            guard statusReceived, !exchangeOutstanding, !closeDelivered else { return false }
            closeDelivered = true
            return true
        }
    }
    private let end = Locked(EndState())

    struct Slots {
        var initialMetadata = grpc_metadata_array()
        var trailingMetadata = grpc_metadata_array()
        var received: UnsafeMutablePointer<grpc_byte_buffer>? = nil
        var status = GRPC_STATUS_OK
        var details = grpc_empty_slice()
    }

    /// Opens an Act stream (or an ActBatch stream of up to `lanes` lanes) on `channel`,
    /// its events delivered on `poller`.
    public init(channel: WireChannel, poller: StreamPoller, delegate: ClientStreamDelegate,
                method: StreamMethod = .act, lanes: Int = 1) throws(RPCError) {
        self.delegate = delegate
        self.channel = channel
        self.method = method
        arena = MessageArena(capacity: 256 + 8 * max(lanes, 1))
        metadata = OutgoingMetadata(token: channel.token)
        slots = .allocate(capacity: 1)
        slots.initialize(to: Slots())
        grpc_metadata_array_init(slots.pointer(to: \.initialMetadata)!)
        grpc_metadata_array_init(slots.pointer(to: \.trailingMetadata)!)
        let path = grpc_slice_from_copied_string(method == .act ? "/seedrl.v1.Learner/Act" : "/seedrl.v1.Learner/ActBatch")
        defer { grpc_slice_unref(path) }
        guard let call = grpc_channel_create_call(
            channel.pointer, nil, seedrl_propagate_defaults(), poller.queue.pointer, path, nil, seedrl_inf_future(), nil)
        else {
            throw RPCError(.internal, "could not create an Act call")
        }
        self.call = call
        super.init()
        var op = grpc_op()
        seedrl_op_recv_status_on_client(&op, slots.pointer(to: \.trailingMetadata)!, slots.pointer(to: \.status)!, slots.pointer(to: \.details)!)
        let tag = Tag.make(self, Operation.status.rawValue)
        if grpc_call_start_batch(call, &op, 1, tag, nil) != GRPC_CALL_OK {
            Tag.drop(tag)
            throw RPCError(.internal, "could not start an Act call")
        }
    }

    deinit {
        if let sending { grpc_byte_buffer_destroy(sending) }
        if let received = slots.pointee.received { grpc_byte_buffer_destroy(received) }
        grpc_metadata_array_destroy(slots.pointer(to: \.initialMetadata)!)
        grpc_metadata_array_destroy(slots.pointer(to: \.trailingMetadata)!)
        grpc_slice_unref(slots.pointee.details)
        slots.deinitialize(count: 1)
        slots.deallocate()
        grpc_call_unref(call)
    }

    /// Sends one Step and asks for its Action. Returns false if the stream has ended.
    @discardableResult
    public func send(stepType: StepType, reward: Float, discount: Float, observation: UnsafeRawBufferPointer) -> Bool {
        let buffer = Codec.encodeStep(stepType: Int32(stepType.rawValue), reward: reward, discount: discount, observation: observation)
        return send(encoded: buffer)
    }

    /// Sends a Step with a raw step type (tests use it to send invalid ones).
    @discardableResult
    public func send(rawStepType: Int32, reward: Float, discount: Float, observation: UnsafeRawBufferPointer) -> Bool {
        send(encoded: Codec.encodeStep(stepType: rawStepType, reward: reward, discount: discount, observation: observation))
    }

    /// Sends one StepBatch (an ActBatch stream): `stepTypes` as wire values, one per lane,
    /// and the lanes' observations back to back. Returns false if the stream has ended.
    @discardableResult
    public func send(stepTypes: UnsafeBufferPointer<UInt32>, rewards: UnsafeBufferPointer<Float>,
                     discounts: UnsafeBufferPointer<Float>, observations: UnsafeRawBufferPointer) -> Bool {
        send(encoded: Codec.encodeStepBatch(stepTypes: stepTypes, rewards: rewards, discounts: discounts, observations: observations))
    }

    /// Sends arbitrary bytes as a message (tests use it to send undecodable ones).
    @discardableResult
    public func send(rawMessage: [UInt8]) -> Bool {
        send(encoded: rawMessage.withUnsafeBytes { Codec.raw($0) })
    }

    private func send(encoded buffer: UnsafeMutablePointer<grpc_byte_buffer>) -> Bool {
        sending = buffer
        var ops = (grpc_op(), grpc_op(), grpc_op(), grpc_op())
        return withUnsafeMutableBytes(of: &ops) { raw in
            let op = raw.baseAddress!.assumingMemoryBound(to: grpc_op.self)
            var count = 0
            if firstSend {
                metadata.withMetadata { seedrl_op_send_initial_metadata(op, $0, $1) }
                seedrl_op_recv_initial_metadata(op + 1, slots.pointer(to: \.initialMetadata)!)
                count = 2
            }
            seedrl_op_send_message(op + count, buffer)
            seedrl_op_recv_message(op + count + 1, slots.pointer(to: \.received)!)
            count += 2
            end.withLock { $0.exchangeOutstanding = true }
            // Before the batch starts: its Action may arrive, and the next send run on the
            // poller thread, before start_batch even returns here.
            firstSend = false
            let tag = Tag.make(self, Operation.exchange.rawValue)
            if grpc_call_start_batch(call, op, count, tag, nil) != GRPC_CALL_OK {
                Tag.drop(tag)
                sending = nil
                grpc_byte_buffer_destroy(buffer)
                if end.withLock({ $0.exchangeOutstanding = false; return $0.takeClose() }) { deliverClose() }
                return false
            }
            return true
        }
    }

    /// Tells the server no more Steps will come; it then ends the stream with OK.
    public func closeSend() {
        var op = grpc_op()
        seedrl_op_send_close_from_client(&op)
        let tag = Tag.make(self, 2)
        if grpc_call_start_batch(call, &op, 1, tag, nil) != GRPC_CALL_OK { Tag.drop(tag) }
    }

    /// Cancels the stream; the delegate then hears `closedWith` CANCELLED.
    public func cancel() {
        grpc_call_cancel(call, nil)
    }

    override func complete(operation: UInt8, success: Bool) {
        switch operation {
        case Operation.exchange.rawValue:
            // Everything of this stream is read before the delegate hears the Action: it
            // may send the next Step at once, from any thread.
            if let sending {
                grpc_byte_buffer_destroy(sending)
                self.sending = nil
            }
            let received = success ? slots.pointee.received : nil
            slots.pointee.received = nil
            defer { if let received { grpc_byte_buffer_destroy(received) } }
            let closeNow = end.withLock { $0.exchangeOutstanding = false; return $0.takeClose() }
            var undecodable = false
            if let received {
                // The action lives in the arena: the delegate sees it before anything reuses it.
                let delivered = Codec.withContiguousBytes(received, scratch: nil) { bytes in
                    switch method {
                    case .act: Codec.decodeAction(bytes, arena: arena) { delegate?.stream(self, received: $0) } != nil
                    case .actBatch: Codec.decodeActionBatch(bytes, arena: arena) { delegate?.stream(self, received: $0) } != nil
                    }
                }
                undecodable = delivered != true
            }
            if undecodable { cancel() }  // end the stream; its status says CANCELLED
            if closeNow { deliverClose() }
        case Operation.status.rawValue:
            if end.withLock({ $0.statusReceived = true; return $0.takeClose() }) { deliverClose() }
        default:
            break  // close-from-client done
        }
    }

    private func deliverClose() {
        let status = slots.pointee.status
        let error = status == GRPC_STATUS_OK
            ? nil : RPCError(StatusCode(rawValue: Int32(status.rawValue)), String(slice: slots.pointer(to: \.details)!))
        delegate?.stream(self, closedWith: error)
    }
}
