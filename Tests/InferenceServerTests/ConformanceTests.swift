import Conformance
import Wire
import XCTest

/// Our own server against the conformance kit, in process (scripts/test-conformance.sh
/// runs the command against servers and actors, and shows the kit failing broken ones).
final class ConformanceTests: XCTestCase {
    func testOurServerPassesEveryRule() throws {
        try ServerFixture.withServer(configure: { $0.token = "s3cret" }) { fixture in
            let report = ServerConformance(options: .init(target: fixture.target, token: "s3cret")).run()
            XCTAssertTrue(report.passed, report.table)
            // Only training is not asked of a serving fixture.
            XCTAssertEqual(report.results.filter { $0.outcome == .skip }.map(\.rule),
                           ["training advances: model_version grows while steps arrive"], report.table)
            XCTAssertEqual(report.results.count, 19)
        }
    }
}
