import Collective
import LearnerLoop
import Model

extension MPIGroup: DataParallelGroup {}

/// This process's place in a data-parallel job launched by `mpirun` (or `srun` with
/// PMIx), read from the launcher's environment. MPI itself is initialised by whichever
/// thread will make every MPI call (`joinGroup`: the learner thread); without a launcher
/// there is no job and MPI is never initialised.
public struct DataParallelJob: Sendable {
    public let rank: Int
    public let size: Int

    /// The job this process is a rank of, if any.
    public static func launched() -> DataParallelJob? {
        MPIGroup.launchedRank().map { DataParallelJob(rank: $0.rank, size: $0.size) }
    }

    /// Each rank serves on its own port: `base` + rank (0 stays 0: any free port).
    public func port(base: Int) -> Int { base == 0 ? 0 : base + rank }

    /// Initialises MPI on the calling thread and returns the job's group (~0.3 s).
    @Sendable public static func joinGroup() -> DataParallelGroup { MPIGroup() }
}
