#if canImport(Glibc)
import Glibc
#endif

/// The machine's memory, for defaults that scale with it.
enum PhysicalMemory {
    static var bytes: Int {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
        return pages > 0 && size > 0 ? pages * size : 1 << 32
    }
}
