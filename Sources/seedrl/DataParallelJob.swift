import Collective
import LearnerLoop

extension MPIGroup: DataParallelGroup {}

/// This process's place in a data-parallel job launched by `mpirun` (or `srun` with
/// PMIx): its rank, the job's size and the MPI group. Without a launcher there is no job
/// and MPI is never initialised.
struct DataParallelJob {
    let group: MPIGroup
    var rank: Int { group.rank }
    var size: Int { group.size }

    /// Joins the job if this process was launched as one of its ranks (MPI_Init, ~0.3 s).
    static func joinIfLaunched() -> DataParallelJob? {
        guard MPIGroup.wasLaunchedAsRank else { return nil }
        return DataParallelJob(group: MPIGroup())
    }

    /// Each rank serves on its own port: `base` + rank (0 stays 0: any free port).
    func port(base: Int) -> Int { base == 0 ? 0 : base + rank }

    /// Makes every rank's learner start from rank 0's state (its fresh initialisation or
    /// the checkpoint it resumed): parameters, optimizer moments and counters, and the
    /// published version. Collective; call before serving or training starts.
    func synchronize(_ learner: Learner) {
        var header: [Double] = [
            Double(learner.parameters.count), Double(learner.store.version),
            Double(learner.optimizer.steps), Double(learner.framesTrained),
        ]
        let ownCount = header[0]
        header.withUnsafeMutableBufferPointer { group.broadcast($0, from: 0) }
        if header[0] != ownCount {
            Console.error("seedrl: rank \(rank) has \(Int(ownCount)) parameters, rank 0 has \(Int(header[0])): "
                + "every rank must serve the same model (same spec, --hidden and checkpoint)")
            group.abort(code: 2)
        }
        var parameters = learner.parameters
        var (first, second, _) = learner.optimizer.state
        parameters.withUnsafeMutableBufferPointer { group.broadcast($0, from: 0) }
        first.withUnsafeMutableBufferPointer { group.broadcast($0, from: 0) }
        second.withUnsafeMutableBufferPointer { group.broadcast($0, from: 0) }
        learner.restore(parameters: parameters, optimizer: first, second,
                        steps: UInt64(header[2]), framesTrained: UInt64(header[3]))
        learner.store.reset(to: parameters, version: UInt64(header[1]))
    }
}
