internal import CMPI
#if canImport(Glibc)
import Glibc
#endif

/// The job's ranks over MPI (OpenMPI), wrapped once: initialise, sum in place across
/// ranks, broadcast from a root, abort, finalise. Nothing else in seedrl sees MPI.
///
/// Threads: MPI_THREAD_FUNNELED — the thread that creates the group makes every call on
/// it, finalising included (seedrl: the learner thread; other threads of the process
/// never touch MPI). Errors are fatal (MPI's default): a failed collective, or a dead
/// peer, ends the job.
public final class MPIGroup: @unchecked Sendable {
    public let rank: Int
    public let size: Int
    private var finalized = false

    /// This process's rank and the job's size, read from the launcher's environment
    /// without initialising MPI (mpirun sets OMPI_COMM_WORLD_*, srun with PMIx sets
    /// PMIX_RANK and SLURM_NTASKS); nil when it was not launched as part of a job.
    public static func launchedRank() -> (rank: Int, size: Int)? {
        let environment = ProcessEnvironment()
        if let rank = environment.integer("OMPI_COMM_WORLD_RANK"), let size = environment.integer("OMPI_COMM_WORLD_SIZE") {
            return (rank, size)
        }
        if let rank = environment.integer("PMIX_RANK") {
            return (rank, environment.integer("SLURM_NTASKS") ?? rank + 1)
        }
        return nil
    }

    /// The MPI library's own description (callable before MPI is initialised).
    public static var libraryVersion: String {
        var buffer = [CChar](repeating: 0, count: 8192)
        var length: Int32 = 0
        guard MPI_Get_library_version(&buffer, &length) == seedrl_mpi_success() else { return "unknown" }
        return String(cString: buffer).split(separator: ",").first.map(String.init) ?? "unknown"
    }

    /// Initialises MPI (once per process), on the thread that will make every call.
    public init() {
        var provided: Int32 = 0
        let result = MPI_Init_thread(nil, nil, seedrl_mpi_thread_funneled(), &provided)
        precondition(result == seedrl_mpi_success(), "MPI_Init_thread failed (\(result))")
        precondition(provided >= seedrl_mpi_thread_funneled(), "this MPI does not support MPI_THREAD_FUNNELED")
        var rank: Int32 = 0, size: Int32 = 0
        MPI_Comm_rank(seedrl_mpi_comm_world(), &rank)
        MPI_Comm_size(seedrl_mpi_comm_world(), &size)
        self.rank = Int(rank)
        self.size = Int(size)
    }

    /// Element-wise sum across all ranks, in place; every rank gets the same result.
    public func sumInPlace(_ values: UnsafeMutableBufferPointer<Float>) {
        check(MPI_Allreduce(seedrl_mpi_in_place(), values.baseAddress, Int32(values.count), seedrl_mpi_float(),
                            seedrl_mpi_sum(), seedrl_mpi_comm_world()), "MPI_Allreduce")
    }

    public func sumInPlace(_ values: UnsafeMutableBufferPointer<Double>) {
        check(MPI_Allreduce(seedrl_mpi_in_place(), values.baseAddress, Int32(values.count), seedrl_mpi_double(),
                            seedrl_mpi_sum(), seedrl_mpi_comm_world()), "MPI_Allreduce")
    }

    /// Overwrites `values` on every rank with `root`'s.
    public func broadcast(_ values: UnsafeMutableBufferPointer<Float>, from root: Int = 0) {
        check(MPI_Bcast(values.baseAddress, Int32(values.count), seedrl_mpi_float(), Int32(root), seedrl_mpi_comm_world()), "MPI_Bcast")
    }

    public func broadcast(_ values: UnsafeMutableBufferPointer<Double>, from root: Int = 0) {
        check(MPI_Bcast(values.baseAddress, Int32(values.count), seedrl_mpi_double(), Int32(root), seedrl_mpi_comm_world()), "MPI_Bcast")
    }

    /// Ends the whole job (every rank), saying why on standard error.
    public func abort(reason: String) -> Never {
        let line = Array("seedrl: rank \(rank): \(reason)\n".utf8)
        _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
        MPI_Abort(seedrl_mpi_comm_world(), 2)
        fatalError("MPI_Abort returned")
    }

    /// Leaves the job cleanly; a collective after this is a programming error.
    public func leave() {
        guard !finalized else { return }
        finalized = true
        MPI_Finalize()
    }

    private func check(_ result: Int32, _ what: String) {
        precondition(result == seedrl_mpi_success(), "\(what) failed (\(result))")
    }
}
