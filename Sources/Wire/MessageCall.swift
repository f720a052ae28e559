internal import CGRPC
import Threading

/// A streaming call of the gRPC services beside the Learner (health Watch, server
/// reflection): rare and small, so unlike `ServerStream` it favours simplicity over
/// allocation. Messages go out in order, one send in flight; a finish waits for them.
///
/// Reading is the owner's choice (`receive`): Watch never reads its request (a peer
/// without a token must not make the server buffer anything), reflection reads one
/// request at a time and only after the caller is authorised.
final class MessageCall: CompletionTarget, @unchecked Sendable {
    enum Operation: UInt8 { case request = 0, send = 1, receive = 2, closed = 3, status = 4 }

    /// What the owner does with the call's events (poller thread).
    struct Handlers {
        /// The call was matched: start it (send, receive) or finish it.
        var matched: (MessageCall) -> Void
        /// A message arrived (nil: the client half-closed). Its bytes live for the call only.
        var received: (MessageCall, UnsafeRawBufferPointer?) -> Void = { _, _ in }
        /// Every queued message was sent.
        var drained: (MessageCall) -> Void = { _ in }
        /// The call is over (finished, cancelled, connection lost).
        var closed: (MessageCall) -> Void = { _ in }
    }

    private let slots = ServerCallSlots.allocate()
    private let queue: CompletionQueue
    private let handlers: Handlers
    private(set) var context = CallContext(authorization: nil, peer: "")

    private struct SendState {
        var inFlight: UnsafeMutablePointer<grpc_byte_buffer>? = nil
        var waiting: [UnsafeMutablePointer<grpc_byte_buffer>] = []
        var initialMetadataSent = false
        var finish: (StatusCode, String)? = nil
        var finished = false
        var closed = false
    }
    private let sendState = Locked(SendState())

    init(queue: CompletionQueue, handlers: Handlers) {
        self.queue = queue
        self.handlers = handlers
    }

    deinit {
        sendState.withLock { state in
            if let buffer = state.inFlight { grpc_byte_buffer_destroy(buffer) }
            for buffer in state.waiting { grpc_byte_buffer_destroy(buffer) }
        }
        ServerCallSlots.free(slots)
    }

    /// Asks the core for the next call of `method` (a registered method).
    func request(server: OpaquePointer, method: UnsafeMutableRawPointer) -> Bool {
        let tag = Tag.make(self, Operation.request.rawValue)
        let requested = queue.whileOpen {
            grpc_server_request_registered_call(
                server, method, slots.pointer(to: \.call)!, slots.pointer(to: \.deadline)!, slots.pointer(to: \.metadata)!,
                nil, queue.pointer, queue.pointer, tag) == GRPC_CALL_OK
        }
        if !requested { Tag.drop(tag) }
        return requested
    }

    override func complete(operation: UInt8, success: Bool) {
        switch Operation(rawValue: operation)! {
        case .request:
            guard success, let call = slots.pointee.call else { return handlers.matched(self) }
            context = CallContext.read(call: call, metadata: slots.pointer(to: \.metadata)!)
            var closeOp = grpc_op()
            seedrl_op_recv_close_on_server(&closeOp, slots.pointer(to: \.cancelled)!)
            start([closeOp], .closed)
            handlers.matched(self)
        case .send:
            sent(success: success)
        case .receive:
            let buffer = slots.pointee.received
            slots.pointee.received = nil
            guard success, !isOver else {
                if let buffer { grpc_byte_buffer_destroy(buffer) }
                return
            }
            guard let buffer else { return handlers.received(self, nil) }
            defer { grpc_byte_buffer_destroy(buffer) }
            let length = seedrl_byte_buffer_length(buffer)
            var bytes = [UInt8](repeating: 0, count: length)
            let copied = bytes.withUnsafeMutableBufferPointer { seedrl_byte_buffer_copy(buffer, $0.baseAddress, length) }
            guard copied == length else { return finish(.internal, "the request could not be read") }
            bytes.withUnsafeBytes { handlers.received(self, $0) }
        case .closed:
            sendState.withLock { $0.closed = true }
            handlers.closed(self)
        case .status:
            break
        }
    }

