#if canImport(Glibc)
import Glibc
#endif
@testable import InferenceServer
import XCTest

/// The stream-memory default (half of it) must not exceed a container's or job's cgroup
/// limit, which sysconf does not see.
final class PhysicalMemoryTests: XCTestCase {
    private func write(_ text: String, to path: String) {
        _ = system("mkdir -p '\(path.split(separator: "/").dropLast().joined(separator: "/").prepending("/"))'")
        let file = fopen(path, "w")!
        fputs(text, file)
        fclose(file)
    }

    func testCgroupV2AndV1LimitsAreRead() {
        let root = "/tmp/seedrl-cgroup-\(getpid())"
        defer { _ = system("rm -rf \(root)") }
        write("0::/job/42\n", to: "\(root)/v2/self")
        write("2147483648\n", to: "\(root)/v2/fs/job/42/memory.max")
        XCTAssertEqual(PhysicalMemory.cgroupLimit(procSelfCgroup: "\(root)/v2/self", mount: "\(root)/v2/fs"), 2 << 30)
        write("max\n", to: "\(root)/v2/fs/job/42/memory.max")
        XCTAssertNil(PhysicalMemory.cgroupLimit(procSelfCgroup: "\(root)/v2/self", mount: "\(root)/v2/fs"), "max: no limit")

        write("5:cpu:/\n4:memory:/slurm/job7\n0::/\n", to: "\(root)/v1/self")
        write("1073741824\n", to: "\(root)/v1/fs/memory/slurm/job7/memory.limit_in_bytes")
        XCTAssertEqual(PhysicalMemory.cgroupLimit(procSelfCgroup: "\(root)/v1/self", mount: "\(root)/v1/fs"), 1 << 30)
        write("9223372036854771712\n", to: "\(root)/v1/fs/memory/slurm/job7/memory.limit_in_bytes")
        XCTAssertNil(PhysicalMemory.cgroupLimit(procSelfCgroup: "\(root)/v1/self", mount: "\(root)/v1/fs"), "v1's 'unlimited'")
        XCTAssertLessThanOrEqual(PhysicalMemory.bytes, Int(sysconf(Int32(_SC_PHYS_PAGES)) * sysconf(Int32(_SC_PAGESIZE))))
    }
}

private extension String {
    func prepending(_ prefix: String) -> String { prefix + self }
}
