internal import CGRPC
import Synchronization
import Threading

/// The Learner service as the server's owner implements it. `openStream` and the unary
/// methods are called on poller threads: keep them short and non-blocking.
public protocol LearnerService: AnyObject, Sendable {
    /// A new Act or ActBatch stream: return its handler, or an error to end it at once with
    /// that status.
    func openStream(_ stream: ServerStream) -> Result<ServerStreamHandler, RPCError>
    func getSpec(context: CallContext) -> Result<SpecMessage, RPCError>
    func getStats(context: CallContext) -> Result<StatsMessage, RPCError>
    /// A call to a method this service does not have: the status to end it with (a caller
    /// without a valid token should learn nothing more than that).
    func unknownMethod(_ name: String, context: CallContext) -> RPCError
    /// What `grpc.health.v1.Health` reports now (asked on poller threads: keep it a load).
    var healthStatus: HealthStatus { get }
    /// Nil if the caller may use server reflection; otherwise the status to refuse it with.
    func authorizeReflection(context: CallContext) -> RPCError?
}

/// How a `WireServer` listens and polls.
public struct WireServerConfiguration: Sendable {
    /// `host:port` (port 0 picks a free one) or `unix:/path`.
    public var listenAddresses: [String]
    /// Larger messages are refused by the gRPC core with RESOURCE_EXHAUSTED.
    public var maxReceiveMessageBytes: Int
    /// Most lanes of an ActBatch message: its three repeated fields may come unpacked, one
    /// occurrence per lane each, and decoding needs room for every occurrence.
    public var maxLanes: Int = 256
    /// Completion queues, each with its own poller thread.
    public var pollerThreads: Int = 1
    /// Plain TCP or TLS (optionally mutual).
    public var security: ServerSecurity = .insecure
    /// Ping clients this often and drop those silent for as long; nil leaves it to TCP.
    public var keepaliveMilliseconds: Int?
    /// Act (and ActBatch) calls kept requested per queue, so bursts of new streams are accepted fast.
    public var pendingStreamRequests: Int = 8
    /// Defences of the 1.51 core against hostile connections (see RELIABILITY.md).
    public var defences = ConnectionDefences()

    public init(listenAddresses: [String], maxReceiveMessageBytes: Int) {
        self.listenAddresses = listenAddresses
        self.maxReceiveMessageBytes = maxReceiveMessageBytes
    }
}

/// A gRPC C core server for the `seedrl.v1.Learner` service.
///
/// Thread-safe: `start`, `shutdown` and the stream registry may be used from any thread.
public final class WireServer: @unchecked Sendable {
    // The C server is thread-safe; mutable Swift state lives behind `state`.
    let pointer: OpaquePointer
    /// Unowned: the service owns this server (a strong reference would make a cycle).
    unowned let service: LearnerService
    private let configuration: WireServerConfiguration
    private let queues: [CompletionQueue]
    private var actMethod: UnsafeMutableRawPointer!
    private var actBatchMethod: UnsafeMutableRawPointer!
    private var getSpecMethod: UnsafeMutableRawPointer!
    private var getStatsMethod: UnsafeMutableRawPointer!
    private var healthCheckMethod: UnsafeMutableRawPointer!
    private var healthWatchMethod: UnsafeMutableRawPointer!
    private var reflectionMethods: [UnsafeMutableRawPointer] = []
    private(set) var health: HealthService!
    private var reflection: ServerReflection!
    /// Ports bound, one per listen address (0 for unix sockets).
    public private(set) var boundPorts: [Int] = []

    private struct State {
        var streams: [ObjectIdentifier: ServerStream] = [:]
        var nextStreamID: UInt64 = 1
        var shuttingDown = false
    }
    private let state = Locked(State())
    /// Held for the whole of `shutdown`; true once it ran.
    private let shutdownDone = Locked(false)

