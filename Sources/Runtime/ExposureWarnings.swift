import Wire

/// What a server is exposed to beyond this machine without the protection it needs: one
/// warning a person can act on per gap, empty when every listener is loopback or protected.
public enum ExposureWarnings {
    public static func isLoopback(_ host: String) -> Bool {
        ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host) || host.hasPrefix("127.")
    }

    /// - Parameters:
    ///   - host: where the Learner service listens.
    ///   - metricsHost: where /metrics listens, if it is served.
    public static func of(host: String, security: ServerSecurity, token: String?, metricsHost: String?) -> [String] {
        var warnings: [String] = []
        if !isLoopback(host) {
            switch security {
            case .insecure where token == nil:
                warnings.append("listening beyond loopback without TLS or a token: anyone who can reach \(host) can act and read "
                    + "the model's actions; use --tls-cert/--tls-key and --token-file")
            case .insecure:
                warnings.append("a token is required but travels in plaintext beyond loopback: anyone on the path can read and "
                    + "reuse it; add --tls-cert/--tls-key")
            case .tls(_, _, nil) where token == nil:
                warnings.append("TLS without client certificates or a token authenticates no one: anyone who can reach \(host) "
                    + "can act and read the model's actions; add --tls-client-ca or --token-file")
            case .tls:
                break
            }
        }
        if let metricsHost, !isLoopback(metricsHost) {
            warnings.append("/metrics is plain HTTP without authentication on \(metricsHost): anyone who can reach it reads the "
                + "run's counters; keep --metrics-address on loopback or a private network")
        }
        return warnings
    }
}
