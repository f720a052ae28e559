internal import CGRPC
import Synchronization

/// Which streaming method a call is.
public enum StreamMethod: Sendable, Equatable {
    /// `Act`: one Step, one Action.
    case act
    /// `ActBatch`: one StepBatch of L lanes, one ActionBatch of L actions.
    case actBatch
}

/// What the server does with one stream's events. Called on the stream's poller thread,
/// one event at a time per stream.
public protocol ServerStreamHandler: AnyObject {
    /// A Step arrived and decoded (an Act stream). The stream sends nothing until `reply`
    /// or `finish`. `step`'s bytes are valid only during the call (the poller's receive
    /// memory is reused for the next message).
    func received(_ step: StepView)
    /// A StepBatch arrived and decoded (an ActBatch stream); valid only during the call.
    func received(_ batch: StepBatchView)
    /// The stream is over (finished, cancelled by the client, connection lost, server
    /// shutdown). Called exactly once; the handler must drop its per-stream state.
    func closed()
}

/// One `Act` or `ActBatch` call on the server: a small state machine driven by
/// completion events.
///
/// request → (accept) → receive ⇄ [reply = send Action + receive next Step] → status
///
/// Thread-safety: events arrive on one poller thread; `reply` may be called from any
/// one thread at a time while a Step is outstanding (the protocol allows exactly one);
/// `finish` may be called from any thread, any number of times (the first wins).
public final class ServerStream: CompletionTarget, @unchecked Sendable {
    enum Operation: UInt8 {
        case request = 0, exchange = 1, closed = 2, status = 3
    }

    private let slots = ServerCallSlots.allocate()
    private unowned let server: WireServer
    let queue: CompletionQueue
    public let method: StreamMethod
    private var handler: ServerStreamHandler?
    /// The Action being sent; destroyed when its batch completes (poller thread).
    private var sending: UnsafeMutablePointer<grpc_byte_buffer>? = nil
    private let initialMetadataSent = Atomic(false)
    private let finished = Atomic(false)

    /// A number unique among this server's streams, for logs and tables.
    public internal(set) var id: UInt64 = 0
    /// Who opened the stream; set when accepted.
    public private(set) var context = CallContext(authorization: nil, peer: "")

    init(server: WireServer, queue: CompletionQueue, method: StreamMethod) {
        self.server = server
        self.queue = queue
        self.method = method
    }

    deinit {
        if let sending { grpc_byte_buffer_destroy(sending) }
        ServerCallSlots.free(slots)
    }

    // MARK: Server side wiring

    /// Asks the core for the next incoming Act call (re-armed by the server).
    func request(method: UnsafeMutableRawPointer) -> Bool {
        let tag = Tag.make(self, Operation.request.rawValue)
        let requested = queue.whileOpen {
            grpc_server_request_registered_call(
                server.pointer, method, slots.pointer(to: \.call)!, slots.pointer(to: \.deadline)!, slots.pointer(to: \.metadata)!,
                nil, queue.pointer, queue.pointer, tag) == GRPC_CALL_OK
        }
        if !requested { Tag.drop(tag) }
        return requested
    }

    override func complete(operation: UInt8, success: Bool) {
        switch Operation(rawValue: operation)! {
        case .request: matched(success: success)
        case .exchange: exchanged(success: success)
        case .closed: closedEvent()
        case .status: break  // nothing to free until deinit
        }
    }

    private func matched(success: Bool) {
        server.rearmStreamRequest(method, on: queue)
        guard success, let call = slots.pointee.call else { return }  // server shutting down
        context = CallContext.read(call: call, metadata: slots.pointer(to: \.metadata)!)
        grpc_metadata_array_destroy(slots.pointer(to: \.metadata)!)
        grpc_metadata_array_init(slots.pointer(to: \.metadata)!)

        // Learn of the end of the call whatever happens next.
        var closeOp = grpc_op()
        seedrl_op_recv_close_on_server(&closeOp, slots.pointer(to: \.cancelled)!)
        startBatch([closeOp], operation: .closed)

        switch server.admit(self) {
        case .success(let (id, handler)):
            self.id = id
            self.handler = handler
            var receive = grpc_op()
            seedrl_op_recv_message(&receive, slots.pointer(to: \.received)!)
            startBatch([receive], operation: .exchange)
        case .failure(let error):
            finish(error.code, error.message)
        }
    }

    private func exchanged(success: Bool) {
        if let sending {
            grpc_byte_buffer_destroy(sending)
            self.sending = nil
        }
        guard success, let handler else { return }  // the call is ending; `closed` follows
        guard let buffer = slots.pointee.received else {
            finish(.ok, "")  // the client half-closed: it has no more Steps
            return
        }
        slots.pointee.received = nil
        defer { grpc_byte_buffer_destroy(buffer) }
        // Decoded into the poller's memory and handed on while the buffer still lives.
        switch method {
        case .act:
            let step = Codec.withContiguousBytes(buffer, scratch: queue.receiveScratch) { Codec.decodeStep($0, arena: queue.receiveArena) }
            guard let decoded = step ?? nil else { return finish(.invalidArgument, "message could not be decoded as seedrl.v1.Step") }
            handler.received(decoded)
        case .actBatch:
            let batch = Codec.withContiguousBytes(buffer, scratch: queue.receiveScratch) { Codec.decodeStepBatch($0, arena: queue.receiveArena) }
            guard let decoded = batch ?? nil else { return finish(.invalidArgument, "message could not be decoded as seedrl.v1.StepBatch") }
            handler.received(decoded)
        }
    }

