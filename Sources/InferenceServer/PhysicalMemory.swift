#if canImport(Glibc)
import Glibc
#endif

/// The memory this process may use, for defaults that scale with it: the machine's, or
/// the cgroup's limit where that is lower (a container or a Slurm job sees the whole
/// machine in sysconf but is killed at its cgroup's limit).
enum PhysicalMemory {
    static var bytes: Int {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        let machine = pages > 0 && size > 0 ? pages * size : 1 << 32
        return min(machine, cgroupLimit() ?? machine)
    }

    /// cgroup v2's memory.max or v1's memory.limit_in_bytes for this process's group
    /// ("max" or an absurd v1 value: no limit).
    static func cgroupLimit(procSelfCgroup: String = "/proc/self/cgroup", mount: String = "/sys/fs/cgroup") -> Int? {
        guard let membership = readText(procSelfCgroup) else { return nil }
        for line in membership.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            let path = String(fields[2])
            let candidates = fields[0] == "0" && fields[1].isEmpty
                ? ["\(mount)\(path)/memory.max", "\(mount)/memory.max"]                       // v2
                : fields[1].split(separator: ",").contains("memory")
                    ? ["\(mount)/memory\(path)/memory.limit_in_bytes", "\(mount)/memory/memory.limit_in_bytes"]  // v1
                    : []
            for file in candidates {
                guard let text = readText(file)?.split(separator: "\n").first else { continue }
                if text == "max" { return nil }
                if let limit = Int(text), limit > 0, limit < 1 << 60 { return limit }
                return nil
            }
        }
        return nil
    }

    private static func readText(_ path: String) -> String? {
        guard let file = fopen(path, "r") else { return nil }
        defer { fclose(file) }
        var text = ""
        var buffer = [CChar](repeating: 0, count: 4096)
        while fgets(&buffer, Int32(buffer.count), file) != nil { text += String(cString: buffer) }
        return text
    }
}
