import Runtime
import Wire
import XCTest

final class ExposureWarningsTests: XCTestCase {
    private let tls = ServerSecurity.tls(certificateChain: "c.pem", privateKey: "k.pem", clientCA: nil)
    private let mutualTLS = ServerSecurity.tls(certificateChain: "c.pem", privateKey: "k.pem", clientCA: "ca.pem")

    func testLoopbackNeedsNothing() {
        XCTAssertEqual(ExposureWarnings.of(host: "127.0.0.1", security: .insecure, token: nil, metricsHost: "127.0.0.1"), [])
        XCTAssertEqual(ExposureWarnings.of(host: "::1", security: .insecure, token: nil, metricsHost: nil), [])
    }

    func testEveryGapBeyondLoopbackIsNamed() {
        func only(_ security: ServerSecurity, _ token: String?) -> String? {
            let warnings = ExposureWarnings.of(host: "0.0.0.0", security: security, token: token, metricsHost: nil)
            XCTAssertLessThanOrEqual(warnings.count, 1)
            return warnings.first
        }
        XCTAssertTrue(only(.insecure, nil)?.contains("without TLS or a token") ?? false)
        XCTAssertTrue(only(.insecure, "t")?.contains("travels in plaintext") ?? false)
        XCTAssertTrue(only(tls, nil)?.contains("TLS without client certificates or a token") ?? false)
        XCTAssertNil(only(tls, "t"), "TLS and a token")
        XCTAssertNil(only(mutualTLS, nil), "mutual TLS")
    }

    func testMetricsBeyondLoopbackAreNamed() {
        let warnings = ExposureWarnings.of(host: "127.0.0.1", security: .insecure, token: nil, metricsHost: "0.0.0.0")
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings[0].contains("/metrics is plain HTTP"))
    }
}
