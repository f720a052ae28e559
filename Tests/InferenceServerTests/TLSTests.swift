import Files
import Contract
#if canImport(Glibc)
import Glibc
#endif
import InferenceServer
import LearnerLoop
import Model
import Wire
import XCTest

/// TLS and mutual TLS with a throwaway CA made by openssl for each run.
final class TLSTests: XCTestCase {
    struct Certificates {
        let ca, serverCertificate, serverKey, clientCertificate, clientKey: String
    }

    static let certificates: Certificates? = {
        let dir = "/tmp/seedrl-tls-\(getpid())"
        let ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
        let script = """
            set -e; rm -rf \(dir); mkdir -p \(dir); cd \(dir)
            openssl req -x509 \(ec) -keyout ca.key -out ca.pem -days 1 -subj /CN=seedrl-test-ca 2>/dev/null
            openssl req \(ec) -keyout server.key -out server.csr -subj /CN=localhost 2>/dev/null
            printf 'subjectAltName=DNS:localhost,IP:127.0.0.1' > san.ext
            openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 1 -extfile san.ext 2>/dev/null
            openssl req \(ec) -keyout client.key -out client.csr -subj /CN=seedrl-actor 2>/dev/null
            openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 1 2>/dev/null
            """
        guard system(script) == 0 else { return nil }
        func read(_ name: String) -> String { String(decoding: (try? AtomicFile.read("\(dir)/\(name)")) ?? [], as: UTF8.self) }
        defer { _ = system("rm -rf \(dir)") }
        return Certificates(ca: read("ca.pem"), serverCertificate: read("server.pem"), serverKey: read("server.key"),
                            clientCertificate: read("client.pem"), clientKey: read("client.key"))
    }()

    private func certificates() throws -> Certificates {
        guard let certificates = Self.certificates else { throw XCTSkip("openssl could not make test certificates") }
        return certificates
    }

    private func withTLSServer(mutual: Bool = false, token: String? = nil, _ body: (ServerFixture, Certificates) throws -> Void) throws {
        let c = try certificates()
        try ServerFixture.withServer(configure: {
            $0.security = .tls(certificateChain: c.serverCertificate, privateKey: c.serverKey, clientCA: mutual ? c.ca : nil)
            $0.token = token
        }) { try body($0, c) }
    }

    func testATrustingClientIsServedOverTLS() throws {
        try withTLSServer { fixture, c in
            let channel = WireChannel(target: fixture.target, security: .tls(rootCA: c.ca, certificateChain: nil, privateKey: nil))
            XCTAssertEqual(try channel.getSpec().numActions, 2)
            let client = try TestActClient(channel: channel, poller: fixture.poller)
            XCTAssertNotNil(client.roundTrip(.first))
        }
    }

    func testPlaintextAndUntrustingClientsAreRefused() throws {
        try withTLSServer { fixture, c in
            XCTAssertThrowsError(try WireChannel(target: fixture.target).getSpec(timeoutMilliseconds: 3000)) {
                XCTAssertEqual(($0 as? RPCError)?.code, .unavailable)
            }
            // Trusting another CA: the server's certificate does not verify.
            let otherCA = c.clientCertificate  // a certificate that is not the issuing CA
            XCTAssertThrowsError(try WireChannel(target: fixture.target, security: .tls(rootCA: otherCA, certificateChain: nil, privateKey: nil))
                .getSpec(timeoutMilliseconds: 3000)) {
                XCTAssertEqual(($0 as? RPCError)?.code, .unavailable)
            }
        }
    }

    func testMutualTLSRequiresAClientCertificateFromTheCA() throws {
        try withTLSServer(mutual: true) { fixture, c in
            XCTAssertThrowsError(try WireChannel(target: fixture.target, security: .tls(rootCA: c.ca, certificateChain: nil, privateKey: nil))
                .getSpec(timeoutMilliseconds: 3000)) {
                XCTAssertEqual(($0 as? RPCError)?.code, .unavailable)
            }
            let channel = WireChannel(target: fixture.target,
                                      security: .tls(rootCA: c.ca, certificateChain: c.clientCertificate, privateKey: c.clientKey))
            let client = try TestActClient(channel: channel, poller: fixture.poller)
            XCTAssertNotNil(client.roundTrip(.first))
        }
    }

    func testTokenAndTLSTogether() throws {
        try withTLSServer(token: "t0k3n") { fixture, c in
            let tls = ChannelSecurity.tls(rootCA: c.ca, certificateChain: nil, privateKey: nil)
            XCTAssertThrowsError(try WireChannel(target: fixture.target, security: tls).getSpec()) {
                XCTAssertEqual(($0 as? RPCError)?.code, .unauthenticated)
            }
            let client = try TestActClient(channel: WireChannel(target: fixture.target, token: "t0k3n", security: tls), poller: fixture.poller)
            XCTAssertNotNil(client.roundTrip(.first))
        }
    }

    /// The core only fails to listen; the server says which file is wrong and why instead
    /// of "address in use".
    func testAKeyThatIsNotTheCertificatesIsReportedAsSuch() throws {
        let c = try certificates()
        var configuration = LearnerServerConfiguration(spec: ServerFixture.cartPole, listenAddresses: ["127.0.0.1:0"])
        configuration.security = .tls(certificateChain: c.serverCertificate, privateKey: c.clientKey, clientCA: nil)
        let architecture = ServerFixture.architecture()
        let store = ParameterStore(
            initial: ParameterSnapshot(values: ParameterInitializer.initialValues(for: architecture, seed: 7), version: 0),
            layout: architecture.layout)
        let policy = ModelPolicy(architecture: architecture, store: store, maxBatch: 8, seed: 7)
        XCTAssertThrowsError(try LearnerServer(configuration: configuration, policy: policy)) {
            XCTAssertEqual(($0 as? RPCError)?.code, .invalidArgument)
            XCTAssertEqual(($0 as? RPCError)?.message,
                           "the server key is not the private key of the certificate in the server certificate (/CN=localhost)")
        }
    }

    func testAnAddressInUseIsReportedAsSuch() throws {
        try ServerFixture.withServer { fixture in
            var configuration = LearnerServerConfiguration(spec: ServerFixture.cartPole, listenAddresses: [fixture.target])
            configuration.maxStreams = 4
            let architecture = ServerFixture.architecture()
            let store = ParameterStore(
                initial: ParameterSnapshot(values: ParameterInitializer.initialValues(for: architecture, seed: 7), version: 0),
                layout: architecture.layout)
            let policy = ModelPolicy(architecture: architecture, store: store, maxBatch: 8, seed: 7)
            XCTAssertThrowsError(try LearnerServer(configuration: configuration, policy: policy)) {
                XCTAssertEqual(($0 as? RPCError)?.message, "cannot listen on \(fixture.target): Address already in use")
            }
        }
    }
}