    public init(configuration: WireServerConfiguration, service: LearnerService) throws(RPCError) {
        precondition(configuration.pollerThreads >= 1, "pollerThreads must be at least 1")
        do { try configuration.security.validate() } catch { throw RPCError(.invalidArgument, error.description) }
        GRPCLibrary.retain()
        self.configuration = configuration
        self.service = service
        let arguments = ChannelArguments()
        arguments.set(integer: "grpc.max_receive_message_length", configuration.maxReceiveMessageBytes)
        // The core sets SO_REUSEPORT by default: a second server on the same port would
        // start without complaint and the kernel would split the actors between the two.
        arguments.set(integer: "grpc.so_reuseport", 0)
        // Actors send keepalive pings (every 5 s) to notice a dead link: accept one a second,
        // and end a connection that pings faster a few times (a flood) with GOAWAY.
        arguments.set(integer: "grpc.http2.min_ping_interval_without_data_ms", 1000)
        arguments.set(integer: "grpc.keepalive_permit_without_calls", 1)
        configuration.defences.apply(to: arguments)
        if let keepalive = configuration.keepaliveMilliseconds {
            // The server's own pings find clients whose link died, so their streams are freed.
            arguments.set(integer: "grpc.keepalive_time_ms", keepalive)
            arguments.set(integer: "grpc.keepalive_timeout_ms", keepalive)
            arguments.set(integer: "grpc.http2.max_pings_without_data", 0)
        }
        pointer = arguments.withArgs { grpc_server_create($0, nil) }
        queues = (0..<configuration.pollerThreads).map {
            CompletionQueue(name: "seedrl-cq\($0)", receiveMessageBytes: configuration.maxReceiveMessageBytes,
                            fieldOccurrences: 3 * configuration.maxLanes + 16)
        }
        for queue in queues { grpc_server_register_completion_queue(pointer, queue.pointer, nil) }
        actMethod = grpc_server_register_method(pointer, "/seedrl.v1.Learner/Act", nil, GRPC_SRM_PAYLOAD_NONE, 0)
        actBatchMethod = grpc_server_register_method(pointer, "/seedrl.v1.Learner/ActBatch", nil, GRPC_SRM_PAYLOAD_NONE, 0)
        getSpecMethod = grpc_server_register_method(
            pointer, "/seedrl.v1.Learner/GetSpec", nil, GRPC_SRM_PAYLOAD_NONE, 0)
        getStatsMethod = grpc_server_register_method(
            pointer, "/seedrl.v1.Learner/GetStats", nil, GRPC_SRM_PAYLOAD_NONE, 0)
        // Health and reflection: requests are read by the call itself, if at all.
        healthCheckMethod = grpc_server_register_method(pointer, HealthService.checkMethod, nil, GRPC_SRM_PAYLOAD_NONE, 0)
        healthWatchMethod = grpc_server_register_method(pointer, HealthService.watchMethod, nil, GRPC_SRM_PAYLOAD_NONE, 0)
        reflectionMethods = ServerReflection.methods.map {
            grpc_server_register_method(pointer, $0, nil, GRPC_SRM_PAYLOAD_NONE, 0)
        }
        health = HealthService { [unowned service] in service.healthStatus }
        reflection = ServerReflection { [unowned service] in service.authorizeReflection(context: $0) }
        let credentials = configuration.security.makeCredentials()
        defer { grpc_server_credentials_release(credentials) }
        for address in configuration.listenAddresses {
            let port = grpc_server_add_http2_port(pointer, address, credentials)
            if port == 0 {
                grpc_server_destroy(pointer)
                GRPCLibrary.release()
                throw RPCError(.unavailable, "cannot listen on \(address): \(ListenFailure.explain(address))")
            }
            boundPorts.append(address.hasPrefix("unix:") ? 0 : Int(port))
        }
    }

    /// Starts serving: pollers run, calls are accepted.
    public func start() {
        grpc_server_start(pointer)
        for queue in queues {
            queue.start()
            for _ in 0..<configuration.pendingStreamRequests {
                rearmStreamRequest(.act, on: queue)
                rearmStreamRequest(.actBatch, on: queue)
            }
            rearmUnary(.getSpec, on: queue)
            rearmUnary(.getStats, on: queue)
            rearmUnary(.healthCheck, on: queue)
            rearmUnary(.unknown, on: queue)
            rearmHealthWatch(on: queue)
            for method in reflectionMethods { rearmReflection(method, on: queue) }
        }
    }

    /// Tells health watchers the service's status changed (e.g. to NOT_SERVING at a stop).
    public func healthStatusChanged() { health.statusChanged() }

