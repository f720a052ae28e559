internal import CGRPC

/// How a server authenticates itself (and optionally its clients).
public enum ServerSecurity: Sendable {
    case insecure
    /// TLS with this certificate chain and key (PEM). With `clientCA`, clients must
    /// present a certificate signed by it (mutual TLS).
    case tls(certificateChain: String, privateKey: String, clientCA: String?)

    func makeCredentials() -> OpaquePointer {
        switch self {
        case .insecure:
            return grpc_insecure_server_credentials_create()
        case .tls(let chain, let key, let clientCA):
            return chain.withCString { chain in
                key.withCString { key in
                    var pair = grpc_ssl_pem_key_cert_pair(private_key: key, cert_chain: chain)
                    let request = clientCA == nil
                        ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
                        : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                    return withOptionalCString(clientCA) {
                        grpc_ssl_server_credentials_create_ex($0, &pair, 1, request, nil)
                    }
                }
            }
        }
    }
}

/// How a client channel secures its connection.
public enum ChannelSecurity: Sendable {
    case insecure
    /// TLS, trusting `rootCA` (PEM; nil: the system's roots); with a certificate and key
    /// (PEM) the client authenticates itself too (mutual TLS).
    case tls(rootCA: String?, certificateChain: String?, privateKey: String?)

    func makeCredentials() -> OpaquePointer {
        switch self {
        case .insecure:
            return grpc_insecure_credentials_create()
        case .tls(let rootCA, let chain, let key):
            return withOptionalCString(rootCA) { roots in
                guard let chain, let key else { return grpc_ssl_credentials_create(roots, nil, nil, nil) }
                return chain.withCString { chain in
                    key.withCString { key in
                        var pair = grpc_ssl_pem_key_cert_pair(private_key: key, cert_chain: chain)
                        return grpc_ssl_credentials_create(roots, &pair, nil, nil)
                    }
                }
            }
        }
    }
}

private func withOptionalCString<T>(_ string: String?, _ body: (UnsafePointer<CChar>?) -> T) -> T {
    guard let string else { return body(nil) }
    return string.withCString { body($0) }
}
