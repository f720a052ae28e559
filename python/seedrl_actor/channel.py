"""Channels to a learner: plaintext, TLS or mutual TLS, and the bearer token."""
import grpc

# The server accepts a ping without data at most once a second and ends a connection
# that pings faster (grpc.http2.min_ping_interval_without_data_ms 1000, two strikes) with
# GOAWAY; twice that leaves room for timer slack.
MIN_KEEPALIVE_SECONDS = 2.0


def channel_options(keepalive_seconds=5.0):
    """The channel arguments of `seedrl actor` (Sources/Wire/WireChannel.swift).

    The actor reconnects itself (reconnect.py), so the core's own reconnect backoff stays
    short (0.1 s to 2 s, not its default of up to 2 minutes, which would leave a stream
    failing fast long after the learner is back). A keepalive ping every
    `keepalive_seconds`, with as long to answer, finds a dead link or a vanished host
    (otherwise noticed only when TCP gives up, many minutes later); pings go without
    calls and without data too, as the server permits (keepalive_permit_without_calls 1);
    `keepalive_seconds` is 0 (no pings) or at least MIN_KEEPALIVE_SECONDS."""
    if keepalive_seconds and keepalive_seconds < MIN_KEEPALIVE_SECONDS:
        raise ValueError(f"keepalive_seconds {keepalive_seconds}: 0 (off) or at least {MIN_KEEPALIVE_SECONDS} "
                         "(the server refuses pings less than 1 s apart)")
    options = [("grpc.initial_reconnect_backoff_ms", 100), ("grpc.min_reconnect_backoff_ms", 100),
               ("grpc.max_reconnect_backoff_ms", 2000)]
    if keepalive_seconds:
        milliseconds = int(keepalive_seconds * 1000)
        # Newer cores wait for a ping's answer grpc.http2.ping_timeout_ms (a minute by
        # default), whatever keepalive_timeout_ms says: both are set.
        options += [("grpc.keepalive_time_ms", milliseconds), ("grpc.keepalive_timeout_ms", milliseconds),
                    ("grpc.http2.ping_timeout_ms", milliseconds), ("grpc.keepalive_permit_without_calls", 1),
                    ("grpc.http2.max_pings_without_data", 0)]
    return options


def connect(server, tls_ca=None, tls_cert=None, tls_key=None, tls_server_name=None, keepalive_seconds=5.0):
    """A channel to `server` (HOST:PORT or unix:PATH); TLS when `tls_ca` (a PEM path) is
    given, mutual TLS with a client certificate and key; with `channel_options`."""
    if (tls_cert is None) != (tls_key is None):
        raise ValueError("tls_cert and tls_key go together")
    options = channel_options(keepalive_seconds)
    if not tls_ca:
        if tls_cert:
            raise ValueError("a client certificate needs tls_ca")
        return grpc.insecure_channel(server, options=options)

    def read(path):
        with open(path, "rb") as f:
            return f.read()

    credentials = grpc.ssl_channel_credentials(
        root_certificates=read(tls_ca), private_key=read(tls_key) if tls_key else None,
        certificate_chain=read(tls_cert) if tls_cert else None)
    if tls_server_name:
        options.append(("grpc.ssl_target_name_override", tls_server_name))
    return grpc.secure_channel(server, credentials, options=options)


def token_metadata(token):
    """The call metadata that carries `token` (none without one)."""
    return [("authorization", f"Bearer {token}")] if token else []
