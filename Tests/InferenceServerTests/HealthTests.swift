@testable import InferenceServer
import Wire
import XCTest

/// grpc.health.v1.Health on the learner's port (the Python clients' end-to-end check is
/// scripts/test-health-reflection.sh).
final class HealthTests: XCTestCase {
    /// HealthCheckResponse{status: SERVING}, as protobuf encodes it.
    private let serving: [UInt8] = [0x08, 0x01]

    func testCheckIsAnsweredWithoutTheTokenAndSaysOnlyServing() throws {
        try ServerFixture.withServer(configure: { $0.token = "s3cret" }) { fixture in
            XCTAssertEqual(try fixture.channel.unary(method: "/grpc.health.v1.Health/Check", timeoutMilliseconds: 10_000), serving)
            let wrong = WireChannel(target: fixture.target, token: "wrong")
            XCTAssertEqual(try wrong.unary(method: "/grpc.health.v1.Health/Check", timeoutMilliseconds: 10_000), serving)
            // The probe is not a way around the token.
            XCTAssertThrowsError(try fixture.channel.getSpec()) { XCTAssertEqual(($0 as? RPCError)?.code, .unauthenticated) }
            XCTAssertEqual(fixture.server.healthStatus, .serving)
        }
    }

    func testStatusIsNotServingOnceAStopBegins() throws {
        try ServerFixture.withServer { fixture in
            fixture.server.shutdown()
            XCTAssertEqual(fixture.server.healthStatus, .notServing)
        }
    }
}
