import Contract
#if canImport(Glibc)
import Glibc
#endif
import XCTest

/// The committed protoc-c output must be what the committed proto generates.
final class GeneratedCodeTests: XCTestCase {
    private var root: String {
        var path = #filePath
        for _ in 0..<3 { while let last = path.last, last != "/" { path.removeLast() }; path.removeLast() }
        return path
    }

    func testCommittedProtocCOutputIsCurrent() throws {
        guard system("command -v protoc-c >/dev/null 2>&1") == 0 else {
            throw XCTSkip("protoc-c is not installed (apt-get install protobuf-c-compiler)")
        }
        let out = "/tmp/seedrl-protoc-check-\(getpid())"
        defer { _ = system("rm -rf \(out)") }
        XCTAssertEqual(system("\(root)/scripts/generate-protos.sh \(out) >/dev/null"), 0)
        for file in ["learner.pb-c.c", "include/learner.pb-c.h", "event.pb-c.c", "include/event.pb-c.h", "descriptors.c",
                     "health.pb-c.c", "include/health.pb-c.h", "reflection.pb-c.c", "include/reflection.pb-c.h",
                     "onnx_subset.pb-c.c", "include/onnx_subset.pb-c.h"] {
            XCTAssertEqual(system("cmp -s \(out)/\(file) \(root)/Sources/CSeedProto/\(file)"), 0,
                           "\(file) is stale: run scripts/generate-protos.sh and commit")
        }
    }
}
