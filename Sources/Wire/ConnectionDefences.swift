/// What one connection may cost the server before the gRPC core ends it: the defences
/// of the 1.51 core against hostile or broken clients, set as channel arguments.
/// Defaults keep every well-behaved actor legal (one connection per actor process, a
/// keepalive ping every 5 s, streams for as many environments as it runs).
public struct ConnectionDefences: Sendable, Equatable {
    /// Streams one connection may have open at once (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS).
    public var maxConcurrentStreams: Int = 1024
    /// Pings received less than a second apart (with no data between) before the core
    /// ends the connection with GOAWAY ENHANCE_YOUR_CALM.
    public var maxPingStrikes: Int = 2
    /// A connection with no call open for this long is closed (nil: never). It frees the
    /// descriptors of clients that connect and do nothing.
    public var maxConnectionIdleMilliseconds: Int? = 120_000
    /// A connection older than this is asked to reconnect with GOAWAY (nil: never); its
    /// calls then have `maxConnectionAgeGraceMilliseconds` to finish.
    public var maxConnectionAgeMilliseconds: Int?
    public var maxConnectionAgeGraceMilliseconds: Int = 30_000
    /// A connection must finish its TLS and HTTP/2 handshakes within this (1.51's default
    /// is 120 s, long enough for a slow-handshake flood to hold every descriptor).
    public var handshakeTimeoutMilliseconds: Int = 10_000

    public init() {}

    func apply(to arguments: ChannelArguments) {
        arguments.set(integer: "grpc.max_concurrent_streams", maxConcurrentStreams)
        arguments.set(integer: "grpc.http2.max_ping_strikes", maxPingStrikes)
        arguments.set(integer: "grpc.server_handshake_timeout_ms", handshakeTimeoutMilliseconds)
        if let idle = maxConnectionIdleMilliseconds { arguments.set(integer: "grpc.max_connection_idle_ms", idle) }
        if let age = maxConnectionAgeMilliseconds {
            arguments.set(integer: "grpc.max_connection_age_ms", age)
            arguments.set(integer: "grpc.max_connection_age_grace_ms", maxConnectionAgeGraceMilliseconds)
        }
    }
}
