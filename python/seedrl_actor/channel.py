"""Channels to a learner: plaintext, TLS or mutual TLS, and the bearer token."""
import grpc


def connect(server, tls_ca=None, tls_cert=None, tls_key=None, tls_server_name=None):
    """A channel to `server` (HOST:PORT or unix:PATH); TLS when `tls_ca` (a PEM path) is
    given, mutual TLS with a client certificate and key."""
    if (tls_cert is None) != (tls_key is None):
        raise ValueError("tls_cert and tls_key go together")
    if not tls_ca:
        if tls_cert:
            raise ValueError("a client certificate needs tls_ca")
        return grpc.insecure_channel(server)

    def read(path):
        with open(path, "rb") as f:
            return f.read()

    credentials = grpc.ssl_channel_credentials(
        root_certificates=read(tls_ca), private_key=read(tls_key) if tls_key else None,
        certificate_chain=read(tls_cert) if tls_cert else None)
    options = [("grpc.ssl_target_name_override", tls_server_name)] if tls_server_name else []
    return grpc.secure_channel(server, credentials, options=options)


def token_metadata(token):
    """The call metadata that carries `token` (none without one)."""
    return [("authorization", f"Bearer {token}")] if token else []
