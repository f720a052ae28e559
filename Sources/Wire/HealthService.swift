internal import CGRPC
internal import CSeedProto
import Threading

/// What `grpc.health.v1.Health` reports for this server.
public enum HealthStatus: Sendable, Equatable {
    /// Accepting streams.
    case serving
    /// Stopping: draining its streams, about to close the port.
    case notServing
}

/// `grpc.health.v1.Health` on the learner's port, as Kubernetes' gRPC probes, Envoy and
/// load balancers ask it: answered without the token and revealing nothing but the status.
///
/// The request (a service name) is never read: any peer may call this, and reading would
/// let one make the server buffer a message as large as the receive limit. Every name,
/// "" (the server, what probes send by default) included, gets the server's status.
/// Watch sends the status at once and again when it changes, and ends when the server
/// stops; at most `maxWatchers` are open at once, and at most `maxWatchersPerHost` from
/// one peer host (`PeerHost`: an IPv6 /64 counts as one), so that one unauthenticated
/// machine cannot take every slot from the probes; the rest get RESOURCE_EXHAUSTED.
final class HealthService: @unchecked Sendable {
    static let checkMethod = "/grpc.health.v1.Health/Check"
    static let watchMethod = "/grpc.health.v1.Health/Watch"
    static let maxWatchers = 64
    static let maxWatchersPerHost = 8

    private struct Watchers {
        var open: [ObjectIdentifier: (call: MessageCall, sent: HealthStatus, host: String)] = [:]
        var closed = false
    }
    private let watchers = Locked(Watchers())
    private let status: () -> HealthStatus

    init(status: @escaping () -> HealthStatus) {
        self.status = status
    }

    /// The encoded HealthCheckResponse for the status now.
    func checkResponse() -> UnsafeMutablePointer<grpc_byte_buffer> { Self.encode(status()) }

    /// Handlers of one Watch call.
    func watchHandlers(rearm: @escaping () -> Void) -> MessageCall.Handlers {
        MessageCall.Handlers(
            matched: { [weak self] call in
                rearm()
                guard call.isMatched, let self else { return }
                // Read, registered and sent under the lock `statusChanged` takes: a change
                // racing this admission is sent after this status, never before it.
                let host = PeerHost.of(peer: call.context.peer)
                self.watchers.withLock { watchers in
                    if watchers.closed { return call.finish(.unavailable, "server shutting down") }
                    guard watchers.open.count < Self.maxWatchers else { return call.finish(.resourceExhausted, "too many health watchers") }
                    guard watchers.open.values.count(where: { $0.host == host }) < Self.maxWatchersPerHost else {
                        return call.finish(.resourceExhausted, "too many health watchers from this host (\(Self.maxWatchersPerHost))")
                    }
                    let now = self.status()
                    watchers.open[ObjectIdentifier(call)] = (call, now, host)
                    call.send(Self.encode(now))
                }
            },
            closed: { [weak self] call in
                _ = self?.watchers.withLock { $0.open.removeValue(forKey: ObjectIdentifier(call)) }
            })
    }

    /// Sends the status to every watcher that has not seen it yet.
    func statusChanged() {
        let now = status()
        watchers.withLock { watchers in
            for (key, watcher) in watchers.open where watcher.sent != now {
                watchers.open[key]?.sent = now
                watcher.call.send(Self.encode(now))
            }
        }
    }

    /// Ends every Watch with `code` (after what they were sent) and admits no more.
    func finishAll(_ code: StatusCode, _ message: String) {
        let open = watchers.withLock { watchers in
            watchers.closed = true
            return watchers.open.values.map(\.call)
        }
        for call in open { call.finish(code, message) }
    }

    private static func encode(_ status: HealthStatus) -> UnsafeMutablePointer<grpc_byte_buffer> {
        var response = Grpc__Health__V1__HealthCheckResponse()
        grpc__health__v1__health_check_response__init(&response)
        response.status = status == .serving
            ? GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__SERVING
            : GRPC__HEALTH__V1__HEALTH_CHECK_RESPONSE__SERVING_STATUS__NOT_SERVING
        return Codec.pack(size: grpc__health__v1__health_check_response__get_packed_size(&response)) {
            grpc__health__v1__health_check_response__pack(&response, $0)
        }
    }
}