    private func closedEvent() {
        let handler = self.handler
        self.handler = nil
        server.forget(self, wasAdmitted: handler != nil)
        handler?.closed()
    }

    // MARK: Public operations

    /// Sends the Action for the Step last received and asks for the next Step, in one
    /// batch (one completion event per step). Returns false if the stream has ended.
    @discardableResult
    public func reply(_ action: ActionMessage) -> Bool {
        guard slots.pointee.call != nil, !finished.load(ordering: .relaxed) else { return false }
        return send(Codec.encode(action))
    }

    /// Answers the message last received with one action per lane (an ActBatch stream's
    /// ActionBatch; an Act stream's Action from lane 0) and asks for the next.
    @discardableResult
    public func reply(actions: ActionPayload, modelVersion: UInt64) -> Bool {
        guard slots.pointee.call != nil, !finished.load(ordering: .relaxed) else { return false }
        switch method {
        case .act: return send(Codec.encodeAction(actions, modelVersion: modelVersion))
        case .actBatch: return send(Codec.encodeActionBatch(actions, modelVersion: modelVersion))
        }
    }

    /// Sends `buffer` (destroyed when the batch completes) and asks for the next message.
    private func send(_ buffer: UnsafeMutablePointer<grpc_byte_buffer>) -> Bool {
        guard let call = slots.pointee.call else {
            grpc_byte_buffer_destroy(buffer)
            return false
        }
        sending = buffer
        var ops = (grpc_op(), grpc_op(), grpc_op())
        var count = 0
        return withUnsafeMutableBytes(of: &ops) { raw in
            let op = raw.baseAddress!.assumingMemoryBound(to: grpc_op.self)
            if !initialMetadataSent.exchange(true, ordering: .relaxed) {
                seedrl_op_send_initial_metadata(op + count, nil, 0)
                count += 1
            }
            seedrl_op_send_message(op + count, buffer)
            seedrl_op_recv_message(op + count + 1, slots.pointer(to: \.received)!)
            count += 2
            let tag = Tag.make(self, Operation.exchange.rawValue)
            if !queue.whileOpen({ grpc_call_start_batch(call, op, count, tag, nil) == GRPC_CALL_OK }) {
                Tag.drop(tag)
                sending = nil
                grpc_byte_buffer_destroy(buffer)
                return false
            }
            return true
        }
    }

    /// Ends the stream with `code` and `message` (sent as the gRPC status). Idempotent;
    /// safe from any thread.
    public func finish(_ code: StatusCode, _ message: String) {
        guard let call = slots.pointee.call, !finished.exchange(true, ordering: .relaxed) else { return }
        slots.pointee.statusDetails = grpc_slice_from_copied_string(message)
        var ops = (grpc_op(), grpc_op())
        withUnsafeMutableBytes(of: &ops) { raw in
            let op = raw.baseAddress!.assumingMemoryBound(to: grpc_op.self)
            var count = 0
            if !initialMetadataSent.exchange(true, ordering: .relaxed) {
                seedrl_op_send_initial_metadata(op, nil, 0)
                count = 1
            }
            seedrl_op_send_status_from_server(op + count, grpc_status_code(code.rawValue), slots.pointer(to: \.statusDetails)!)
            let tag = Tag.make(self, Operation.status.rawValue)
            if !queue.whileOpen({ grpc_call_start_batch(call, op, count + 1, tag, nil) == GRPC_CALL_OK }) {
                Tag.drop(tag)
                grpc_call_cancel_with_status(call, grpc_status_code(code.rawValue), message, nil)
            }
        }
    }

    /// Ends the call at once with `code` (RST_STREAM to the client), whatever is still
    /// unsent: for a client that never reads, so a status queued behind its unread
    /// Action can never go out. Safe from any thread; the close event follows.
    public func cancel(_ code: StatusCode, _ message: String) {
        guard let call = slots.pointee.call else { return }
        finished.store(true, ordering: .relaxed)
        grpc_call_cancel_with_status(call, grpc_status_code(code.rawValue), message, nil)
    }

    private func startBatch(_ ops: [grpc_op], operation: Operation) {
        var ops = ops
        let tag = Tag.make(self, operation.rawValue)
        if !queue.whileOpen({ grpc_call_start_batch(slots.pointee.call, &ops, ops.count, tag, nil) == GRPC_CALL_OK }) {
            Tag.drop(tag)
        }
    }
}
