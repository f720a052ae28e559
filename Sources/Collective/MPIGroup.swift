internal import CMPI

/// The job's ranks over MPI (OpenMPI), wrapped once: initialise, sum in place across
/// ranks, broadcast from a root, abort, finalise. Nothing else in seedrl sees MPI.
///
/// Threads: initialised with MPI_THREAD_SERIALIZED; the caller makes sure no two
/// threads call into a group at once (seedrl: the main thread initialises and
/// broadcasts before any other thread starts; afterwards only the learner thread calls;
/// the main thread finalises after joining it). Errors are fatal (MPI's default):
/// a failed collective, or a dead peer, ends the job.
public final class MPIGroup: @unchecked Sendable {
    public let rank: Int
    public let size: Int
    private var finalized = false

    /// Whether this process was started as one rank of a job, judged from the launcher's
    /// environment without initialising MPI: mpirun sets OMPI_COMM_WORLD_SIZE, srun with
    /// PMIx sets PMIX_RANK.
    public static var wasLaunchedAsRank: Bool {
        let environment = ProcessEnvironment()
        return environment.integer("OMPI_COMM_WORLD_SIZE") != nil || environment.integer("PMIX_RANK") != nil
    }

    /// Initialises MPI (once per process).
    public init() {
        var provided: Int32 = 0
        let result = MPI_Init_thread(nil, nil, seedrl_mpi_thread_serialized(), &provided)
        precondition(result == seedrl_mpi_success(), "MPI_Init_thread failed (\(result))")
        precondition(provided >= seedrl_mpi_thread_serialized(), "this MPI does not support MPI_THREAD_SERIALIZED")
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

    /// Ends the whole job (every rank) with `code`.
    public func abort(code: Int32) -> Never {
        MPI_Abort(seedrl_mpi_comm_world(), code)
        fatalError("MPI_Abort returned")
    }

    /// Leaves the job cleanly; a collective after this is a programming error.
    public func finalize() {
        guard !finalized else { return }
        finalized = true
        MPI_Finalize()
    }

    private func check(_ result: Int32, _ what: String) {
        precondition(result == seedrl_mpi_success(), "\(what) failed (\(result))")
    }
}