    /// Whether the call was matched (false when the server shut down before a call came).
    var isMatched: Bool { slots.pointee.call != nil }

    private var isOver: Bool { sendState.withLock { $0.finished || $0.closed } }

    /// Queues `buffer` (owned from now on) to go out after those queued before it.
    func send(_ buffer: UnsafeMutablePointer<grpc_byte_buffer>) {
        sendState.withLock { state in
            guard !state.finished, !state.closed, state.finish == nil else { return grpc_byte_buffer_destroy(buffer) }
            if state.inFlight == nil { startSend(buffer, &state) } else { state.waiting.append(buffer) }
        }
    }

    /// Asks for the next message (one receive at a time).
    func receive() {
        guard !isOver else { return }
        var op = grpc_op()
        seedrl_op_recv_message(&op, slots.pointer(to: \.received)!)
        start([op], .receive)
    }

    /// Ends the call with `code` once every queued message has gone. Idempotent; any thread.
    func finish(_ code: StatusCode, _ message: String) {
        sendState.withLock { state in
            guard !state.finished, state.finish == nil else { return }
            state.finish = (code, message)
            if state.inFlight == nil { sendStatus(&state) }
        }
    }

    private func sent(success: Bool) {
        let drained: Bool = sendState.withLock { state in
            if let buffer = state.inFlight { grpc_byte_buffer_destroy(buffer) }
            state.inFlight = nil
            if !success { state.finished = true }  // the call is gone; the close event follows
            guard !state.finished else { return false }
            if !state.waiting.isEmpty {
                startSend(state.waiting.removeFirst(), &state)
                return false
            }
            if state.finish != nil {
                sendStatus(&state)
                return false
            }
            return true
        }
        if drained { handlers.drained(self) }
    }

    /// `last` as a batch's op, after the initial metadata if it has not gone yet.
    private func withInitialMetadata(_ state: inout SendState, _ last: (UnsafeMutablePointer<grpc_op>) -> Void) -> [grpc_op] {
        var ops = [grpc_op()]
        if !state.initialMetadataSent {
            state.initialMetadataSent = true
            seedrl_op_send_initial_metadata(&ops[0], nil, 0)
            ops.append(grpc_op())
        }
        ops.withUnsafeMutableBufferPointer { last($0.baseAddress! + $0.count - 1) }
        return ops
    }

    private func startSend(_ buffer: UnsafeMutablePointer<grpc_byte_buffer>, _ state: inout SendState) {
        state.inFlight = buffer
        let ops = withInitialMetadata(&state) { seedrl_op_send_message($0, buffer) }
        if !start(ops, .send) {
            state.inFlight = nil
            state.finished = true
            grpc_byte_buffer_destroy(buffer)
        }
    }

    private func sendStatus(_ state: inout SendState) {
        guard let (code, message) = state.finish, let call = slots.pointee.call else { return }
        state.finished = true
        slots.pointee.statusDetails = grpc_slice_from_copied_string(message)
        let details = slots.pointer(to: \.statusDetails)!
        let ops = withInitialMetadata(&state) { seedrl_op_send_status_from_server($0, grpc_status_code(code.rawValue), details) }
        if !start(ops, .status) {
            grpc_call_cancel_with_status(call, grpc_status_code(code.rawValue), message, nil)
        }
    }

    @discardableResult
    private func start(_ ops: [grpc_op], _ operation: Operation) -> Bool {
        var ops = ops
        let tag = Tag.make(self, operation.rawValue)
        let started = queue.whileOpen { grpc_call_start_batch(slots.pointee.call, &ops, ops.count, tag, nil) == GRPC_CALL_OK }
        if !started { Tag.drop(tag) }
        return started
    }
}
