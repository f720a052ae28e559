internal import CGRPC
import Certificates

/// How a server authenticates itself (and optionally its clients).
public enum ServerSecurity: Sendable {
    case insecure
    /// TLS with this certificate chain and key (PEM). With `clientCA`, clients must
    /// present a certificate signed by it (mutual TLS).
    case tls(certificateChain: String, privateKey: String, clientCA: String?)

    /// Reads the certificate, key and client CA as the core would and says what is wrong
    /// with them (the core itself only fails to listen).
    public func validate() throws(CertificateProblem) {
        guard case .tls(let chain, let key, let clientCA) = self else { return }
        try CertificateCheck.identity(chain: chain, key: key, chainName: "the server certificate", keyName: "the server key")
        if let clientCA { try CertificateCheck.authority(clientCA, name: "the client CA") }
    }

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

    /// Reads the CA and the client's certificate and key as the core would and says what
    /// is wrong with them (the core itself only fails every handshake).
    public func validate() throws(CertificateProblem) {
        guard case .tls(let rootCA, let chain, let key) = self else { return }
        if let rootCA { try CertificateCheck.authority(rootCA, name: "the CA") }
        if let chain, let key {
            try CertificateCheck.identity(chain: chain, key: key, chainName: "the client certificate", keyName: "the client key")
        }
    }

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
