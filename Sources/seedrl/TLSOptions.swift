import ArgumentParser
import LearnerLoop
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
        return .tls(certificateChain: try readPEM(tlsCert), privateKey: try readPEM(tlsKey),
                    clientCA: try tlsClientCa.map(readPEM))
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
        return .tls(rootCA: try readPEM(tlsCa), certificateChain: try tlsCert.map(readPEM), privateKey: try tlsKey.map(readPEM))
    }
}

func readPEM(_ path: String) throws -> String {
    do {
        return String(decoding: try AtomicFile.read(path), as: UTF8.self)
    } catch {
        throw ValidationError("\(error)")
    }
}