    /// Stops accepting, ends every open stream with `code`/`message`, waits up to
    /// `graceMilliseconds` for calls to finish, cancels the rest, and frees the server.
    /// Idempotent and safe from any thread: a second call returns once the first has
    /// finished (the server is gone either way).
    public func shutdown(endingStreamsWith code: StatusCode = .unavailable,
                         message: String = "server shutting down",
                         graceMilliseconds: Int = 2000) {
        shutdownDone.withLock { done in
            guard !done else { return }
            done = true
            let open = state.withLock { state -> [ServerStream] in
                state.shuttingDown = true
                return Array(state.streams.values)
            }
            let waiter = ShutdownWaiter()
            grpc_server_shutdown_and_notify(pointer, queues[0].pointer, Tag.make(waiter, 0))
            for stream in open { stream.finish(code, message) }
            health.finishAll(code, message)
            reflection.finishAll(code, message)
            if !waiter.wait(milliseconds: graceMilliseconds) {
                grpc_server_cancel_all_calls(pointer)
                _ = waiter.wait(milliseconds: -1)
            }
            grpc_server_destroy(pointer)
            // Closes each queue to new batches first: a reply the inference thread starts
            // now on a stream of this server is refused instead of reaching a shut queue.
            for queue in queues { queue.shutdownAndJoin() }
            GRPCLibrary.release()
        }
    }

    /// Whether `shutdown` has begun (nothing is accepted any more).
    public var isShutDown: Bool { shutdownDone.withLock { $0 } }

    // MARK: Called by calls on poller threads

    // A call is requested under the state lock, so it is either requested before shutdown
    // begins or not at all: never on a server being destroyed.
    func rearmStreamRequest(_ method: StreamMethod, on queue: CompletionQueue) {
        state.withLock { state in
            guard !state.shuttingDown else { return }
            let stream = ServerStream(server: self, queue: queue, method: method)
            _ = stream.request(method: method == .act ? actMethod : actBatchMethod)
        }
    }

    func rearmUnary(_ method: UnaryServerCall.Method, on queue: CompletionQueue) {
        state.withLock { state in
            guard !state.shuttingDown else { return }
            let call = UnaryServerCall(server: self, queue: queue, method: method)
            switch method {
            case .getSpec: _ = call.request(registered: getSpecMethod)
            case .getStats: _ = call.request(registered: getStatsMethod)
            case .healthCheck: _ = call.request(registered: healthCheckMethod)
            case .unknown: _ = call.request(registered: nil)
            }
        }
    }

    func rearmHealthWatch(on queue: CompletionQueue) {
        state.withLock { state in
            guard !state.shuttingDown else { return }
            let call = MessageCall(queue: queue, handlers: health.watchHandlers { [unowned self] in
                self.rearmHealthWatch(on: queue)
            })
            _ = call.request(server: pointer, method: healthWatchMethod)
        }
    }

    func rearmReflection(_ method: UnsafeMutableRawPointer, on queue: CompletionQueue) {
        state.withLock { state in
            guard !state.shuttingDown else { return }
            let call = MessageCall(queue: queue, handlers: reflection.handlers { [unowned self] in
                self.rearmReflection(method, on: queue)
            })
            _ = call.request(server: pointer, method: method)
        }
    }

    func admit(_ stream: ServerStream) -> Result<(UInt64, ServerStreamHandler), RPCError> {
        let id: UInt64? = state.withLock { state in
            if state.shuttingDown { return nil }
            let id = state.nextStreamID
            state.nextStreamID += 1
            state.streams[ObjectIdentifier(stream)] = stream
            return id
        }
        guard let id else { return .failure(RPCError(.unavailable, "server shutting down")) }
        stream.id = id
        switch service.openStream(stream) {
        case .success(let handler): return .success((id, handler))
        case .failure(let error):
            _ = state.withLock { $0.streams.removeValue(forKey: ObjectIdentifier(stream)) }
            return .failure(error)
        }
    }

    func forget(_ stream: ServerStream, wasAdmitted: Bool) {
        guard wasAdmitted else { return }
        _ = state.withLock { $0.streams.removeValue(forKey: ObjectIdentifier(stream)) }
    }
}

/// Receives the server's shutdown notification and lets one thread wait for it.
private final class ShutdownWaiter: CompletionTarget, @unchecked Sendable {
    // `done` is only touched under `lock`.
    private let lock = ConditionLock()
    private var done = false

    override func complete(operation: UInt8, success: Bool) {
        lock.withLock {
            done = true
            lock.broadcast()
        }
    }

    /// Waits for the notification; a negative timeout waits forever.
    func wait(milliseconds: Int) -> Bool {
        let deadline = MonotonicClock.now() + UInt64(max(milliseconds, 0)) * 1_000_000
        return lock.withLock {
            while !done {
                if milliseconds < 0 {
                    lock.wait()
                } else if !lock.wait(until: deadline) && !done {
                    return false
                }
            }
            return true
        }
    }
}
