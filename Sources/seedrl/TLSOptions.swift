import Files
import ArgumentParser
import Certificates
import LearnerLoop
import Model
import Wire

/// Server-side TLS flags.
struct ServerTLSOptions: ParsableArguments {
    @Option(help: "PEM certificate chain: serve over TLS (with --tls-key).")
    var tlsCert: String?

    @Option(help: "PEM private key of --tls-cert.")
    var tlsKey: String?

    @Option(help: "PEM CA: require client certificates signed by it (mutual TLS).")
    var tlsClientCa: String?

    func validate() throws {
        if (tlsCert == nil) != (tlsKey == nil) { throw ValidationError("--tls-cert and --tls-key go together") }
        if tlsClientCa != nil && tlsCert == nil { throw ValidationError("--tls-client-ca needs --tls-cert and --tls-key") }
    }

    func security() throws -> ServerSecurity {
        guard let tlsCert, let tlsKey else { return .insecure }
        let chain = try readPEM(tlsCert), key = try readPEM(tlsKey), clientCA = try tlsClientCa.map(readPEM)
        // Named by flag and file: the gRPC core would only fail to listen.
        try check { () throws(CertificateProblem) in
            try CertificateCheck.identity(chain: chain, key: key, chainName: "--tls-cert \(tlsCert)", keyName: "--tls-key \(tlsKey)")
            if let clientCA, let path = tlsClientCa { try CertificateCheck.authority(clientCA, name: "--tls-client-ca \(path)") }
        }
        return .tls(certificateChain: chain, privateKey: key, clientCA: clientCA)
    }
}

/// Client-side TLS flags (actor, bench).
struct ClientTLSOptions: ParsableArguments {
    @Option(help: "PEM CA to trust: connect over TLS.")
    var tlsCa: String?

    @Option(help: "PEM client certificate chain for mutual TLS (with --tls-key).")
    var tlsCert: String?

    @Option(help: "PEM private key of --tls-cert.")
    var tlsKey: String?

    func validate() throws {
        if (tlsCert == nil) != (tlsKey == nil) { throw ValidationError("--tls-cert and --tls-key go together") }
        if tlsCert != nil && tlsCa == nil { throw ValidationError("--tls-cert needs --tls-ca") }
    }

    func security() throws -> ChannelSecurity {
        guard let tlsCa else { return .insecure }
        let rootCA = try readPEM(tlsCa), chain = try tlsCert.map(readPEM), key = try tlsKey.map(readPEM)
        // Named by flag and file: the gRPC core would only fail every handshake.
        try check { () throws(CertificateProblem) in
            try CertificateCheck.authority(rootCA, name: "--tls-ca \(tlsCa)")
            if let chain, let key, let tlsCert, let tlsKey {
                try CertificateCheck.identity(chain: chain, key: key, chainName: "--tls-cert \(tlsCert)", keyName: "--tls-key \(tlsKey)")
            }
        }
        return .tls(rootCA: rootCA, certificateChain: chain, privateKey: key)
    }
}

/// A certificate problem as a usage error: the command stops before serving or connecting.
private func check(_ body: () throws(CertificateProblem) -> Void) throws {
    do { try body() } catch { throw ValidationError(error.description) }
}

func readPEM(_ path: String) throws -> String {
    do {
        return String(decoding: try AtomicFile.read(path), as: UTF8.self)
    } catch {
        throw ValidationError("\(error)")
    }
}
