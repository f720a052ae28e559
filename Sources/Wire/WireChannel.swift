internal import CGRPC

/// A client channel to a Learner (one HTTP/2 connection, on which any number of
/// streams are multiplexed), plus its unary calls.
///
/// Thread-safe: the C channel is; unary calls block the calling thread only.
public final class WireChannel: @unchecked Sendable {
    let pointer: OpaquePointer
    /// Sent as `authorization: Bearer <token>` on every call when set.
    let token: String?
    public let target: String

    /// - Parameters:
    ///   - target: `host:port` or `unix:/path`.
    ///   - separateConnection: channels with the same target share one TCP connection
    ///     unless this is true (gives the channel its own subchannel pool).
    ///   - keepaliveMilliseconds: when set, the channel pings the server this often and
    ///     declares the connection dead after as long without an answer (a cut network
    ///     link is otherwise noticed only when TCP gives up, many minutes later).
    ///   - security: plain TCP (default) or TLS.
    public init(target: String, token: String? = nil, separateConnection: Bool = false, keepaliveMilliseconds: Int? = nil,
                security: ChannelSecurity = .insecure) {
        GRPCLibrary.retain()
        self.target = target
        self.token = token
        let arguments = ChannelArguments()
        if separateConnection { arguments.set(integer: "grpc.use_local_subchannel_pool", 1) }
        // Actors reconnect themselves; the core's own backoff should not leave them idle long.
        arguments.set(integer: "grpc.initial_reconnect_backoff_ms", 100)
        arguments.set(integer: "grpc.min_reconnect_backoff_ms", 100)
        arguments.set(integer: "grpc.max_reconnect_backoff_ms", 2000)
        if let keepalive = keepaliveMilliseconds {
            arguments.set(integer: "grpc.keepalive_time_ms", keepalive)
            arguments.set(integer: "grpc.keepalive_timeout_ms", keepalive)
            arguments.set(integer: "grpc.keepalive_permit_without_calls", 1)
            arguments.set(integer: "grpc.http2.max_pings_without_data", 0)
        }
        let credentials = security.makeCredentials()
        defer { grpc_channel_credentials_release(credentials) }
        pointer = arguments.withArgs { grpc_channel_create(target, credentials, $0) }
    }

    deinit {
        grpc_channel_destroy(pointer)
        GRPCLibrary.release()
    }

    public func getSpec(timeoutMilliseconds: Int = 10_000) throws(RPCError) -> SpecMessage {
        let bytes = try unary(method: "/seedrl.v1.Learner/GetSpec", timeoutMilliseconds: timeoutMilliseconds)
        guard let spec = bytes.withUnsafeBytes({ Codec.decodeSpec($0) }) else {
            throw RPCError(.internal, "GetSpec reply could not be decoded as seedrl.v1.Spec")
        }
        return spec
    }

    public func getStats(timeoutMilliseconds: Int = 10_000) throws(RPCError) -> StatsMessage {
        let bytes = try unary(method: "/seedrl.v1.Learner/GetStats", timeoutMilliseconds: timeoutMilliseconds)
        guard let stats = bytes.withUnsafeBytes({ Codec.decodeStats($0) }) else {
            throw RPCError(.internal, "GetStats reply could not be decoded as seedrl.v1.Stats")
        }
        return stats
    }

    /// Calls a unary method with an empty request and returns the reply's bytes.
    /// `method` is public for tests of unknown methods.
    public func unary(method: String, timeoutMilliseconds: Int) throws(RPCError) -> [UInt8] {
        let queue = grpc_completion_queue_create_for_pluck(nil)!
        defer {
            grpc_completion_queue_shutdown(queue)
            while grpc_completion_queue_pluck(queue, nil, seedrl_inf_future(), nil).type != GRPC_QUEUE_SHUTDOWN {}
            grpc_completion_queue_destroy(queue)
        }
        let methodSlice = grpc_slice_from_copied_string(method)
        defer { grpc_slice_unref(methodSlice) }
        let deadline = seedrl_deadline_after_ms(Int64(timeoutMilliseconds))
        guard let call = grpc_channel_create_call(pointer, nil, seedrl_propagate_defaults(), queue, methodSlice, nil, deadline, nil) else {
            throw RPCError(.internal, "could not create a call to \(method)")
        }
        defer { grpc_call_unref(call) }

        let metadata = OutgoingMetadata(token: token)
        let request = Codec.encodeEmpty()
        defer { grpc_byte_buffer_destroy(request) }
        var initial = grpc_metadata_array()
        var trailing = grpc_metadata_array()
        grpc_metadata_array_init(&initial)
        grpc_metadata_array_init(&trailing)
        defer {
            grpc_metadata_array_destroy(&initial)
            grpc_metadata_array_destroy(&trailing)
        }
        var reply: UnsafeMutablePointer<grpc_byte_buffer>? = nil
        var status = GRPC_STATUS_OK
        var details = grpc_empty_slice()
        defer { grpc_slice_unref(details) }

        var ops = [grpc_op](repeating: grpc_op(), count: 6)
        metadata.withMetadata { seedrl_op_send_initial_metadata(&ops[0], $0, $1) }
        seedrl_op_send_message(&ops[1], request)
        seedrl_op_send_close_from_client(&ops[2])
        seedrl_op_recv_initial_metadata(&ops[3], &initial)
        seedrl_op_recv_message(&ops[4], &reply)
        seedrl_op_recv_status_on_client(&ops[5], &trailing, &status, &details)
        let tag = UnsafeMutableRawPointer(bitPattern: 1)!
        let started = grpc_call_start_batch(call, &ops, ops.count, tag, nil)
        guard started == GRPC_CALL_OK else {
            throw RPCError(.internal, "grpc_call_start_batch refused \(method): \(String(cString: grpc_call_error_to_string(started)))")
        }
        _ = grpc_completion_queue_pluck(queue, tag, seedrl_inf_future(), nil)
        defer { if let reply { grpc_byte_buffer_destroy(reply) } }
        if status != GRPC_STATUS_OK {
            throw RPCError(StatusCode(rawValue: Int32(status.rawValue)), String(slice: &details))
        }
        guard let reply else { throw RPCError(.internal, "\(method) returned OK without a message") }
        return Codec.withContiguousBytes(reply, scratch: nil) { Array($0) } ?? []
    }
}

/// The initial metadata a client sends (the bearer token), kept alive while a batch
/// that refers to it may still read it.
final class OutgoingMetadata {
    private let entries: UnsafeMutablePointer<grpc_metadata>
    private let count: Int

    init(token: String?) {
        count = token == nil ? 0 : 1
        entries = .allocate(capacity: max(count, 1))
        if let token {
            seedrl_metadata_set(entries, grpc_slice_from_copied_string("authorization"),
                                grpc_slice_from_copied_string("Bearer \(token)"))
        }
    }

    deinit {
        for index in 0..<count {
            grpc_slice_unref(entries[index].key)
            grpc_slice_unref(entries[index].value)
        }
        entries.deallocate()
    }

    func withMetadata<T>(_ body: (UnsafeMutablePointer<grpc_metadata>?, Int) -> T) -> T {
        body(count == 0 ? nil : entries, count)
    }
}

extension String {
    /// Copies a slice's bytes; `slice` must point at the slice itself (not a copy whose
    /// inline bytes could move).
    init(slice: UnsafePointer<grpc_slice>) {
        self = String(decoding: UnsafeRawBufferPointer(start: seedrl_slice_start(slice), count: seedrl_slice_length(slice)), as: UTF8.self)
    }
}
