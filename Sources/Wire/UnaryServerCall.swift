internal import CGRPC

/// One unary call (GetSpec, GetStats, health Check) or a call to a method this server does not have:
/// the reply, status and close go out in one batch as soon as the call is matched.
///
/// The request payload is never read: GetSpec's and GetStats' are empty messages, health
/// Check's service name is not needed (see `HealthService`), and reading
/// would let any peer, token or not, make the server buffer a message of any size (the
/// 1.51 core checks the receive limit only after assembling it). Unread, a request holds
/// at most the stream's flow-control window and is dropped with the call.
final class UnaryServerCall: CompletionTarget, @unchecked Sendable {
    // Confined to its completion queue's poller thread, like every tag's object.
    enum Method { case getSpec, getStats, healthCheck, unknown }
    enum Operation: UInt8 { case request = 0, done = 1 }

    private let slots = ServerCallSlots.allocate()
    private unowned let server: WireServer
    private let queue: CompletionQueue
    private let method: Method
    private var reply: UnsafeMutablePointer<grpc_byte_buffer>? = nil

    init(server: WireServer, queue: CompletionQueue, method: Method) {
        self.server = server
        self.queue = queue
        self.method = method
    }

    deinit {
        if let reply { grpc_byte_buffer_destroy(reply) }
        ServerCallSlots.free(slots)
    }

    func request(registered: UnsafeMutableRawPointer?) -> Bool {
        let tag = Tag.make(self, Operation.request.rawValue)
        let requested = queue.whileOpen {
            if let registered {
                return grpc_server_request_registered_call(
                    server.pointer, registered, slots.pointer(to: \.call)!, slots.pointer(to: \.deadline)!,
                    slots.pointer(to: \.metadata)!, nil, queue.pointer, queue.pointer, tag) == GRPC_CALL_OK
            }
            return grpc_server_request_call(
                server.pointer, slots.pointer(to: \.call)!, slots.pointer(to: \.details)!, slots.pointer(to: \.metadata)!,
                queue.pointer, queue.pointer, tag) == GRPC_CALL_OK
        }
        if !requested { Tag.drop(tag) }
        return requested
    }

    override func complete(operation: UInt8, success: Bool) {
        guard Operation(rawValue: operation) == .request else { return }  // .done: freed by deinit
        server.rearmUnary(method, on: queue)
        guard success, let call = slots.pointee.call else { return }
        let context = CallContext.read(call: call, metadata: slots.pointer(to: \.metadata)!)
        let outcome: Result<UnsafeMutablePointer<grpc_byte_buffer>, RPCError>
        switch method {
        case .getSpec: outcome = server.service.getSpec(context: context).map { Codec.encode($0) }
        case .getStats: outcome = server.service.getStats(context: context).map { Codec.encode($0) }
        case .healthCheck: outcome = .success(server.health.checkResponse())
        case .unknown:
            let name = String(slice: seedrl_call_details_method(slots.pointer(to: \.details)!))
            outcome = .failure(server.service.unknownMethod(name, context: context))
        }
        var ops = [grpc_op](repeating: grpc_op(), count: 4)
        seedrl_op_send_initial_metadata(&ops[0], nil, 0)
        var count = 1
        let code: StatusCode
        switch outcome {
        case .success(let buffer):
            reply = buffer
            seedrl_op_send_message(&ops[count], buffer)
            count += 1
            code = .ok
            slots.pointee.statusDetails = grpc_empty_slice()
        case .failure(let error):
            code = error.code
            slots.pointee.statusDetails = grpc_slice_from_copied_string(error.message)
        }
        seedrl_op_send_status_from_server(&ops[count], grpc_status_code(code.rawValue), slots.pointer(to: \.statusDetails)!)
        seedrl_op_recv_close_on_server(&ops[count + 1], slots.pointer(to: \.cancelled)!)
        count += 2
        let tag = Tag.make(self, Operation.done.rawValue)
        if !queue.whileOpen({ grpc_call_start_batch(call, &ops, count, tag, nil) == GRPC_CALL_OK }) {
            Tag.drop(tag)
        }
    }
}
