import InferenceServer
import Logging

/// Warns when a server is reachable beyond this machine without the protection it needs.
enum ExposureWarning {
    static func log(host: String, configuration: LearnerServerConfiguration, logger: Logger) {
        let loopback = ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host)
        guard !loopback, case .insecure = configuration.security else { return }
        if configuration.token == nil {
            logger.warning("listening beyond loopback without TLS or a token: anyone who can reach \(host) can act and read the model's actions; use --tls-cert/--tls-key and --token-file")
        } else {
            logger.warning("a token is required but travels in plaintext beyond loopback: anyone on the path can read and reuse it; add --tls-cert/--tls-key")
        }
    }
}
